"""Bucky compatibility: a site running HubSpot's Bucky client switches by changing its
host. `POST {root}/v1/send` takes `text/plain` lines `name:value|type[@rate]` (type
`ms`, `c` or `g`); `GET {root}/v1/health-check` answers `OK`. Lines are checked one by
one: good ones are kept, bad ones are counted and named, never silently dropped."""

import math
import re
import time

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from beacon.collect import CollectEndpoint, cors_headers, rejection
from beacon.ingest import Rejected
from beacon.publishers import Backpressure
from beacon.sites import Site
from pipeline.records import BuckyRecord

_LINE = re.compile(r"^([A-Za-z0-9_.\-/]{1,200}):([^|]+)\|(ms|c|g)(?:@([0-9.eE+-]+))?$")
MAX_REPORTED = 10


class BadLine(ValueError):
    pass


def parse_line(line: str, site: str, received_ms: int) -> BuckyRecord:
    match = _LINE.match(line.strip())
    if not match:
        raise BadLine("not name:value|type[@rate]")
    name, raw_value, kind, raw_rate = match.groups()
    try:
        value = float(raw_value)
        rate = float(raw_rate) if raw_rate else 1.0
    except ValueError:
        raise BadLine("value or rate is not a number") from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise BadLine("value out of range")
    if not 0 < rate <= 1:
        raise BadLine("sample rate must be in (0, 1]")
    return BuckyRecord(
        site=site, name=name, type=kind, value=value, sample_rate=rate, received_at=received_ms
    )


def parse_lines(text: str, site: str, received_ms: int) -> tuple[list[BuckyRecord], list[dict]]:
    records, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(parse_line(line, site, received_ms))
        except BadLine as error:
            errors.append({"line": number, "reason": str(error)})
    return records, errors


class BuckyEndpoint:
    def __init__(self, collect: CollectEndpoint) -> None:
        self.collect = collect

    def site_for(self, request: Request) -> Site:
        sites = self.collect.ingestion.sites()
        origin = request.headers.get("origin")
        site = (
            sites.by_origin(origin) if origin else sites.get(request.query_params.get("site", ""))
        )
        if site is None:
            raise Rejected(403, "unknown_site")
        if not site.allows(origin):
            raise Rejected(403, "origin_not_allowed")
        return site

    async def send(self, request: Request) -> Response:
        metrics = self.collect.metrics
        cors = cors_headers(request.headers.get("origin"), self.collect.ingestion.sites())
        try:
            site = self.site_for(request)
            body = await self.collect.bodies.read(
                request.receive, request.headers.get("content-length")
            )
            text = body.decode("utf-8")
            records, errors = parse_lines(text, site.key, int(time.time() * 1000))
            if not records:
                raise Rejected(400, "no_valid_lines", errors[:MAX_REPORTED])
            if not self.collect.publisher.has_room:
                raise Backpressure
            value = b"\n".join(map(msgspec.json.encode, records))
            self.collect.publisher.publish(site.key.encode(), value)
            self.collect.publisher.settle()
        except UnicodeDecodeError:
            metrics.dropped.labels("invalid_utf8").inc()
            return rejection(Rejected(400, "invalid_utf8"), cors)
        except Rejected as error:
            metrics.dropped.labels(error.reason).inc()
            metrics.bucky_lines.labels("rejected").inc(len(error.detail or []))  # type: ignore[arg-type]
            return rejection(error, cors)
        except Backpressure:
            metrics.dropped.labels("overloaded").inc()
            return JSONResponse(
                {"error": "overloaded"}, status_code=503, headers={**cors, "retry-after": "2"}
            )
        metrics.bucky_lines.labels("accepted").inc(len(records))
        metrics.bucky_lines.labels("rejected").inc(len(errors))
        return JSONResponse(
            {"accepted": len(records), "rejected": len(errors), "errors": errors[:MAX_REPORTED]},
            headers=cors,
        )

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("OK\n")

    async def preflight(self, request: Request) -> Response:
        return await self.collect.preflight(request)
