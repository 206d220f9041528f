"""Ingestion as named steps: shape, site, origin, then enrichment into a stored record.

Each step either passes the beacon on or raises `Rejected` with a typed reason,
which the HTTP layer turns into a status and the metrics count.
"""

from dataclasses import dataclass

from pydantic import ValidationError

from beacon.enrich import corrected_start, normalise_url, route_of
from beacon.schema import Beacon, Context
from beacon.sites import Site, SiteRegistry
from pipeline.records import (
    ErrorRow,
    PageViewRecord,
    ResourceRow,
    ServerTimingRow,
    SlowResourceRow,
)

MAX_REPORTED_ERRORS = 5


class Rejected(Exception):
    def __init__(self, status: int, reason: str, detail: object = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Received:
    body: bytes
    origin: str | None
    received_ms: int


def parse(body: bytes) -> Beacon:
    try:
        return Beacon.model_validate_json(body)
    except ValidationError as error:
        details = [
            {"loc": ".".join(str(part) for part in e["loc"]), "msg": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)[:MAX_REPORTED_ERRORS]
        ]
        raise Rejected(400, "invalid_beacon", details) from None


def check_site(beacon: Beacon, sites: SiteRegistry) -> Site:
    site = sites.get(beacon.site)
    if site is None:
        raise Rejected(403, "unknown_site")
    return site


def check_origin(site: Site, origin: str | None) -> None:
    if not site.allows(origin):
        raise Rejected(403, "origin_not_allowed")


def enrich(beacon: Beacon, site: Site, received_ms: int) -> PageViewRecord:
    url = normalise_url(beacon.url, site.keep_query)
    return PageViewRecord(
        **_navigation(beacon),
        **_vitals(beacon),
        **_context(beacon.ctx),
        site=beacon.site,
        page_view_id=beacon.id,
        seq=beacon.seq,
        ts=corrected_start(beacon.t + beacon.start, beacon.sent, received_ms),
        received_at=received_ms,
        url=url[:2048],
        route=route_of(url, beacon.route)[:256],
        view_start=beacon.start,
        timings=beacon.timings,
        server_timings=[
            ServerTimingRow(name=t.n, duration=t.d, description=t.desc) for t in beacon.st
        ],
        errors=[ErrorRow(message=e.m, source=e.s, line=e.l, col=e.c) for e in beacon.err],
        resources=[
            ResourceRow(
                initiator=r.i,
                count=r.n,
                transfer_bytes=r.bytes,
                total_ms=r.ms,
                max_ms=r.max,
                cache_hits=r.hit,
                third_party=r.tp,
            )
            for r in (beacon.res.sum if beacon.res else [])
        ],
        slow_resources=[
            SlowResourceRow(url=r.u, initiator=r.i, duration=r.ms, transfer_bytes=r.bytes)
            for r in (beacon.res.slow if beacon.res else [])
        ],
    )


VIEW_TYPES = {"soft": "soft", "bfcache": "back_forward_cache"}


def _navigation(beacon: Beacon) -> dict[str, object]:
    nav = beacon.nav
    fields: dict[str, object] = nav.model_dump(exclude={"type"}) if nav else {}
    fields["navigation_type"] = (
        VIEW_TYPES[beacon.view] if beacon.view else (nav.type if nav else "")
    )
    return fields


def _vitals(beacon: Beacon) -> dict[str, object]:
    lcp, cls, inp, lt = beacon.lcp, beacon.cls, beacon.inp, beacon.lt
    return {
        "ttfb": beacon.ttfb,
        "fcp": beacon.fcp,
        **({"lcp": lcp.v, "lcp_element": lcp.el, "lcp_url": lcp.url} if lcp else {}),
        **({"cls": cls.v, "cls_target": cls.el} if cls else {}),
        **(
            {
                "inp": inp.v,
                "inp_type": inp.type,
                "inp_target": inp.el,
                "inp_input_delay": inp.delay,
                "inp_processing": inp.proc,
                "inp_presentation": inp.pres,
            }
            if inp
            else {}
        ),
        **({"long_tasks": lt.n, "long_task_ms": lt.ms} if lt else {}),
    }


def _context(ctx: Context | None) -> dict[str, object]:
    if ctx is None:
        return {}
    return {
        "effective_connection_type": ctx.ect,
        "rtt": ctx.rtt,
        "downlink": ctx.dl,
        "device_memory": ctx.mem,
        "hardware_concurrency": ctx.cpu,
        "viewport_width": ctx.vw,
        "viewport_height": ctx.vh,
        "visibility_at_load": ctx.vis,
    }


def ingest(received: Received, sites: SiteRegistry) -> PageViewRecord:
    beacon = parse(received.body)
    site = check_site(beacon, sites)
    check_origin(site, received.origin)
    return enrich(beacon, site, received.received_ms)
