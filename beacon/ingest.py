"""Ingestion as named steps: shape, site, origin, then enrichment into a stored record.

Each step either passes the beacon on or raises `Rejected` with a typed reason,
which the HTTP layer turns into a status and the metrics count.
"""

from dataclasses import dataclass

from pydantic import ValidationError

from beacon.enrich import corrected_start, normalise_url, route_of
from beacon.schema import Beacon
from beacon.sites import Site, SiteRegistry
from pipeline.records import PageViewRecord

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
    nav = beacon.nav
    url = normalise_url(beacon.url, site.keep_query)
    return PageViewRecord(
        **(nav.model_dump(exclude={"type"}) if nav else {}),
        site=beacon.site,
        page_view_id=beacon.id,
        seq=beacon.seq,
        ts=corrected_start(beacon.t, beacon.sent, received_ms),
        received_at=received_ms,
        url=url[:2048],
        route=route_of(url, beacon.route)[:256],
        navigation_type=nav.type if nav else "",
        fcp=beacon.fcp,
    )


def ingest(received: Received, sites: SiteRegistry) -> PageViewRecord:
    beacon = parse(received.body)
    site = check_site(beacon, sites)
    check_origin(site, received.origin)
    return enrich(beacon, site, received.received_ms)
