"""Privacy by default, proven end to end: client addresses, secret query values and
e-mail addresses sent with beacons reach neither Kafka nor ClickHouse."""

import asyncio
import json
import uuid

import httpx
from aiokafka import AIOKafkaConsumer

from tests.support import DESKTOP_CHROME, api, make_beacon, query_chdb, running, wait_until

CLIENT_IP = "198.51.100.173"
SECRET = "s3cr3t-t0ken-4242"
EMAIL = "jane.doe@example.com"


async def every_message(kafka: str, topic: str) -> bytes:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=5000)
        return b"\n".join(r.value for records in batch.values() for r in records)
    finally:
        await consumer.stop()


def test_no_client_address_secret_query_or_email_is_published_or_stored(kafka, topic, tmp_path):
    site = f"priv-{uuid.uuid4().hex[:6]}"
    (tmp_path / "sites.toml").write_text(f'[sites.{site}]\norigins = ["*"]\n')
    store = tmp_path / "ch"
    env = {
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_CONSUMER_GROUP": f"g-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{store}",
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_TRUSTED_PROXIES": "127.0.0.1/32",
        "RUM_BATCH_WAIT_MS": "200",
    }
    url = f"https://shop.example/users/{EMAIL}/orders?token={SECRET}&ref=mail#{SECRET}"
    with running([".venv/bin/rum", "run"], env, tmp_path / "rum.log") as rum:
        for n in range(3):
            beacon = make_beacon(site, id=f"privacy{n}{uuid.uuid4().hex[:8]}", url=url)
            response = httpx.post(
                f"{rum.url}/v1/beacon",
                content=json.dumps(beacon),
                headers={
                    "content-type": "text/plain",
                    "x-forwarded-for": CLIENT_IP,
                    "user-agent": DESKTOP_CHROME,
                },
            )
            assert response.status_code == 204

        def stored() -> int:
            series = api(rum.url, "percentiles", site=site)["series"]
            return sum(point["views"] for point in series)

        wait_until(lambda: stored() == 3, 30, message="three page views")
        assert rum.stopped_cleanly()

    published = asyncio.run(every_message(kafka, topic))
    assert published.count(b'"page_view_id"') == 3
    rows = json.dumps(
        [
            query_chdb(store, f"SELECT * FROM rum.{table}")
            for table in ("page_views", "server_timings", "errors", "resources", "slow_resources")
        ]
    )
    for where, text in (("kafka", published.decode()), ("clickhouse", rows)):
        assert CLIENT_IP not in text, where
        assert SECRET not in text, where
        assert EMAIL not in text, where
    assert "198.51.100.0/24" in rows  # only the network is kept
    assert "/users/:email/orders" in rows
