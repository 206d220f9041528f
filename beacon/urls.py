"""Reading beacon URLs quickly, and exactly as urllib.parse reads them.

The usual beacon URL (http or https, a plain ASCII host, no tab or line break) is
split with str methods: urlsplit, urlunsplit and the port check cost 11 µs a URL, and
the URLs of a busy site are mostly new to the collector's caches (ids, query strings).
Any other URL goes to urllib.parse itself; tests hold the two ways to the same answers.
"""

from urllib.parse import urlsplit


def url_parts(url: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, path, query), as urlsplit reads them."""
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


def has_host_and_port(url: str) -> bool:
    """True when urlsplit would read the URL with a host and a valid (or no) port, seen
    without it; False means "ask urlsplit" (it may still be fine)."""
    scheme, netloc, _, _ = url_parts(url)
    if scheme not in ("http", "https") or not netloc.isascii() or "[" in netloc:
        return False
    host, _, port = netloc.rpartition("@")[2].partition(":")
    return bool(host) and (not port or (port.isdigit() and int(port) <= 65535))
