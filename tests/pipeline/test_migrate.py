"""Numbered migrations: applied in order, recorded, idempotent, reversible."""

import os
import subprocess
import sys

from pipeline.batching import Batch
from pipeline.decode import decode
from pipeline.migrate import (
    Migration,
    applied_versions,
    apply_retention,
    discover,
    migrate_down,
    migrate_up,
    statements,
)
from pipeline.sink import ClickHouseSink
from tests.support import ROOT, query_chdb, records_for


def test_migration_files_are_numbered_pairs_of_up_and_down():
    migrations = discover()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert all(m.up.strip() and m.down.strip() for m in migrations)


def test_statements_split_on_semicolons_at_line_ends_only():
    sql = (
        "-- a comment; not a split\n"
        "CREATE TABLE a (x String DEFAULT ';');\n\n"
        "DROP TABLE b;\n-- tail\n"
    )
    assert statements(sql) == [
        "-- a comment; not a split\nCREATE TABLE a (x String DEFAULT ';')",
        "DROP TABLE b",
    ]


def test_running_migrate_twice_changes_nothing(store):
    assert migrate_up(store) == []
    assert applied_versions(store) == {m.version for m in discover()}


def test_a_migration_goes_down_and_up_again(store):
    probe = Migration(
        9001,
        "probe",
        up="CREATE TABLE rum.probe (x UInt8) ENGINE = MergeTree ORDER BY x",
        down="DROP TABLE rum.probe",
    )
    migrations = [*discover(), probe]
    assert migrate_up(store, migrations) == [9001]
    assert store.command("EXISTS TABLE rum.probe") == 1
    assert migrate_down(store, migrations) == 9001
    assert store.command("EXISTS TABLE rum.probe") == 0
    assert 9001 not in applied_versions(store)
    assert applied_versions(store) == {m.version for m in discover()}


def test_the_migrate_command_applies_reverts_and_reapplies_the_real_schema(tmp_path):
    env = {**os.environ, "RUM_STORE": f"chdb://{tmp_path}/ch", "RUM_TRANSPORT": "memory://"}

    def rum(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "beacon", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    versions = [m.version for m in discover()]
    assert f"applied: {versions}" in rum("migrate")
    assert "none (up to date)" in rum("migrate")
    for version in reversed(versions):
        assert f"reverted: {version}" in rum("migrate", "--down")
    assert "reverted: None" in rum("migrate", "--down")
    tables = query_chdb(tmp_path / "ch", "SELECT name FROM system.tables WHERE database = 'rum'")
    assert [t["name"] for t in tables] == ["schema_migrations"]
    assert f"applied: {versions}" in rum("migrate")


def test_retention_is_set_per_kind_of_table(store):
    apply_retention(store, raw_days=30, rollup_days=365)
    assert "toIntervalDay(30)" in store.command("SHOW CREATE TABLE rum.page_views")
    assert "toIntervalDay(30)" in store.command("SHOW CREATE TABLE rum.bucky_metrics")
    assert "toIntervalDay(365)" in store.command("SHOW CREATE TABLE rum.vitals_1h")
    apply_retention(store, raw_days=400, rollup_days=800)  # back to the defaults


def test_the_hourly_site_rollup_is_rebuilt_with_small_granules_keeping_its_rows(store, site):
    def views() -> int:
        return store.command(f"SELECT sum(views) FROM rum.vitals_site_1h WHERE site = '{site}'")

    def granularity() -> str:
        create = store.command("SHOW CREATE TABLE rum.vitals_site_1h")
        return create.split("index_granularity = ")[1].split(",")[0].split("\n")[0]

    def store_views(count: int, first: int) -> None:
        records = [r for value in records_for(site, count) for r in decode(value).records]
        batch = Batch(0, first, first + count - 1, 0, records=records)
        ClickHouseSink(store).write(f"granules-{site}", batch)

    store_views(10, 0)
    assert (granularity(), views()) == ("64", 10)
    assert migrate_down(store) == 13
    assert (granularity(), views()) == ("8192", 10)
    assert migrate_up(store) == [13]
    assert (granularity(), views()) == ("64", 10)
    store_views(5, 10)  # its materialized view still feeds it
    assert views() == 15
