"""The site registry: which sites may send beacons, from which origins, and how."""

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Site:
    key: str
    origins: frozenset[str]
    """Allowed `Origin` values; `*` allows any."""
    keep_query: bool = False
    """Keep query strings in stored URLs (off by default: they often carry personal data)."""

    def allows(self, origin: str | None) -> bool:
        # Non-browser senders send no Origin; browsers always do on POST.
        return origin is None or "*" in self.origins or origin in self.origins


class SiteRegistry:
    def __init__(self, sites: list[Site]) -> None:
        self._sites = {site.key: site for site in sites}
        self._origins = frozenset(o for site in sites for o in site.origins)

    def get(self, key: str) -> Site | None:
        return self._sites.get(key)

    def knows_origin(self, origin: str) -> bool:
        """For CORS preflights, which name no site: is the origin allowed for any site?"""
        return "*" in self._origins or origin in self._origins

    @classmethod
    def from_toml(cls, text: str) -> "SiteRegistry":
        """`[sites.KEY]` tables with `origins = [...]` and optional `keep_query`."""
        table = tomllib.loads(text).get("sites", {})
        return cls(
            [
                Site(
                    key=key,
                    origins=frozenset(conf.get("origins", [])),
                    keep_query=bool(conf.get("keep_query", False)),
                )
                for key, conf in table.items()
            ]
        )

    @classmethod
    def load(cls, path: str, default_origin: str) -> "SiteRegistry":
        if not path:
            return cls([Site(key="demo", origins=frozenset({default_origin}))])
        return cls.from_toml(Path(path).read_text())
