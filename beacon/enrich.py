"""Enrichment: pure functions that turn what a browser sent into what is stored
(routes are in beacon/routes.py, user agents in beacon/agents.py)."""

from urllib.parse import urlsplit, urlunsplit

from beacon.schema import EPOCH_MAX_MS


def normalise_url(url: str, keep_query: bool) -> str:
    """Drop the fragment always, and the query string unless the site opted in."""
    scheme, netloc, path, query = url_parts(url)
    if scheme in ("http", "https") and netloc:  # what urlunsplit makes of these
        return (
            f"{scheme}://{netloc.lower()}{path or '/'}{'?' + query if keep_query and query else ''}"
        )
    return urlunsplit((scheme, netloc.lower(), path or "/", query if keep_query else "", ""))


def url_parts(url: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, path, query), as urlsplit reads them.

    The usual beacon URL (http or https, a plain ASCII host, no tab or line break) is
    split with str methods: urlsplit and urlunsplit cost 7 µs a URL, and the URLs of
    a busy site are mostly new to the collector's caches (ids, query strings). Any
    other goes to urlsplit itself (a test holds the two to the same answers)."""
    scheme = "https" if url.startswith("https://") else "http" if url.startswith("http://") else ""
    if scheme and "\t" not in url and "\r" not in url and "\n" not in url:
        rest = url[len(scheme) + 3 :]
        end = len(rest)
        for mark in "/?#":
            at = rest.find(mark, 0, end)
            if at >= 0:
                end = at
        netloc = rest[:end]
        if netloc.isascii() and "[" not in netloc and "]" not in netloc:
            path, _, query = rest[end:].partition("#")[0].partition("?")
            return scheme, netloc, path, query
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path, parts.query


def corrected_start(client_origin_ms: float, client_now_ms: float | None, received_ms: int) -> int:
    """Navigation start on the server's clock.

    Without a client send time we cannot measure skew, so the client's clock is
    trusted as long as it does not claim the future.
    """
    if client_now_ms is None:
        return int(min(client_origin_ms, received_ms, EPOCH_MAX_MS))
    skew = received_ms - client_now_ms
    return max(0, int(client_origin_ms + skew))
