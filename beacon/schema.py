"""The beacon wire contract, version 1 (documented in docs/beacon.md).

The snippet posts one JSON object per beacon. Navigation marks keep the names of
the W3C specification (camelCase) so the contract reads like the browser API; the
other parts use short keys to keep the snippet and its payload small.
"""

from functools import lru_cache
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

import msgspec
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator
from pydantic.alias_generators import to_camel

from beacon.mirror import mirror
from beacon.urls import has_host_and_port
from pipeline import records


def checked(stored: object) -> object:
    """A bounded type of the stored row (pipeline/records.py, msgspec) as the same check
    in pydantic: a beacon the collector accepts is never refused by the pipeline."""
    base, meta = get_args(stored)
    bounds = {
        name: getattr(meta, name)
        for name in ("gt", "ge", "lt", "le", "min_length", "max_length")
        if getattr(meta, name) is not None
    }
    if base is float:
        bounds["allow_inf_nan"] = False
    return Annotated[base, Field(**bounds)]


Millis = checked(records.Millis)
Bytes = checked(records.Bytes)
Count = checked(records.Count)
Label = checked(records.Label)
Text = checked(records.Text)
EPOCH_MIN_MS = 1_500_000_000_000  # 2017: older clocks are broken, not old page views
EPOCH_MAX_MS = 4_100_000_000_000  # 2099
EpochMs = Annotated[float, Field(ge=EPOCH_MIN_MS, le=EPOCH_MAX_MS, allow_inf_nan=False)]
Ratio = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Selector = Annotated[str, Field(max_length=128)]


class Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _NavigationType(Part):
    # The snippet sends the entry's own toJSON(): fields a browser adds over time
    # (and the few we do not store) are ignored rather than refused.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, alias_generator=to_camel)

    type: Literal["navigate", "reload", "back_forward", "prerender"] = "navigate"


# Its marks are the stored row's (records.NavigationTimings), with their bounds and
# defaults, read from the wire under the specification's own (camelCase) names.
Navigation = create_model(
    "Navigation",
    __base__=_NavigationType,
    __doc__="""The PerformanceNavigationTiming entry, in ms since the navigation's time origin
    (0: did not happen), under the specification's own names.""",
    **{
        field.name: (checked(field.type), field.default)
        for field in msgspec.structs.fields(records.NavigationTimings)
    },
)


class LCP(Part):
    v: Millis
    el: Selector = ""
    url: Text = ""


class CLS(Part):
    v: Ratio
    el: Selector = ""


class INP(Part):
    v: Millis
    type: Label = ""
    el: Selector = ""
    delay: Millis = 0
    proc: Millis = 0
    pres: Millis = 0


class LongTasks(Part):
    n: Count
    ms: Millis


class Error(Part):
    m: Text
    s: Text = ""
    l: Count = 0  # noqa: E741 - the wire key
    c: Count = 0


class ServerTiming(Part):
    n: Label
    d: Millis
    desc: Annotated[str, Field(max_length=128)] = ""


class ResourceSummary(Part):
    i: Label
    n: Count
    bytes: Bytes
    ms: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
    max: Millis
    hit: Count
    tp: Count


class SlowResource(Part):
    u: Text
    i: Label
    ms: Millis
    bytes: Bytes


class Resources(Part):
    sum: Annotated[list[ResourceSummary], Field(max_length=32, default_factory=list)]
    slow: Annotated[list[SlowResource], Field(max_length=5, default_factory=list)]


class Context(Part):
    ect: Label = ""
    rtt: Millis | None = None
    dl: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
    mem: Annotated[float, Field(ge=0, le=4096, allow_inf_nan=False)] | None = None
    cpu: Annotated[int, Field(ge=0, le=4096)] | None = None
    vw: Annotated[int, Field(ge=0, le=100_000)] = 0
    vh: Annotated[int, Field(ge=0, le=100_000)] = 0
    vis: Label = ""


class Beacon(Part):
    # The integer 1: pydantic's Literal[1] would also take true and 1.0.
    v: Annotated[int, Field(ge=1, le=1, json_schema_extra={"const": 1})]
    site: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    seq: Annotated[int, Field(ge=0, le=1000)] = 0
    url: Annotated[
        str, Field(min_length=8, max_length=4096, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")
    ]
    route: Annotated[str, Field(max_length=256)] | None = None
    t: EpochMs
    """The page's time origin (performance.timeOrigin), client epoch ms."""
    sent: EpochMs | None = None
    """When the snippet sent this beacon (Date.now()), to correct client clock skew."""
    view: Literal["soft", "bfcache"] | None = None
    """A view that is not a document navigation: a route change, or a restore from
    the back/forward cache. Absent for ordinary page loads."""
    start: Millis = 0
    """When a soft or restored view started, ms since the time origin."""
    nav: Navigation | None = None
    ttfb: Millis | None = None
    fcp: Millis | None = None
    lcp: LCP | None = None
    cls: CLS | None = None
    inp: INP | None = None
    lt: LongTasks | None = None
    err: Annotated[list[Error], Field(max_length=10, default_factory=list)]
    timings: Annotated[dict[Label, Millis], Field(max_length=20, default_factory=dict)]
    st: Annotated[list[ServerTiming], Field(max_length=20, default_factory=list)]
    res: Resources | None = None
    ctx: Context | None = None

    @field_validator("url")
    @classmethod
    def _url_has_a_host(cls, url: str) -> str:
        if problem := url_problem(url):
            raise ValueError(problem)
        return url


@lru_cache(maxsize=8192)
def url_problem(url: str) -> str:
    """Why a URL is not one location.href could be ('' if it is): parsable, with a host
    and a numeric port. Cached: a site's pages are visited over and over."""
    try:
        if has_host_and_port(url):
            return ""
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError as error:
        return f"not a URL: {error}"
    return "" if parts.hostname else "not a URL: no host"


WireBeacon = mirror(Beacon)
"""The contract as the collector decodes it: the same checks, in C (beacon/mirror.py).
Its fields are Beacon's; pydantic is asked only why a beacon is refused."""
