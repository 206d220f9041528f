"""The stored-row schema: what the collector publishes and the pipeline inserts.

One Kafka message holds one or more records as newline-delimited JSON. A record's
fields are the columns of its ClickHouse table, so the collector builds exactly
what will be stored and the pipeline only re-validates and orders columns.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_MS = 3_600_000.0
"""No single page-view timing is longer than an hour; larger values are client bugs."""

Millis = Annotated[float, Field(ge=0, le=MAX_MS, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=0, le=10_000_000_000)]
Label = Annotated[str, Field(max_length=64)]


class NavigationTimings(BaseModel):
    """Navigation Timing Level 2 marks, in ms since the navigation's time origin.

    0 means "did not happen" (no redirect, a reused connection, the page was hidden
    before load), exactly as the specification reports it.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

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


class PageViewRecord(NavigationTimings):
    """One page view (or a follow-up beacon of it): a row of `rum.page_views`."""

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
    fcp: Millis | None = None


PAGE_VIEW_COLUMNS = tuple(name for name in PageViewRecord.model_fields if name != "kind")
