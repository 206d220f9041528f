"""Routes (page groups) from URLs: identifiers become placeholders, site rules and
explicit names win, so the route dimension stays small."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.routes import RouteRule, mask_emails, route_of, segment


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/", "/"),
        ("/products/42", "/products/:id"),
        ("/users/1234/orders/9f8e2c1a-1b2c-4d5e-8f90-0a1b2c3d4e5f", "/users/:id/orders/:uuid"),
        ("/assets/0cc175b9c0f1b6a831c399e269772661/app.js", "/assets/:hash/app.js"),
        ("/unsubscribe/jane.doe@example.com", "/unsubscribe/:email"),
        ("/reset/k8s9QzX2mPq7Lr4Tn6Vw1Yb3Hd5Fg0Js", "/reset/:token"),
        ("/blog/how-we-measure-web-vitals", "/blog/how-we-measure-web-vitals"),
        ("/v2/docs", "/v2/docs"),
    ],
)
def test_identifiers_in_paths_become_placeholders(path, route):
    assert route_of(f"https://x.example{path}", None) == route


def test_a_sites_rule_wins_over_placeholders_and_an_explicit_name_over_both():
    rules = (RouteRule(re.compile(r"^/products/[^/]+$"), "/products/:slug"),)
    assert route_of("https://x.example/products/red-shoes", None, rules) == "/products/:slug"
    assert route_of("https://x.example/products/42", "product", rules) == "product"


def test_emails_are_masked_in_stored_urls():
    assert (
        mask_emails("https://x.example/u/jane@example.com/edit")
        == "https://x.example/u/:email/edit"
    )


EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
"""What counts as an e-mail address to mask: mask_emails finds the same ones (without
this regex's quadratic time on long runs of name characters)."""


@settings(max_examples=5000, deadline=None)
@given(st.text(alphabet="ab1_.%+-@/:?=& Éé٣\u00a0", max_size=40) | st.text(max_size=30))
def test_emails_are_masked_as_the_regex_finds_them(text):
    assert mask_emails(text) == EMAIL.sub(":email", text)


def test_long_runs_of_name_characters_are_masked_alike():
    for url in (
        "https://h.example/" + "a" * 4000 + "@",
        "https://h.example/" + "a" * 2000 + "@" + "b" * 2000 + "@c.example",
        "https://h.example/" + "a@" * 2000,
        "https://h.example/?to=" + "a.b+c%" * 600 + "@mail.example",
    ):
        assert mask_emails(url) == EMAIL.sub(":email", url)


PLACEHOLDERS = (
    (r"^[\w.%+-]+@[\w-]+(?:\.[\w-]+)+$", ":email"),
    (r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", ":uuid"),
    (r"^\d+$", ":id"),
    (r"(?i)^(?=.*\d)[0-9a-f]{16,}$", ":hash"),
    (r"(?i)^(?=.*\d)(?=.*[a-z])[a-z0-9_-]{24,}$", ":token"),
)


def reference_segment(part: str) -> str:
    return next((name for pattern, name in PLACEHOLDERS if re.match(pattern, part)), part)


@settings(max_examples=5000, deadline=None)
@given(
    st.text(alphabet="0123456789abcdefxyz-_@.٣²", max_size=40)
    | st.uuids().map(str)
    | st.integers(min_value=0).map(str)
)
def test_a_path_segment_becomes_the_placeholder_its_pattern_names(part):
    assert segment(part) == reference_segment(part)
