"""The beacon wire contract, version 1 (documented in docs/beacon.md).

The snippet posts one JSON object per beacon. Navigation marks keep the names of
the W3C specification (camelCase) so the contract reads like the browser API.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from pipeline.records import Millis, NavigationTimings

EPOCH_MIN_MS = 1_500_000_000_000  # 2017: older clocks are broken, not old page views
EPOCH_MAX_MS = 4_100_000_000_000  # 2099


class Navigation(NavigationTimings):
    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )

    type: Literal["navigate", "reload", "back_forward", "prerender"] = "navigate"


class Beacon(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    v: Literal[1]
    site: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    seq: Annotated[int, Field(ge=0, le=1000)] = 0
    url: Annotated[str, Field(min_length=8, max_length=4096, pattern=r"^https?://")]
    route: Annotated[str, Field(max_length=256)] | None = None
    t: Annotated[float, Field(ge=EPOCH_MIN_MS, le=EPOCH_MAX_MS, allow_inf_nan=False)]
    """The page's time origin (performance.timeOrigin), client epoch ms."""
    sent: Annotated[float, Field(ge=EPOCH_MIN_MS, le=EPOCH_MAX_MS, allow_inf_nan=False)] | None = (
        None
    )
    """When the snippet sent this beacon (Date.now()), to correct client clock skew."""
    nav: Navigation | None = None
    fcp: Millis | None = None
