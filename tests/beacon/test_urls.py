"""Beacon URLs read with str methods give exactly what urllib.parse gives."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.schema import url_problem
from beacon.urls import url_parts

URLISH = st.builds(
    str.__add__,
    st.sampled_from(["https://", "http://", "HTTPS://", "https:/", " http://", "ftp://", ""]),
    st.text(alphabet="aZ09-._~:/?#[]@!$&'()*+,;=%\t\n\r é", max_size=40),
)
"""URLs, nearly URLs and not URLs: all that urlsplit reads one way or another."""


@settings(max_examples=5000, deadline=None)
@given(URLISH)
def test_a_url_is_split_as_urlsplit_splits_it(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        with pytest.raises(ValueError):
            url_parts(url)
        return
    assert url_parts(url) == (parts.scheme, parts.netloc, parts.path, parts.query)


def reference_url_problem(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError as error:
        return f"not a URL: {error}"
    return "" if parts.hostname else "not a URL: no host"


PORTS = st.sampled_from(
    ["", ":", ":80", ":0080", ":65535", ":65536", ":x", ":+1", ":\uff18", ":-0"]
)


@settings(max_examples=5000, deadline=None)
@given(
    URLISH
    | st.builds(
        "https://{}{}{}/p".format,
        st.sampled_from(["", "user@", "u:p@", "@"]),
        st.text(alphabet="aZ09.-%[]:", max_size=12),
        PORTS,
    )
)
def test_a_url_is_judged_as_urlsplit_judges_it(url):
    assert url_problem(url) == reference_url_problem(url)
