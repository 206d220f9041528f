"""Semantic checks after the shape is valid: what no real browser reports."""

from operator import attrgetter

import msgspec

from beacon.schema import WireBeacon

MAX_SKEW_MS = 24 * 3600 * 1000
"""A client clock more than a day off is broken; its timestamps cannot be corrected."""
TOLERANCE_MS = 1.0
"""Browsers round marks independently; a millisecond of disorder is rounding."""

# Marks that must not decrease, in the order of a navigation (0 = did not happen).
_ORDER = (
    (
        "fetch_start",
        "domain_lookup_start",
        "domain_lookup_end",
        "connect_start",
        "connect_end",
        "request_start",
        "response_start",
        "response_end",
    ),
    (
        "response_start",
        "dom_interactive",
        "dom_content_loaded_event_start",
        "dom_content_loaded_event_end",
        "dom_complete",
        "load_event_start",
        "load_event_end",
    ),
)


_CHAINS = tuple((chain, attrgetter(*chain)) for chain in _ORDER)


def timings_out_of_order(nav: msgspec.Struct) -> str | None:
    """The first pair of marks in the wrong order, as 'earlier>later', or None."""
    for chain, marks_of in _CHAINS:
        marks = list(filter(None, marks_of(nav)))
        if marks == sorted(marks):
            continue  # the usual navigation: in order without tolerance, checked in C
        previous_name, previous = None, 0.0
        for name, value in zip(chain, marks_of(nav), strict=True):
            if value == 0:
                continue
            if previous_name and value + TOLERANCE_MS < previous:
                return f"{previous_name}>{name}"
            previous_name, previous = name, value
    return None


def clock_skew_ms(beacon: WireBeacon, received_ms: int) -> float:
    """How far the client's clock is from ours (0 when the beacon has no send time)."""
    return 0.0 if beacon.sent is None else abs(received_ms - beacon.sent)


def page_age_ms(beacon: WireBeacon) -> float:
    return 0.0 if beacon.sent is None else beacon.sent - beacon.t
