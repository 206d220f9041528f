"""Enrichment: pure functions that turn what a browser sent into what is stored
(routes are in beacon/routes.py, user agents in beacon/agents.py)."""

from urllib.parse import urlunsplit

from beacon.schema import EPOCH_MAX_MS
from beacon.urls import url_parts


def normalise_url(url: str, keep_query: bool) -> str:
    """Drop the fragment always, and the query string unless the site opted in."""
    scheme, netloc, path, query = url_parts(url)
    if scheme in ("http", "https") and netloc:  # what urlunsplit makes of these
        return (
            f"{scheme}://{netloc.lower()}{path or '/'}{'?' + query if keep_query and query else ''}"
        )
    return urlunsplit((scheme, netloc.lower(), path or "/", query if keep_query else "", ""))


def corrected_start(client_origin_ms: float, client_now_ms: float | None, received_ms: int) -> int:
    """Navigation start on the server's clock.

    Without a client send time we cannot measure skew, so the client's clock is
    trusted as long as it does not claim the future.
    """
    if client_now_ms is None:
        return int(min(client_origin_ms, received_ms, EPOCH_MAX_MS))
    skew = received_ms - client_now_ms
    return max(0, int(client_origin_ms + skew))
