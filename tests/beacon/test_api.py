"""The dashboards' JSON API: a question is validated before it reaches the store, every
answer needs the token, answers are cached briefly, and a failing store is a 503."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from clickhouse_connect.driver.exceptions import OperationalError
from starlette.testclient import TestClient

from beacon.api import ANSWERS, parse_question
from beacon.app import create_app
from beacon.ingest import Rejected
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import SiteRegistry
from pipeline.memory_log import MemoryLog
from pipeline.sample_data import Shape, generate
from tests.support import DASHBOARD_TOKEN, free_port, make_beacon, running

TOKEN = "api-test-token"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AUTH = {"authorization": f"Bearer {TOKEN}"}


def api_client(store, **settings) -> TestClient:
    app = create_app(
        Settings(dashboard_token=TOKEN, **settings),
        publisher=MemoryPublisher(MemoryLog(10)),
        sites=SiteRegistry([]),
        store=store,
    )
    return TestClient(app)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"site": "a b"}, "bad_site"),
        ({"site": "x" * 65}, "bad_site"),
        ({"site": "shop", "metric": "cpu"}, "bad_metric"),
        ({"site": "shop", "metric": "st:"}, "bad_metric"),
        ({"site": "shop", "from": "yesterday"}, "bad_time"),
        ({"site": "shop", "from": "1700000000", "to": "1600000000"}, "bad_range"),
        ({"site": "shop", "from": "1600000000", "to": "1700000000"}, "bad_range"),
        ({"site": "shop", "bucket": "5"}, "bad_bucket"),
        ({"site": "shop", "route": "x" * 257}, "bad_filter"),
        ({"site": "shop", "metric": "st:db", "country": "DE"}, "bad_filter"),
        ({"site": "shop", "limit": "0"}, "bad_limit"),
        ({"site": "shop", "compare": "yes"}, "bad_compare"),
        ({"site": "shop", "sql": "DROP TABLE rum.page_views"}, "unknown_parameter"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(query, reason):
    with pytest.raises(Rejected) as refused:
        parse_question(query, NOW)
    assert (refused.value.status, refused.value.reason) == (400, reason)


def test_a_question_defaults_to_the_last_hour_with_an_automatic_bucket():
    question = parse_question({"site": "shop"}, NOW)
    assert question.window.end == NOW and question.window.start == NOW - timedelta(hours=1)
    assert question.window.bucket_s == 60 and question.metric == "load"
    week = parse_question({"site": "shop", "from": str(NOW.timestamp() - 7 * 86400)}, NOW)
    assert week.window.bucket_s == 3 * 3600  # at most 120 points


def test_every_answer_needs_the_token(store):
    client = api_client(store)
    for name in ["sites", *ANSWERS]:
        response = client.get(f"/api/v1/{name}", params={"site": "shop"})
        assert response.status_code == 401 and response.json() == {"error": "unauthorised"}
        wrong = client.get(f"/api/v1/{name}?site=shop", headers={"authorization": "Bearer x"})
        assert wrong.status_code == 401


def test_every_answer_over_generated_data(store, site):
    generate(store, Shape(site, 2_000, NOW, hours=6))
    client = api_client(store)
    window = {
        "site": site,
        "from": str((NOW - timedelta(hours=6)).timestamp()),
        "to": NOW.isoformat(),
    }
    sites = client.get("/api/v1/sites", headers=AUTH)
    assert site in sites.json()["sites"]
    # Never cached: a dashboard opened before a site's first page views shows them at once.
    assert sites.headers["cache-control"] == "no-store"
    for name in ANSWERS:
        response = client.get(f"/api/v1/{name}", params=window, headers=AUTH)
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert body["site"] == site and body["bucket_s"] == 300 and body["unit"] == "ms"
        assert response.headers["cache-control"].startswith("private")
    compared = client.get(
        "/api/v1/percentiles", params={**window, "compare": "1"}, headers=AUTH
    ).json()
    assert compared["total"]["views"] == 2_000 and compared["previous_total"]["views"] == 0
    assert compared["previous"] == []


def test_rollup_only_answers_refuse_server_timing_metrics(store, site):
    response = api_client(store).get(
        "/api/v1/routes", params={"site": site, "metric": "st:db"}, headers=AUTH
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_metric"


def test_an_unknown_answer_is_404_with_the_list(store):
    response = api_client(store).get("/api/v1/everything", headers=AUTH)
    assert response.status_code == 404 and "percentiles" in response.json()["detail"]["answers"]


def test_answers_are_cached_briefly(store, site):
    client = api_client(store, api_cache_s=60)
    params = {"site": site, "from": "1779990000", "to": "1780003600"}
    first = client.get("/api/v1/percentiles", params=params, headers=AUTH).json()
    generate(store, Shape(site, 50, datetime.fromtimestamp(1780003000, UTC), hours=1))
    assert client.get("/api/v1/percentiles", params=params, headers=AUTH).json() == first
    uncached = api_client(store, api_cache_s=0)
    fresh = uncached.get("/api/v1/percentiles", params=params, headers=AUTH).json()
    assert fresh["total"]["views"] == 50 != first["total"]["views"]


class StoreDown:
    """A store whose every query fails as a server that went away does."""

    def query(self, *args, **kwargs):
        raise OperationalError("connection refused")


def test_a_failing_store_is_a_503_with_a_reason_not_a_500():
    response = api_client(StoreDown()).get("/api/v1/percentiles?site=shop", headers=AUTH)
    assert response.status_code == 503 and response.json() == {"error": "store_unavailable"}


def test_without_a_store_the_api_says_so(tmp_path):
    response = api_client(None).get("/api/v1/ratings?site=shop", headers=AUTH)
    assert response.status_code == 503 and response.json()["error"] == "store_not_configured"


def test_a_collector_starts_and_takes_beacons_while_its_dashboards_store_is_down(
    kafka, topic, tmp_path
):
    # The store serves the dashboard only: a server down when the collector starts
    # is a 503 for the dashboard's questions, not a collector that cannot start.
    (tmp_path / "sites.toml").write_text('[sites.shop]\norigins = ["*"]\n')
    env = {
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_STORE": f"http://127.0.0.1:{free_port()}",  # nothing listens there
    }
    with running([".venv/bin/rum", "collector"], env, tmp_path / "collector.log") as collector:
        accepted = httpx.post(
            f"{collector.url}/v1/beacon",
            content=json.dumps(make_beacon("shop")),
            headers={"content-type": "text/plain"},
        )
        assert accepted.status_code == 204
        asked = httpx.get(
            f"{collector.url}/api/v1/sites",
            headers={"authorization": f"Bearer {DASHBOARD_TOKEN}"},
        )
        assert asked.status_code == 503 and asked.json()["error"] == "store_unavailable"
