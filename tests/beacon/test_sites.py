"""The site registry: read from TOML, strictly, and re-read when the file changes."""

import os

import pytest

from beacon.sites import InvalidSiteFile, SiteFile, SiteRegistry
from tests.support import run_rum

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


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[sites.x]\norigins = "https://x.example"', "sites.x.origins"),
        # A string, however it reads, is not a boolean: "false" must not keep queries.
        ('[sites.x]\norigins = []\nkeep_query = "false"', "sites.x.keep_query"),
        ("[sites.x]\norigins = []\ncount_bots = 1", "sites.x.count_bots"),
        ("[sites.x]\norigins = []\nkeep_querry = true", "sites.x.keep_querry"),  # misspelt
        ('[site.x]\norigins = ["*"]', "site"),  # misspelt: not zero sites, silently
        ('[sites.x]\norigins = []\nroutes = "/p"', "sites.x.routes"),
        ('[sites.x]\n[[sites.x.routes]]\npattern = "(unclosed"\nname = "/p"', "pattern"),
        ('[sites.x]\n[[sites.x.routes]]\npattern = "^/p$"', "sites.x.routes.0.name"),
        ('[sites.x]\n[[sites.x.routes]]\npattern = "^/p$"\nname = ""', "sites.x.routes.0.name"),
    ],
)
def test_each_wrong_setting_is_refused_by_name(toml, named):
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        SiteRegistry.from_toml(toml)


def test_a_wrong_file_at_start_is_one_clear_line_not_a_traceback(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[sites.shop]\norigins = ["*"]\nsample_rate = "half"\n')
    with pytest.raises(InvalidSiteFile, match=r"sites\.shop\.sample_rate"):
        SiteFile(str(path), "http://unused")
    result = run_rum(
        "collector",
        env={
            "RUM_TRANSPORT": "kafka://127.0.0.1:9",
            "RUM_SITES_FILE": str(path),
            "RUM_SPOOL_DIR": str(tmp_path / "spool"),
        },
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert (
        last_line
        == f"rum: site registry {path}: sites.shop.sample_rate: Input should be a valid number"
    )


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

    path.write_text('[sites.blog]\norigins = "*"\n')  # the wrong type, not the wrong syntax
    os.utime(path, (3, 3))
    assert sites.refresh() is False and sites.current.get("blog")


def test_without_a_file_there_is_one_demo_site_that_counts_everything():
    demo = SiteFile("", "http://127.0.0.1:8080").current.get("demo")
    assert demo is not None and demo.count_bots and demo.allows("http://127.0.0.1:8080")
