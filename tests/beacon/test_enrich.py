"""Enrichment functions, tested directly."""

from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.enrich import corrected_start, normalise_url
from tests.beacon.test_urls import URLISH


@pytest.mark.parametrize(
    ("url", "keep_query", "stored"),
    [
        ("https://Shop.Example/a/b?email=x@y.z#frag", False, "https://shop.example/a/b"),
        ("https://shop.example/a?x=1#frag", True, "https://shop.example/a?x=1"),
        ("https://shop.example", False, "https://shop.example/"),
        ("http://127.0.0.1:8080/demo?token=secret", False, "http://127.0.0.1:8080/demo"),
    ],
)
def test_query_strings_and_fragments_are_dropped_unless_kept(url, keep_query, stored):
    assert normalise_url(url, keep_query) == stored


def test_client_clock_skew_is_corrected_by_the_send_time():
    # The client's clock is 10 s behind: it says it sent at 1_000, we received at 11_000.
    assert corrected_start(500.0, 1_000.0, 11_000) == 10_500


def test_without_a_send_time_the_client_may_not_claim_the_future():
    assert corrected_start(20_000.0, None, 11_000) == 11_000
    assert corrected_start(5_000.0, None, 11_000) == 5_000


@settings(max_examples=5000, deadline=None)
@given(URLISH, st.booleans())
def test_a_url_is_normalised_as_urlunsplit_joins_it(url, keep_query):
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    query = parts.query if keep_query else ""
    expected = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))
    assert normalise_url(url, keep_query) == expected
