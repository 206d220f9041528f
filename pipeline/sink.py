"""The ClickHouse sink: batches become inserts that a replay cannot double.

Every insert carries a deduplication token naming its topic, partition and offset
range; ClickHouse drops a block whose token it has seen (also in the materialized
views fed by it), so writing the same batch twice stores it once.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.insert import InsertContext
from msgspec.structs import astuple

from pipeline.batching import Batch
from pipeline.records import (
    BUCKY_COLUMNS,
    CHILD_TABLES,
    PAGE_VIEW_COLUMNS,
    PARENT_COLUMNS,
    BuckyRecord,
    PageViewRecord,
    Record,
)
from pipeline.store import StoreHandle

_INSERT_SETTINGS = {
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    "insert_deduplicate": 1,
}


def dedup_token(topic: str, batch: Batch) -> str:
    return f"{topic}/{batch.partition}/{batch.first_offset}-{batch.last_offset}"


class ClickHouseSink:
    def __init__(self, store: Client | Callable[[], Client], database: str = "rum") -> None:
        """`store` is a client, or a function opening one: then the store is opened at
        the first write, and a store that cannot be opened yet (a server down, a chdb
        path locked by another process) is retried like any failed write."""
        self._store = StoreHandle(store)
        self.database = database
        self._contexts: dict[str, InsertContext] = {}

    @property
    def client(self) -> Client:
        return self._store.client

    def record_intent(self, topic: str, batch: Batch) -> None:
        self._insert(
            "ingest_intents",
            ("topic", "partition", "first_offset", "last_offset", "rows"),
            [
                [topic],
                [batch.partition],
                [batch.first_offset],
                [batch.last_offset],
                [len(batch.records)],
            ],
        )

    def last_intent(self, topic: str, partition: int) -> tuple[int, int] | None:
        result = self.client.query(
            f"SELECT first_offset, last_offset FROM {self.database}.ingest_intents FINAL "
            "WHERE topic = {topic:String} AND partition = {partition:UInt32}",
            parameters={"topic": topic, "partition": partition},
        )
        return tuple(result.result_rows[0]) if result.result_rows else None  # type: ignore[return-value]

    def stored_page_views(self, since: datetime, limit: int) -> list[tuple[str, str, int]]:
        """(site, page view id, seq) of the newest page views received since `since`, at
        most `limit`, oldest first."""
        result = self.client.query(
            f"SELECT site, page_view_id, seq FROM {self.database}.page_views "
            "WHERE received_at >= {since:DateTime64(3, 'UTC')} "
            # ts is the partition key: a page view starts at most a day before it is
            # received (a beacon that says when it was sent is refused otherwise; one
            # that does not is trusted, and left out here), so older months are skipped.
            "AND ts >= {since:DateTime64(3, 'UTC')} - INTERVAL 1 DAY "
            "ORDER BY received_at DESC LIMIT {limit:UInt32}",
            parameters={"since": since, "limit": limit},
        )
        return result.result_rows[::-1]

    def write(self, topic: str, batch: Batch) -> None:
        """Insert the batch's page views, then its child rows, one insert per table.
        Each insert carries the batch's token: after a crash part-way, the replay
        skips the tables already written and fills in the rest."""
        if not batch.records:
            return
        settings = {**_INSERT_SETTINGS, "insert_deduplication_token": dedup_token(topic, batch)}
        for table, columns, data in table_columns(batch.records):
            if data[0]:
                self._insert(table, columns, data, settings)

    def _insert(
        self,
        table: str,
        columns: tuple[str, ...],
        data: list[Sequence],
        settings: dict[str, object] | None = None,
    ) -> None:
        """One column-oriented insert, through the table's insert context, made once and
        reused (one batch is written at a time). A new context asks the store for the
        table's column types, and holds its data in a reference cycle: contexts made per
        insert kept every batch's columns alive until the next garbage collection, about
        200 MiB more at the pipeline's thresholds (pipeline/gc_thresholds.py). A reused
        one holds one batch per table."""
        context = self._contexts.get(table)
        if context is None:
            context = self.client.create_insert_context(
                f"{self.database}.{table}", column_names=columns, column_oriented=True
            )
            self._contexts[table] = context
        context.settings = dict(settings or {})
        context.data = data
        self.client.insert(context=context)


CHILD_COLUMNS = {
    field: PARENT_COLUMNS + model.__struct_fields__ for field, model in CHILD_TABLES.items()
}
_PARENT_FIELDS = attrgetter(*PARENT_COLUMNS)


def table_columns(records: list[Record]) -> list[tuple[str, tuple[str, ...], list[Sequence]]]:
    """(table, column names, column values) for every table a batch of records fills.
    Column-oriented: clickhouse-connect would otherwise turn rows into columns itself,
    in Python, which was the larger half of an insert's time."""
    views = [r for r in records if isinstance(r, PageViewRecord)]
    bucky = [r for r in records if isinstance(r, BuckyRecord)]
    tables = [
        ("page_views", PAGE_VIEW_COLUMNS, _columns(views, PAGE_VIEW_COLUMNS)),
        ("bucky_metrics", BUCKY_COLUMNS, _columns(bucky, BUCKY_COLUMNS)),
    ]
    for field, columns in CHILD_COLUMNS.items():
        rows = [
            (*_PARENT_FIELDS(record), *astuple(child))
            for record in views
            for child in getattr(record, field)
        ]
        tables.append((field, columns, _transposed(rows, len(columns))))
    return tables


def _columns(records: list, names: tuple[str, ...]) -> list[Sequence]:
    """Each named field's values, in record order: every record's fields picked in one
    C call, then transposed."""
    return _transposed(list(map(attrgetter(*names), records)), len(names))


def _transposed(rows: list[tuple], width: int) -> list[Sequence]:
    """Rows into columns; no rows give `width` empty columns."""
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
