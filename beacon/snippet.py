"""GET /rum.js and /rum-main.<hash>.js: the snippet's two stages (js/build.mjs).

Stage one is the tag sites paste: cached for `max_age`, then revalidated by ETag, so a
new release reaches pages within that time. Stage two is named by its content hash,
which stage one is built to request, so it is cached for good. Each is served as the
build compressed it (brotli, gzip) when the browser accepts that."""

import hashlib
import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("rum.collector")

ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
"""Content encodings in order of preference, and the built file's suffix for each."""
STAGE_TWO = "rum-main.js"
IMMUTABLE = "public, max-age=31536000, immutable"


def stage_two_digest(code: bytes) -> str:
    """A built file's content hash: the name stage one requests stage two by (as
    js/build.mjs computes it), and each file's ETag."""
    return hashlib.sha256(code).hexdigest()[:12]


def accepted_encoding(accept_encoding: str, available: set[str]) -> str | None:
    """The preferred encoding of `available` the client accepts (q > 0), if any."""
    accepted = set()
    for part in accept_encoding.lower().split(","):
        token, _, params = part.partition(";")
        if _weight(params.strip()) > 0:
            accepted.add(token.strip())
    return next((name for name, _ in ENCODINGS if name in available and name in accepted), None)


def _weight(params: str) -> float:
    """An Accept-Encoding entry's q (1 when absent, 0 when unreadable)."""
    if not params.startswith("q="):
        return 1.0
    try:
        return float(params.removeprefix("q="))
    except ValueError:
        return 0.0


class BuiltScript:
    """One built file and its compressed forms, read once at start."""

    def __init__(self, path: Path, cache_control: str) -> None:
        self.body = path.read_bytes() if path.is_file() else None
        self.digest = stage_two_digest(self.body or b"")
        self.encoded = {
            name: (path.parent / (path.name + suffix)).read_bytes()
            for name, suffix in ENCODINGS
            if (path.parent / (path.name + suffix)).is_file()
        }
        self.cache_control = cache_control

    def respond(self, request: Request) -> Response:
        if self.body is None:
            return JSONResponse({"error": "snippet_not_built"}, status_code=404)
        encoding = accepted_encoding(request.headers.get("accept-encoding", ""), set(self.encoded))
        # One ETag per representation: caches must not swap gzip for brotli.
        etag = f'"{self.digest}{"-" + encoding if encoding else ""}"'
        headers = {
            "etag": etag,
            "cache-control": self.cache_control,
            "vary": "accept-encoding",
            "access-control-allow-origin": "*",
            "x-content-type-options": "nosniff",
        }
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if encoding:
            headers["content-encoding"] = encoding
        body = self.encoded[encoding] if encoding else self.body
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


class SnippetEndpoint:
    def __init__(self, path: str, max_age: int) -> None:
        loader = Path(path)
        self.loader = BuiltScript(
            loader, f"public, max-age={max_age}, stale-while-revalidate=86400"
        )
        self.stage_two = BuiltScript(loader.with_name(STAGE_TWO), IMMUTABLE)
        if self.loader.body is None or self.stage_two.body is None:
            log.warning("snippet %s not built (npm --prefix js run build)", path)

    async def get(self, request: Request) -> Response:
        return self.loader.respond(request)

    async def get_stage_two(self, request: Request) -> Response:
        if request.path_params["digest"] != self.stage_two.digest:
            # An old stage one asking for the stage two of another release.
            return JSONResponse({"error": "unknown_snippet_version"}, status_code=404)
        return self.stage_two.respond(request)
