"""The stored-row schema: what the collector publishes and the pipeline inserts.

One Kafka message holds one or more records as newline-delimited JSON. A record's
scalar fields are the columns of `rum.page_views`; its lists are rows of the child
tables (server timings, errors, resources), so the collector builds exactly what will
be stored and the pipeline only re-validates and orders columns.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_MS = 3_600_000.0
"""No single page-view timing is longer than an hour; larger values are client bugs."""

Millis = Annotated[float, Field(ge=0, le=MAX_MS, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=0, le=10_000_000_000)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Label = Annotated[str, Field(max_length=64)]
Text = Annotated[str, Field(max_length=512)]


class Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


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
    redirect_count: Annotated[int, Field(ge=0, le=100)] = 0
    transfer_size: Bytes = 0
    encoded_body_size: Bytes = 0
    decoded_body_size: Bytes = 0
    response_status: Annotated[int, Field(ge=0, le=999)] = 0
    next_hop_protocol: Label = ""
    delivery_type: Label = ""


NAVIGATION_TIMINGS = tuple(NavigationTimings.model_fields)


class ServerTimingRow(Row):
    """One Server-Timing metric of the document: a row of `rum.server_timings`."""

    name: Label
    duration: Millis
    description: Annotated[str, Field(max_length=128)] = ""


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
    total_ms: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    max_ms: Millis
    cache_hits: Count
    third_party: Count


class SlowResourceRow(Row):
    """One of the slowest resources of a page view: a row of `rum.slow_resources`."""

    url: Text
    initiator: Label
    duration: Millis
    transfer_bytes: Bytes


class PageViewRecord(NavigationTimings):
    """One beacon of a page view: a row of `rum.page_views`, plus its child rows."""

    kind: Literal["page_view"] = "page_view"
    site: Label
    page_view_id: Annotated[str, Field(min_length=8, max_length=64)]
    seq: Annotated[int, Field(ge=0, le=1000)]
    ts: Annotated[int, Field(ge=0)]
    """Navigation start, epoch ms, corrected for client clock skew."""
    received_at: Annotated[int, Field(ge=0)]
    """When the collector accepted the beacon, epoch ms."""
    url: Annotated[str, Field(max_length=2048)]
    route: Annotated[str, Field(max_length=256)]
    navigation_type: Label = ""
    view_start: Millis = 0
    """When a soft (route change) or restored view started, ms since the time origin."""
    ttfb: Millis | None = None
    fcp: Millis | None = None
    lcp: Millis | None = None
    lcp_element: Text = ""
    lcp_url: Text = ""
    cls: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
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
    downlink: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
    device_memory: Annotated[float, Field(ge=0, le=4096, allow_inf_nan=False)] | None = None
    hardware_concurrency: Annotated[int, Field(ge=0, le=4096)] | None = None
    viewport_width: Annotated[int, Field(ge=0, le=100_000)] = 0
    viewport_height: Annotated[int, Field(ge=0, le=100_000)] = 0
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
    country: Annotated[str, Field(max_length=2)] = ""
    client_network: Label = ""
    """The client's /24 (IPv4) or /48 (IPv6) network; the full address is never stored."""
    timings: Annotated[dict[Label, Millis], Field(max_length=20, default_factory=dict)]
    """Custom timings set through the snippet's API (rum.timing, rum.time, rum.mark)."""
    server_timings: Annotated[list[ServerTimingRow], Field(max_length=20, default_factory=list)]
    errors: Annotated[list[ErrorRow], Field(max_length=10, default_factory=list)]
    resources: Annotated[list[ResourceRow], Field(max_length=32, default_factory=list)]
    slow_resources: Annotated[list[SlowResourceRow], Field(max_length=5, default_factory=list)]


class BuckyRecord(Row):
    """One metric from a Bucky client: a row of `rum.bucky_metrics`."""

    kind: Literal["bucky"] = "bucky"
    site: Label
    name: Annotated[str, Field(min_length=1, max_length=200)]
    type: Literal["ms", "c", "g"]
    """timer (ms), counter, gauge."""
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
    sample_rate: Annotated[float, Field(gt=0, le=1)] = 1.0
    received_at: Annotated[int, Field(ge=0)]


Record = Annotated[PageViewRecord | BuckyRecord, Field(discriminator="kind")]
RECORD = TypeAdapter(Record)
"""Validates one transport record of any kind from JSON."""

BUCKY_COLUMNS = tuple(name for name in BuckyRecord.model_fields if name != "kind")

CHILD_TABLES = {
    "server_timings": ServerTimingRow,
    "errors": ErrorRow,
    "resources": ResourceRow,
    "slow_resources": SlowResourceRow,
}
"""Record list field → its table's row model; each child row also gets PARENT_COLUMNS."""

PARENT_COLUMNS = ("site", "page_view_id", "seq", "ts", "route", "counted")

PAGE_VIEW_COLUMNS = tuple(
    name for name in PageViewRecord.model_fields if name != "kind" and name not in CHILD_TABLES
)
