"""The site registry: which sites may send beacons, from which origins, and how.

Read from a TOML file, strictly (a wrong type or an unknown key is refused by name),
and re-read when the file changes (no restart):

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
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
        """The registry a sites file describes; ValueError naming every setting that is
        wrong (TOML errors included)."""
        try:
            conf = _RegistryConf.model_validate(tomllib.loads(text))
        except ValidationError as error:
            raise ValueError(
                "; ".join(
                    f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}"
                    for e in error.errors(include_url=False)
                )
            ) from None
        return cls([site.site(key) for key, site in conf.sites.items()])


class _Conf(BaseModel):
    # Strict, and unknown keys refused: `keep_query = "false"` must not keep query
    # strings, and a misspelt key must not be ignored.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _RouteConf(_Conf):
    pattern: re.Pattern[str]  # compiled by pydantic, which names a regex that is not one
    name: Annotated[str, Field(min_length=1, max_length=256)]


class _SiteConf(_Conf):
    origins: list[str] = []
    keep_query: bool = False
    sample_rate: Annotated[float, Field(ge=0, le=1)] = 1.0
    count_bots: bool = False
    routes: list[_RouteConf] = []

    def site(self, key: str) -> Site:
        return Site(
            key=key,
            origins=frozenset(self.origins),
            keep_query=self.keep_query,
            sample_rate=self.sample_rate,
            count_bots=self.count_bots,
            routes=tuple(RouteRule(r.pattern, r.name) for r in self.routes),
        )


class _RegistryConf(_Conf):
    sites: dict[str, _SiteConf] = {}


class InvalidSiteFile(ValueError):
    """The sites file cannot be read or is wrong, at start: the process cannot serve."""


class SiteFile:
    """The registry behind a file, re-read when its modification time changes. A file
    that fails to parse is logged and the previous registry kept."""

    def __init__(self, path: str, default_origin: str) -> None:
        self.path = path
        self._mtime: float | None = None
        self.current = SiteRegistry(
            [Site(key="demo", origins=frozenset({default_origin}), count_bots=True)]
        )
        try:
            self.refresh()
        except (OSError, ValueError) as error:
            raise InvalidSiteFile(f"site registry {path}: {error}") from None

    def refresh(self) -> bool:
        if not self.path:
            return False
        mtime = os.stat(self.path).st_mtime
        if mtime == self._mtime:
            return False
        try:
            registry = SiteRegistry.from_toml(Path(self.path).read_text())
        except ValueError as error:  # TOMLDecodeError is one
            if self._mtime is None:
                raise
            log.error("site registry %s not reloaded: %s", self.path, error)
            self._mtime = mtime
            return False
        self.current, self._mtime = registry, mtime
        log.info("site registry loaded: %d sites", len(registry))
        return True
