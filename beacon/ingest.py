"""Ingestion as named steps: shape, site, origin, semantics, sampling, duplicates, then
enrichment into a stored record.

Each step either passes the beacon on or raises `Rejected` with a typed reason, which
the HTTP layer turns into a status and the metrics count. The steps are pure functions
of their inputs; `Ingestion` only holds what they need between beacons.
"""

import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import msgspec
from pydantic import ValidationError

from beacon.agents import Agent, classify
from beacon.checks import MAX_SKEW_MS, clock_skew_ms, page_age_ms, timings_out_of_order
from beacon.clients import truncate
from beacon.enrich import corrected_start, normalise_url
from beacon.geo import CountryLookup
from beacon.limits import TokenBuckets
from beacon.routes import mask_emails, route_of
from beacon.schema import Beacon, WireBeacon
from beacon.sites import Site, SiteRegistry
from pipeline.recent import RecentKeys

MAX_REPORTED_ERRORS = 5
SHAPE_REASONS = {
    "json_invalid": "not_json",
    "string_too_long": "string_too_long",
    "too_long": "too_many_items",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "finite_number": "out_of_range",
}
"""The typed reason of a beacon the contract refuses, by pydantic's type of its first
error, so that /metrics tells a snippet sending absurd timings or too many errors
from a client sending garbage; any other shape error is `invalid_beacon`."""


class Rejected(Exception):
    """A beacon not stored, with the status to answer and a typed reason. A 204
    (sampled out) is a drop the client should not retry, not an error."""

    def __init__(self, status: int, reason: str, detail: object = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail


class Received(NamedTuple):
    """What arrived (a tuple: made once per beacon, it must be cheap to build)."""

    body: bytes
    origin: str | None
    received_ms: int
    user_agent: str = ""
    client_ip: str = ""
    """The full address: used for the country lookup here, never stored or published."""


class Enrichment(NamedTuple):
    """What the collector knows about a beacon beside its body (a tuple, as Received)."""

    agent: Agent
    country: str = ""
    network: str = ""


_DECODE = msgspec.json.Decoder(WireBeacon)


def parse(body: bytes) -> WireBeacon:
    """The beacon, decoded by the contract's mirror; what the mirror refuses, the
    contract itself judges, naming every field the client got wrong. (They differ on
    one thing only: a key given twice, whose first value is invalid. The contract
    takes the last value, as the collector always has.) A body that is not JSON is
    refused even where pydantic's parser would read it: it takes NaN and Infinity."""
    not_json: ValueError | None = None
    try:
        return _DECODE.decode(body)
    except msgspec.ValidationError:
        pass
    except ValueError as error:  # malformed, or bytes that are not UTF-8
        not_json = error
    reason = "invalid_beacon"
    try:
        beacon = Beacon.model_validate_json(body)
        if not_json is None:
            return msgspec.convert(beacon.model_dump(by_alias=True), WireBeacon)
        reason, details = "not_json", [{"loc": "", "msg": f"Invalid JSON: {not_json}"}]
    except ValidationError as error:
        errors = error.errors(include_url=False, include_input=False)
        reason = SHAPE_REASONS.get(errors[0]["type"], reason)
        details = [
            {"loc": ".".join(str(part) for part in e["loc"]), "msg": e["msg"]}
            for e in errors[:MAX_REPORTED_ERRORS]
        ]
    except msgspec.ValidationError as error:  # a test proves the two never disagree so
        details = [{"loc": "", "msg": str(error)}]
    raise Rejected(400, reason, details)


def check_site(beacon: WireBeacon, sites: SiteRegistry) -> Site:
    site = sites.get(beacon.site)
    if site is None:
        raise Rejected(403, "unknown_site")
    return site


def check_origin(site: Site, origin: str | None) -> None:
    if not site.allows(origin):
        raise Rejected(403, "origin_not_allowed")


def check_semantics(beacon: WireBeacon, received_ms: int) -> None:
    if beacon.nav is not None and (pair := timings_out_of_order(beacon.nav)):
        raise Rejected(422, "timings_out_of_order", {"marks": pair})
    if clock_skew_ms(beacon, received_ms) > MAX_SKEW_MS:
        raise Rejected(422, "clock_skew")
    if not 0 <= page_age_ms(beacon) <= MAX_SKEW_MS:
        raise Rejected(422, "bad_time_origin")


def check_sampled(beacon: WireBeacon, site: Site) -> None:
    if not site.samples_in(beacon.id):
        raise Rejected(204, "sampled_out")


def rate_limited(scope: str, wait_s: float) -> Rejected:
    return Rejected(429, f"rate_limited_{scope}", {"retry_after": max(1, math.ceil(wait_s))})


def check_site_rate(site: Site, limits: TokenBuckets, now: float) -> None:
    if wait := limits.take(site.key, now):
        raise rate_limited("site", wait)


def beacon_key(site: object, page_view_id: object, seq: object) -> str:
    return f"{site}/{page_view_id}/{seq}"


def check_duplicate(beacon: WireBeacon, recent: RecentKeys) -> None:
    if recent.seen(beacon_key(beacon.site, beacon.id, beacon.seq)):
        raise Rejected(409, "duplicate")


def enrich(
    beacon: WireBeacon, site: Site, received_ms: int, extra: Enrichment
) -> dict[str, object]:
    """The stored record, as the plain dict that is published. It is built without a
    second validation (the pipeline validates every record it reads, and a test proves
    these dicts are valid PageViewRecords), in place, one part after another: this is
    the collector's hot path."""
    nav = beacon.nav
    record: dict[str, object] = msgspec.structs.asdict(nav) if nav is not None else {}
    nav_type = record.pop("type", "")
    url = stored_url(beacon.url, site.keep_query)
    agent = extra.agent
    record.update(
        {
            "kind": "page_view",
            "navigation_type": VIEW_TYPES[beacon.view] if beacon.view else nav_type,
            "site": beacon.site,
            "page_view_id": beacon.id,
            "seq": beacon.seq,
            "ts": corrected_start(beacon.t + beacon.start, beacon.sent, received_ms),
            "received_at": received_ms,
            "url": url,
            "route": route_of(url, beacon.route, site.routes)[:256],
            "view_start": beacon.start,
            "browser": agent.browser[:64],
            "browser_version": agent.browser_version[:64],
            "os": agent.os[:64],
            "device_class": agent.device_class,
            "is_bot": agent.is_bot,
            "counted": site.count_bots or not agent.is_bot,
            "country": extra.country,
            "client_network": extra.network,
            "ttfb": ttfb(beacon),
            "fcp": beacon.fcp,
            "timings": beacon.timings,
        }
    )
    _add_vitals(record, beacon)
    _add_context(record, beacon)
    _add_child_rows(record, beacon)
    return record


@lru_cache(maxsize=8192)
def stored_url(url: str, keep_query: bool) -> str:
    return mask_emails(normalise_url(url, keep_query))[:2048]


VIEW_TYPES = {"soft": "soft", "bfcache": "back_forward_cache"}


def ttfb(beacon: WireBeacon) -> float | None:
    """Time to First Byte as web-vitals defines it: the navigation's responseStart,
    from activation for prerendered pages. The snippet sends the navigation entry and
    leaves this to us (bytes it need not carry); a beacon's own value still wins."""
    if beacon.ttfb is not None:
        return beacon.ttfb
    nav = beacon.nav
    if nav is None or nav.response_start <= 0:
        return None
    since_activation = nav.response_start - nav.activation_start
    return round(since_activation, 1) if since_activation > 0 else 0.0


def _add_vitals(record: dict[str, object], beacon: WireBeacon) -> None:
    if (lcp := beacon.lcp) is not None:
        record.update(lcp=lcp.v, lcp_element=lcp.el, lcp_url=lcp.url)
    if (cls := beacon.cls) is not None:
        record.update(cls=cls.v, cls_target=cls.el)
    if (inp := beacon.inp) is not None:
        record.update(
            inp=inp.v,
            inp_type=inp.type,
            inp_target=inp.el,
            inp_input_delay=inp.delay,
            inp_processing=inp.proc,
            inp_presentation=inp.pres,
        )
    if (lt := beacon.lt) is not None:
        record.update(long_tasks=lt.n, long_task_ms=lt.ms)


def _add_context(record: dict[str, object], beacon: WireBeacon) -> None:
    if (ctx := beacon.ctx) is not None:
        record.update(
            effective_connection_type=ctx.ect,
            rtt=ctx.rtt,
            downlink=ctx.dl,
            device_memory=ctx.mem,
            hardware_concurrency=ctx.cpu,
            viewport_width=ctx.vw,
            viewport_height=ctx.vh,
            visibility_at_load=ctx.vis,
        )


def _add_child_rows(record: dict[str, object], beacon: WireBeacon) -> None:
    res = beacon.res
    record.update(
        server_timings=[{"name": t.n, "duration": t.d, "description": t.desc} for t in beacon.st],
        errors=[{"message": e.m, "source": e.s, "line": e.l, "col": e.c} for e in beacon.err],
        resources=[
            {
                "initiator": r.i,
                "count": r.n,
                "transfer_bytes": r.bytes,
                "total_ms": r.ms,
                "max_ms": r.max,
                "cache_hits": r.hit,
                "third_party": r.tp,
            }
            for r in (res.sum if res else ())
        ],
        slow_resources=[
            {"url": r.u, "initiator": r.i, "duration": r.ms, "transfer_bytes": r.bytes}
            for r in (res.slow if res else ())
        ],
    )


class Ingestion:
    """The steps in order, with the state they share between beacons."""

    def __init__(
        self,
        sites: Callable[[], SiteRegistry],
        geo: CountryLookup | None = None,
        recent: RecentKeys | None = None,
        site_limits: TokenBuckets | None = None,
    ) -> None:
        self.sites = sites
        self.geo = geo
        self.recent = recent or RecentKeys(100_000)
        self.site_limits = site_limits or TokenBuckets(rate=1e9, burst=1e9)

    def __call__(self, received: Received) -> dict[str, object]:
        beacon = parse(received.body)
        site = check_site(beacon, self.sites())
        check_origin(site, received.origin)
        check_semantics(beacon, received.received_ms)
        check_sampled(beacon, site)
        check_site_rate(site, self.site_limits, time.monotonic())
        check_duplicate(beacon, self.recent)
        return enrich(beacon, site, received.received_ms, self.enrichment(received))

    def take_back(self, records: list[dict[str, object]]) -> None:
        """Ingested, and then refused after all (their spool write failed): a client
        retrying one must not be refused as sending a duplicate."""
        for record in records:
            self.recent.forget(beacon_key(record["site"], record["page_view_id"], record["seq"]))

    def enrichment(self, received: Received) -> Enrichment:
        country = self.geo.country(received.client_ip) if self.geo and received.client_ip else ""
        return Enrichment(classify(received.user_agent), country, truncate(received.client_ip))
