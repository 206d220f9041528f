"""The site registry: which sites may send beacons, from which origins, and how.

Read from a TOML file and re-read when the file changes (no restart):

    [sites.shop]
    origins = ["https://shop.example"]   # "*" allows any origin
    keep_query = false                   # keep query strings in stored URLs
    sample_rate = 1.0                    # share of page views kept, decided per view id
    count_bots = false                   # let bots and headless browsers into rollups
    [[sites.shop.routes]]
    pattern = "^/products/[^/]+$"        # paths matching this regex ...
    name = "/products/:slug"             # ... are counted under this route
"""

import logging
import os
import re
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

from beacon.routes import RouteRule

log = logging.getLogger("rum.collector")


@dataclass(frozen=True)
class Site:
    key: str
    origins: frozenset[str]
    keep_query: bool = False
    sample_rate: float = 1.0
    count_bots: bool = False
    routes: tuple[RouteRule, ...] = ()

    def allows(self, origin: str | None) -> bool:
        # Non-browser senders send no Origin; browsers always do on POST.
        return origin is None or "*" in self.origins or origin in self.origins

    def samples_in(self, page_view_id: str) -> bool:
        """Keep or drop a whole page view: the same answer for all its beacons."""
        if self.sample_rate >= 1:
            return True
        return zlib.crc32(page_view_id.encode()) < self.sample_rate * 2**32


class SiteRegistry:
    def __init__(self, sites: list[Site]) -> None:
        self._sites = {site.key: site for site in sites}
        self._origins = frozenset(o for site in sites for o in site.origins)

    def __len__(self) -> int:
        return len(self._sites)

    def get(self, key: str) -> Site | None:
        return self._sites.get(key)

    def by_origin(self, origin: str) -> Site | None:
        return next((s for s in self._sites.values() if origin in s.origins), None)

    def knows_origin(self, origin: str) -> bool:
        """For CORS preflights, which name no site: is the origin allowed for any site?"""
        return "*" in self._origins or origin in self._origins

    @classmethod
    def from_toml(cls, text: str) -> "SiteRegistry":
        table = tomllib.loads(text).get("sites", {})
        return cls([_site(key, conf) for key, conf in table.items()])


def _site(key: str, conf: dict) -> Site:
    rate = float(conf.get("sample_rate", 1.0))
    if not 0 <= rate <= 1:
        raise ValueError(f"site {key}: sample_rate must be between 0 and 1")
    return Site(
        key=key,
        origins=frozenset(conf.get("origins", [])),
        keep_query=bool(conf.get("keep_query", False)),
        sample_rate=rate,
        count_bots=bool(conf.get("count_bots", False)),
        routes=tuple(
            RouteRule(re.compile(rule["pattern"]), str(rule["name"])[:256])
            for rule in conf.get("routes", [])
        ),
    )


class SiteFile:
    """The registry behind a file, re-read when its modification time changes. A file
    that fails to parse is logged and the previous registry kept."""

    def __init__(self, path: str, default_origin: str) -> None:
        self.path = path
        self._mtime: float | None = None
        self.current = SiteRegistry(
            [Site(key="demo", origins=frozenset({default_origin}), count_bots=True)]
        )
        self.refresh()

    def refresh(self) -> bool:
        if not self.path:
            return False
        mtime = os.stat(self.path).st_mtime
        if mtime == self._mtime:
            return False
        try:
            registry = SiteRegistry.from_toml(Path(self.path).read_text())
        except (ValueError, KeyError, re.error, tomllib.TOMLDecodeError) as error:
            if self._mtime is None:
                raise
            log.error("site registry %s not reloaded: %s", self.path, error)
            self._mtime = mtime
            return False
        self.current, self._mtime = registry, mtime
        log.info("site registry loaded: %d sites", len(registry))
        return True
