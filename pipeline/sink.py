"""The ClickHouse sink: batches become inserts that a replay cannot double.

Every insert carries a deduplication token naming its topic, partition and offset
range; ClickHouse drops a block whose token it has seen (also in the materialized
views fed by it), so writing the same batch twice stores it once.
"""

from clickhouse_connect.driver.client import Client

from pipeline.batching import Batch
from pipeline.records import PAGE_VIEW_COLUMNS

_INSERT_SETTINGS = {
    "deduplicate_blocks_in_dependent_materialized_views": 1,
    "insert_deduplicate": 1,
}


def dedup_token(topic: str, batch: Batch) -> str:
    return f"{topic}/{batch.partition}/{batch.first_offset}-{batch.last_offset}"


class ClickHouseSink:
    def __init__(self, client: Client, database: str = "rum") -> None:
        self.client = client
        self.database = database

    def record_intent(self, topic: str, batch: Batch) -> None:
        self.client.insert(
            f"{self.database}.ingest_intents",
            [[topic, batch.partition, batch.first_offset, batch.last_offset, len(batch.records)]],
            column_names=["topic", "partition", "first_offset", "last_offset", "rows"],
        )

    def last_intent(self, topic: str, partition: int) -> tuple[int, int] | None:
        result = self.client.query(
            f"SELECT first_offset, last_offset FROM {self.database}.ingest_intents FINAL "
            "WHERE topic = {topic:String} AND partition = {partition:UInt32}",
            parameters={"topic": topic, "partition": partition},
        )
        return tuple(result.result_rows[0]) if result.result_rows else None  # type: ignore[return-value]

    def write(self, topic: str, batch: Batch) -> None:
        if not batch.records:
            return
        rows = [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in batch.records]
        self.client.insert(
            f"{self.database}.page_views",
            rows,
            column_names=PAGE_VIEW_COLUMNS,
            settings={**_INSERT_SETTINGS, "insert_deduplication_token": dedup_token(topic, batch)},
        )
