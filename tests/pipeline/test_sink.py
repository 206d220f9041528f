"""The ClickHouse sink: every record kind into its table, once per batch range."""

import gc
import time

import msgspec
from clickhouse_connect.driver.insert import InsertContext

from pipeline.batching import Batch
from pipeline.records import BuckyRecord, ErrorRow, PageViewRecord, ServerTimingRow
from pipeline.sink import ClickHouseSink, table_columns


def page_view(site: str, n: int) -> PageViewRecord:
    now = int(time.time() * 1000)
    return PageViewRecord(
        site=site,
        page_view_id=f"pageview{n:04d}",
        seq=0,
        ts=now,
        received_at=now,
        url="https://x.example/a",
        route="/a",
        load_event_end=100.0 + n,
        server_timings=[ServerTimingRow(name="db", duration=12.5, description="query")],
        errors=[ErrorRow(message="TypeError: x is undefined", source="app.js", line=3, col=9)],
    )


def count(store, table: str, site: str) -> int:
    return store.query(
        f"SELECT count() FROM rum.{table} WHERE site = {{s:String}}", parameters={"s": site}
    ).result_rows[0][0]


def test_a_batch_fills_every_table_and_a_replay_of_it_adds_nothing(store, site):
    records = [page_view(site, n) for n in range(3)] + [
        BuckyRecord(
            site=site, name="app.load", type="ms", value=812.0, received_at=int(time.time() * 1000)
        )
    ]
    batch = Batch(partition=0, first_offset=10, last_offset=13, started=0, records=records)
    sink = ClickHouseSink(store)
    sink.write(f"topic-{site}", batch)
    sink.write(f"topic-{site}", batch)  # a replay after a crash: same range, same token
    assert count(store, "page_views", site) == 3
    assert count(store, "server_timings", site) == 3
    assert count(store, "errors", site) == 3
    assert count(store, "bucky_metrics", site) == 1
    rollups = ("vitals_site_1m", "vitals_site_1h", "vitals_1m", "vitals_1h", "vitals_dims_1h")
    for rollup in rollups:  # their materialized views dropped the replay too
        views = store.query(
            f"SELECT sum(views) FROM rum.{rollup} WHERE site = {{s:String}}", parameters={"s": site}
        ).result_rows[0][0]
        assert views == 3, rollup
    ((name, kind, value),) = store.query(
        "SELECT name, type, value FROM rum.bucky_metrics WHERE site = {s:String}",
        parameters={"s": site},
    ).result_rows
    assert (name, kind, value) == ("app.load", "ms", 812.0)


def test_columns_carry_each_record_field_under_its_own_name():
    records = [page_view("columns", n) for n in range(3)]
    tables = {table: (names, data) for table, names, data in table_columns(records)}
    names, data = tables["page_views"]
    for position, record in enumerate(records):
        stored = {name: column[position] for name, column in zip(names, data, strict=True)}
        expected = {k: v for k, v in msgspec.structs.asdict(record).items() if k in names}
        assert stored == expected
        assert set(names) == set(expected)
    names, data = tables["errors"]
    assert dict(zip(names, (column[1] for column in data), strict=True)) == {
        "site": "columns",
        "page_view_id": "pageview0001",
        "seq": 0,
        "ts": records[1].ts,
        "route": "/a",
        "counted": True,
        "message": "TypeError: x is undefined",
        "source": "app.js",
        "line": 3,
        "col": 9,
    }
    names, data = tables["bucky_metrics"]
    assert data == [() for _ in names]  # no Bucky records: empty columns, no insert


def insert_contexts() -> list[InsertContext]:
    return [o for o in gc.get_objects() if isinstance(o, InsertContext)]


def test_batches_written_one_after_another_are_each_stored_and_not_kept_alive(store, site):
    sink = ClickHouseSink(store)
    gc.collect()  # earlier tests' garbage
    gc.disable()  # what stays alive must be held by references, not awaiting a collection
    try:
        before = {id(c) for c in insert_contexts()}
        for first in range(0, 15, 3):
            records = [page_view(site, n) for n in range(first, first + 3)]
            batch = Batch(0, first, first + 2, 0, records=records)
            sink.record_intent(f"topic-{site}", batch)
            sink.write(f"topic-{site}", batch)
        made = [c for c in insert_contexts() if id(c) not in before]
    finally:
        gc.enable()
    assert count(store, "page_views", site) == 15  # each batch its own deduplication token
    assert count(store, "errors", site) == 15
    # One reused insert context per table written (intents, page views, server timings,
    # errors), each holding only the latest batch, instead of one per insert.
    assert len(made) == 4
