"""The stored-row schema: what the collector publishes and the pipeline inserts.

One Kafka message holds one or more records as newline-delimited JSON. A record's
scalar fields are the columns of `rum.page_views`; its lists are rows of the child
tables (server timings, errors, resources), so the collector builds exactly what will
be stored and the pipeline only re-validates and orders columns.

msgspec rather than pydantic (which validates the beacon at the collector's edge):
the pipeline validates every record it reads and is bound by its one Python thread,
and msgspec decodes and checks a 1.2 KB record in 2.0 µs against pydantic's 6.8. Its
structs are checked when decoded (`RECORD.decode`), not when built in Python: the
collector publishes the JSON of checked beacons, and the pipeline checks what it reads.
"""

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

MAX_MS = 3_600_000.0
"""No single page-view timing is longer than an hour; larger values are client bugs."""

# JSON has no NaN or Infinity, and every float has an upper bound, so none is stored.
Millis = Annotated[float, Meta(ge=0, le=MAX_MS)]
Bytes = Annotated[int, Meta(ge=0, le=10_000_000_000)]
Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Label = Annotated[str, Meta(max_length=64)]
Text = Annotated[str, Meta(max_length=512)]


class Row(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A stored row: unknown fields refused, nothing changed after decoding."""


class NavigationTimings(Row):
    """Navigation Timing Level 2 marks, in ms since the navigation's time origin.

    0 means "did not happen" (no redirect, a reused connection, the page was hidden
    before load), exactly as the specification reports it.
    """

    worker_start: Millis = 0
    redirect_start: Millis = 0
    redirect_end: Millis = 0
    fetch_start: Millis = 0
    domain_lookup_start: Millis = 0
    domain_lookup_end: Millis = 0
    connect_start: Millis = 0
    secure_connection_start: Millis = 0
    connect_end: Millis = 0
    request_start: Millis = 0
    response_start: Millis = 0
    response_end: Millis = 0
    dom_interactive: Millis = 0
    dom_content_loaded_event_start: Millis = 0
    dom_content_loaded_event_end: Millis = 0
    dom_complete: Millis = 0
    load_event_start: Millis = 0
    load_event_end: Millis = 0
    activation_start: Millis = 0
    redirect_count: Annotated[int, Meta(ge=0, le=100)] = 0
    transfer_size: Bytes = 0
    encoded_body_size: Bytes = 0
    decoded_body_size: Bytes = 0
    response_status: Annotated[int, Meta(ge=0, le=999)] = 0
    next_hop_protocol: Label = ""
    delivery_type: Label = ""


NAVIGATION_TIMINGS = NavigationTimings.__struct_fields__


class ServerTimingRow(Row):
    """One Server-Timing metric of the document: a row of `rum.server_timings`."""

    name: Label
    duration: Millis
    description: Annotated[str, Meta(max_length=128)] = ""


class ErrorRow(Row):
    """An uncaught error or unhandled rejection: a row of `rum.errors`."""

    message: Text
    source: Text = ""
    line: Count = 0
    col: Count = 0


class ResourceRow(Row):
    """Resource Timing summed per initiator type: a row of `rum.resources`."""

    initiator: Label
    count: Count
    transfer_bytes: Bytes
    total_ms: Annotated[float, Meta(ge=0, le=1e9)]
    max_ms: Millis
    cache_hits: Count
    third_party: Count


class SlowResourceRow(Row):
    """One of the slowest resources of a page view: a row of `rum.slow_resources`."""

    url: Text
    initiator: Label
    duration: Millis
    transfer_bytes: Bytes


class PageViewRecord(NavigationTimings, tag_field="kind", tag="page_view", kw_only=True):
    """One beacon of a page view: a row of `rum.page_views`, plus its child rows
    (the lists, last)."""

    site: Label
    page_view_id: Annotated[str, Meta(min_length=8, max_length=64)]
    seq: Annotated[int, Meta(ge=0, le=1000)]
    ts: Annotated[int, Meta(ge=0)]
    """Navigation start, epoch ms, corrected for client clock skew."""
    received_at: Annotated[int, Meta(ge=0)]
    """When the collector accepted the beacon, epoch ms."""
    url: Annotated[str, Meta(max_length=2048)]
    route: Annotated[str, Meta(max_length=256)]
    navigation_type: Label = ""
    view_start: Millis = 0
    """When a soft (route change) or restored view started, ms since the time origin."""
    ttfb: Millis | None = None
    fcp: Millis | None = None
    lcp: Millis | None = None
    lcp_element: Text = ""
    lcp_url: Text = ""
    cls: Annotated[float, Meta(ge=0, le=100)] | None = None
    cls_target: Text = ""
    inp: Millis | None = None
    inp_type: Label = ""
    inp_target: Text = ""
    inp_input_delay: Millis | None = None
    inp_processing: Millis | None = None
    inp_presentation: Millis | None = None
    long_tasks: Count = 0
    long_task_ms: Millis = 0
    effective_connection_type: Label = ""
    rtt: Millis | None = None
    downlink: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    device_memory: Annotated[float, Meta(ge=0, le=4096)] | None = None
    hardware_concurrency: Annotated[int, Meta(ge=0, le=4096)] | None = None
    viewport_width: Annotated[int, Meta(ge=0, le=100_000)] = 0
    viewport_height: Annotated[int, Meta(ge=0, le=100_000)] = 0
    visibility_at_load: Label = ""
    browser: Label = ""
    browser_version: Label = ""
    os: Label = ""
    device_class: Label = ""
    """desktop, mobile, tablet or bot."""
    is_bot: bool = False
    """A crawler, monitor or headless browser, by its user agent."""
    counted: bool = True
    """Whether the view feeds the rollups (bots only when their site counts them)."""
    country: Annotated[str, Meta(max_length=2)] = ""
    client_network: Label = ""
    """The client's /24 (IPv4) or /48 (IPv6) network; the full address is never stored."""
    timings: Annotated[dict[Label, Millis], Meta(max_length=20)] = {}
    """Custom timings set through the snippet's API (rum.timing, rum.time, rum.mark)."""
    server_timings: Annotated[list[ServerTimingRow], Meta(max_length=20)] = []
    errors: Annotated[list[ErrorRow], Meta(max_length=10)] = []
    resources: Annotated[list[ResourceRow], Meta(max_length=32)] = []
    slow_resources: Annotated[list[SlowResourceRow], Meta(max_length=5)] = []


class BuckyRecord(Row, tag_field="kind", tag="bucky", kw_only=True):
    """One metric from a Bucky client: a row of `rum.bucky_metrics`."""

    site: Label
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    type: Literal["ms", "c", "g"]
    """timer (ms), counter, gauge."""
    value: Annotated[float, Meta(ge=-1e15, le=1e15)]
    sample_rate: Annotated[float, Meta(gt=0, le=1)] = 1.0
    received_at: Annotated[int, Meta(ge=0)]


Record = PageViewRecord | BuckyRecord
RECORD = msgspec.json.Decoder(Record)
"""Decodes and validates one transport record of any kind from JSON (`RECORD.decode`)."""

KINDS = frozenset(kind.__struct_config__.tag for kind in (PageViewRecord, BuckyRecord))
"""The values of a record's `kind`."""


BUCKY_COLUMNS = BuckyRecord.__struct_fields__

CHILD_TABLES = {
    "server_timings": ServerTimingRow,
    "errors": ErrorRow,
    "resources": ResourceRow,
    "slow_resources": SlowResourceRow,
}
"""Record list field → its table's row type; each child row also gets PARENT_COLUMNS."""

PARENT_COLUMNS = ("site", "page_view_id", "seq", "ts", "route", "counted")

PAGE_VIEW_COLUMNS = tuple(
    name for name in PageViewRecord.__struct_fields__ if name not in CHILD_TABLES
)
