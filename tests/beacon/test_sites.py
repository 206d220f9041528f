"""The site registry: read from TOML, re-read when the file changes."""

import os

import pytest

from beacon.sites import SiteFile, SiteRegistry

TOML = """
[sites.shop]
origins = ["https://shop.example"]
sample_rate = 0.25
count_bots = true
[[sites.shop.routes]]
pattern = "^/p/[^/]+$"
name = "/p/:slug"
"""


def test_a_site_has_origins_sampling_bots_and_route_rules():
    shop = SiteRegistry.from_toml(TOML).get("shop")
    assert shop is not None
    assert shop.allows("https://shop.example") and not shop.allows("https://evil.example")
    assert shop.sample_rate == 0.25 and shop.count_bots
    assert shop.routes[0].name == "/p/:slug"


def test_sampling_is_decided_per_page_view_and_holds_the_rate():
    shop = SiteRegistry.from_toml(TOML).get("shop")
    kept = [shop.samples_in(f"view-{i}") for i in range(20_000)]
    assert kept == [shop.samples_in(f"view-{i}") for i in range(20_000)]  # stable per id
    assert 0.23 < sum(kept) / len(kept) < 0.27


def test_a_bad_sample_rate_is_refused():
    with pytest.raises(ValueError, match="sample_rate"):
        SiteRegistry.from_toml("[sites.x]\norigins = []\nsample_rate = 2\n")


def test_the_file_is_reread_when_it_changes_and_a_broken_edit_keeps_the_last_good(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(TOML)
    sites = SiteFile(str(path), "http://unused")
    assert sites.current.get("shop") and not sites.current.get("blog")
    assert sites.refresh() is False  # unchanged

    path.write_text(TOML + '\n[sites.blog]\norigins = ["*"]\n')
    os.utime(path, (1, 1))
    assert sites.refresh() is True and sites.current.get("blog")

    path.write_text("[sites.broken\n")
    os.utime(path, (2, 2))
    assert sites.refresh() is False and sites.current.get("blog")


def test_without_a_file_there_is_one_demo_site_that_counts_everything():
    demo = SiteFile("", "http://127.0.0.1:8080").current.get("demo")
    assert demo is not None and demo.count_bots and demo.allows("http://127.0.0.1:8080")
