"""URL normalisation into routes (page groups), so the route dimension stays small.

The snippet's explicit route name wins; then the site's own rules; then the path with
identifiers replaced by placeholders: `/users/42/orders/9f8e…` → `/users/:id/orders/:uuid`.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

_PLACEHOLDERS = (
    (re.compile(r"^[\w.%+-]+@[\w-]+(?:\.[\w-]+)+$"), ":email"),
    (re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I), ":uuid"),
    (re.compile(r"^\d+$"), ":id"),
    (re.compile(r"^(?=.*\d)[0-9a-f]{16,}$", re.I), ":hash"),
    (re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9_-]{24,}$", re.I), ":token"),
)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class RouteRule:
    """A site's own rule: paths matching `pattern` (a regex) are the route `name`."""

    pattern: re.Pattern[str]
    name: str


def segment(part: str) -> str:
    for pattern, placeholder in _PLACEHOLDERS:
        if pattern.match(part):
            return placeholder
    return part


def route_of(url: str, explicit: str | None, rules: tuple[RouteRule, ...] = ()) -> str:
    if explicit:
        return explicit
    return _route_of_path(urlsplit(url).path or "/", rules)


@lru_cache(maxsize=8192)
def _route_of_path(path: str, rules: tuple[RouteRule, ...]) -> str:
    for rule in rules:
        if rule.pattern.search(path):
            return rule.name
    return "/".join(segment(part) for part in path.split("/"))[:256] or "/"


def mask_emails(url: str) -> str:
    """E-mail addresses never reach storage, in a stored URL's path or kept query."""
    return _EMAIL.sub(":email", url)
