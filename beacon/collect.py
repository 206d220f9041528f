"""POST /v1/beacon: receive, run the ingestion steps, publish."""

import time

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from beacon.body import read_limited
from beacon.ingest import Received, Rejected, ingest
from beacon.publishers import Backpressure, Publisher
from beacon.sites import SiteRegistry

ACCEPTED_TYPES = ("text/plain", "application/json")
RETRY_AFTER_S = "2"


def cors_headers(origin: str | None, sites: SiteRegistry) -> dict[str, str]:
    if origin and sites.knows_origin(origin):
        return {"access-control-allow-origin": origin, "vary": "Origin"}
    return {"vary": "Origin"}


def rejection(error: Rejected, headers: dict[str, str]) -> JSONResponse:
    content: dict[str, object] = {"error": error.reason}
    if error.detail is not None:
        content["detail"] = error.detail
    return JSONResponse(content, status_code=error.status, headers=headers)


class CollectEndpoint:
    def __init__(self, sites: SiteRegistry, publisher: Publisher, body_limit: int) -> None:
        self.sites = sites
        self.publisher = publisher
        self.body_limit = body_limit

    async def post(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        headers = cors_headers(origin, self.sites)
        try:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in ACCEPTED_TYPES:
                raise Rejected(415, "unsupported_media_type", {"accepted": list(ACCEPTED_TYPES)})
            body = await read_limited(request, self.body_limit)
            record = ingest(Received(body, origin, int(time.time() * 1000)), self.sites)
            self.publisher.publish(record.site.encode(), orjson.dumps(record.model_dump()))
        except Rejected as error:
            return rejection(error, headers)
        except Backpressure:
            headers["retry-after"] = RETRY_AFTER_S
            return JSONResponse({"error": "overloaded"}, status_code=503, headers=headers)
        return Response(status_code=204, headers=headers)

    async def preflight(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if not origin or not self.sites.knows_origin(origin):
            return JSONResponse({"error": "origin_not_allowed"}, status_code=403)
        return Response(
            status_code=204,
            headers={
                **cors_headers(origin, self.sites),
                "access-control-allow-methods": "POST",
                "access-control-allow-headers": "content-type",
                "access-control-max-age": "86400",
            },
        )
