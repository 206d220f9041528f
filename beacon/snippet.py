"""GET /rum.js: the built snippet, cacheable, revalidated by ETag."""

import hashlib
import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("rum.collector")


class SnippetEndpoint:
    def __init__(self, path: str, max_age: int) -> None:
        file = Path(path)
        self.body = file.read_bytes() if file.is_file() else None
        if self.body is None:
            log.warning("snippet %s not built (npm --prefix js run build)", path)
        digest = hashlib.sha256(self.body or b"").hexdigest()[:20]
        self.etag = f'"{digest}"'
        self.cache_control = f"public, max-age={max_age}, stale-while-revalidate=86400"

    async def get(self, request: Request) -> Response:
        if self.body is None:
            return JSONResponse({"error": "snippet_not_built"}, status_code=404)
        headers = {
            "etag": self.etag,
            "cache-control": self.cache_control,
            "access-control-allow-origin": "*",
            "x-content-type-options": "nosniff",
        }
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type="text/javascript; charset=utf-8", headers=headers)
