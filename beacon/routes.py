"""URL normalisation into routes (page groups), so the route dimension stays small.

The snippet's explicit route name wins; then the site's own rules; then the path with
identifiers replaced by placeholders: `/users/42/orders/9f8e…` → `/users/:id/orders/:uuid`.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from beacon.urls import url_parts

_PLACEHOLDERS = (
    (re.compile(r"^[\w.%+-]+@[\w-]+(?:\.[\w-]+)+$"), ":email"),
    (re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I), ":uuid"),
    (re.compile(r"^\d+$"), ":id"),
    (re.compile(r"^(?=.*\d)[0-9a-f]{16,}$", re.I), ":hash"),
    (re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9_-]{24,}$", re.I), ":token"),
)
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class RouteRule:
    """A site's own rule: paths matching `pattern` (a regex) are the route `name`."""

    pattern: re.Pattern[str]
    name: str


def segment(part: str) -> str:
    if part.isdecimal():  # the commonest identifier, and what ^\d+$ matches in a path
        return ":id"
    return _segment(part)


@lru_cache(maxsize=16384)
def _segment(part: str) -> str:
    """Words recur across a site's paths: each is matched against the patterns once."""
    for pattern, placeholder in _PLACEHOLDERS:
        if pattern.match(part):
            return placeholder
    return part


def route_of(url: str, explicit: str | None, rules: tuple[RouteRule, ...] = ()) -> str:
    if explicit:
        return explicit
    return _route_of_url(url, rules)


@lru_cache(maxsize=8192)
def _route_of_url(url: str, rules: tuple[RouteRule, ...]) -> str:
    """Cached by the stored URL, so a page seen before is not split again."""
    path = url_parts(url)[2] or "/"
    for rule in rules:
        if rule.pattern.search(path):
            return rule.name
    return "/".join(segment(part) for part in path.split("/"))[:256] or "/"


def mask_emails(url: str) -> str:
    """E-mail addresses never reach storage, in a stored URL's path or kept query.

    The addresses `[\\w.%+-]+@[\\w-]+(?:\\.[\\w-]+)+` would find, found from each "@" in
    linear time: that regex tries every start in a run of name characters, so a 4 KB
    URL of them cost 35-50 ms, and a client sending such beacons could keep the
    collector's one core busy (a test holds the two to the same answers)."""
    at = url.find("@")
    if at < 0:
        return url
    parts: list[str] = []
    done = 0  # where the text not yet copied starts
    while at >= 0:
        start = at
        while start > done and _in_name(url[start - 1]):
            start -= 1
        domain = _DOMAIN.match(url, at + 1) if start < at else None
        if domain:
            parts += [url[done:start], ":email"]
            done = domain.end()
            at = url.find("@", done)
        else:
            at = url.find("@", at + 1)
    parts.append(url[done:])
    return "".join(parts)


def _in_name(char: str) -> bool:
    """The characters of an address's local part: what \\w and .%+- match."""
    return char.isalnum() or char in "_.%+-"
