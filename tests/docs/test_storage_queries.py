"""Every ready query in docs/storage.md runs against the real schema and, on sample
data, answers."""

import re
import time
from datetime import UTC, datetime

import pytest

from pipeline.batching import Batch
from pipeline.records import (
    BuckyRecord,
    ErrorRow,
    PageViewRecord,
    ResourceRow,
    ServerTimingRow,
    SlowResourceRow,
)
from pipeline.settle import settle_hour
from pipeline.sink import ClickHouseSink
from tests.support import ROOT

QUERIES = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "storage.md").read_text(), re.S)


@pytest.fixture(scope="module")
def shop(store):
    """120 page views of site 'shop', half in the last minutes and half three hours ago
    (an hour that has settled), with every kind of child row."""
    now = int(time.time() * 1000)
    records = [
        PageViewRecord(
            site="shop",
            page_view_id=f"docs{i:05d}-{now}",
            seq=0,
            ts=now - i * 1000 - (3 * 3600 * 1000 if i % 2 else 0),
            received_at=now,
            url="https://shop.example/products/42",
            route="/products/:id",
            navigation_type="navigate",
            response_status=503 if i == 0 else 200,
            fetch_start=1.0,
            domain_lookup_start=2.0,
            domain_lookup_end=10.0,
            connect_start=10.0,
            connect_end=40.0,
            secure_connection_start=20.0,
            request_start=41.0,
            response_start=150.0 + i,
            response_end=170.0,
            load_event_end=900.0 + i,
            ttfb=150.0 + i,
            fcp=400.0,
            lcp=1200.0 + i,
            cls=0.05,
            inp=120.0,
            device_class="desktop",
            browser="Chrome",
            country="NZ",
            server_timings=[ServerTimingRow(name="db", duration=40.0)],
            errors=[ErrorRow(message="TypeError: x is undefined", source="app.js", line=1)],
            resources=[
                ResourceRow(
                    initiator="img",
                    count=3,
                    transfer_bytes=9000,
                    total_ms=300.0,
                    max_ms=150.0,
                    cache_hits=1,
                    third_party=1,
                )
            ],
            slow_resources=[
                SlowResourceRow(
                    url="https://cdn.example/a.png",
                    initiator="img",
                    duration=150.0,
                    transfer_bytes=8000,
                )
            ],
        )
        for i in range(120)
    ] + [BuckyRecord(site="shop", name="app.load", type="ms", value=812.0, received_at=now)]
    ClickHouseSink(store).write(f"docs-{now}", Batch(0, 0, len(records) - 1, 0, records=records))
    for moment in (now / 1000 - 3 * 3600, now / 1000 - 3 * 3600 - 120):  # their hour(s)
        hour = datetime.fromtimestamp(moment, UTC).replace(minute=0, second=0, microsecond=0)
        settle_hour(store, hour)  # settled twice if both are the same hour: stored once
    return store


def test_the_document_has_a_dozen_queries():
    assert len(QUERIES) >= 12


@pytest.mark.parametrize("sql", QUERIES, ids=[q.split("\n")[0][:40] for q in QUERIES])
def test_each_ready_query_runs_and_answers(shop, sql):
    rows = shop.query(sql.strip().rstrip(";")).result_rows
    assert rows, "no answer on the sample data"
