"""Numbered schema migrations (`NNNN_name.up.sql` / `.down.sql`), applied in order.

Applied versions are recorded in `rum.schema_migrations`, so running `migrate`
twice is a no-op and a down step removes exactly one version.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_(\w+)\.(up|down)\.sql$")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS rum.schema_migrations
(
    version UInt32,
    name String,
    applied UInt8,
    changed_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(changed_at)
ORDER BY version
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: str
    down: str


def discover(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: dict[int, dict[str, str]] = {}
    for path in folder.glob("*.sql"):
        match = _NAME.match(path.name)
        if match:
            version, name, direction = match.groups()
            entry = found.setdefault(int(version), {"name": name})
            entry[direction] = path.read_text()
    return [
        Migration(version, entry["name"], entry["up"], entry.get("down", ""))
        for version, entry in sorted(found.items())
    ]


def statements(sql: str) -> list[str]:
    """Split a migration file on `;` at line ends; comments stay with their statement."""
    parts = re.split(r";\s*$", sql, flags=re.MULTILINE)
    return [part.strip() for part in parts if _strip_comments(part).strip()]


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def applied_versions(client: Client) -> set[int]:
    client.command("CREATE DATABASE IF NOT EXISTS rum")
    client.command(_VERSION_TABLE)
    rows = client.query("SELECT version FROM rum.schema_migrations FINAL WHERE applied = 1")
    return {row[0] for row in rows.result_rows}


def _record(client: Client, migration: Migration, applied: bool) -> None:
    client.insert(
        "rum.schema_migrations",
        [[migration.version, migration.name, int(applied)]],
        column_names=["version", "name", "applied"],
    )


def migrate_up(client: Client, migrations: list[Migration] | None = None) -> list[int]:
    """Apply every migration not yet applied; returns the versions applied now."""
    done = applied_versions(client)
    applied = []
    for migration in migrations or discover():
        if migration.version in done:
            continue
        for statement in statements(migration.up):
            client.command(statement)
        _record(client, migration, applied=True)
        applied.append(migration.version)
    return applied


def migrate_down(client: Client, migrations: list[Migration] | None = None) -> int | None:
    """Revert the newest applied migration; returns its version, or None if none."""
    done = applied_versions(client)
    newest = [m for m in (migrations or discover()) if m.version in done]
    if not newest:
        return None
    migration = newest[-1]
    for statement in statements(migration.down):
        client.command(statement)
    _record(client, migration, applied=False)
    return migration.version


RAW_TABLES = {
    "page_views": "ts",
    "server_timings": "ts",
    "errors": "ts",
    "resources": "ts",
    "slow_resources": "ts",
    "bucky_metrics": "received_at",
}
ROLLUP_TABLES = {"vitals_1m": "minute", "vitals_1h": "hour", "server_timings_1m": "minute"}


def apply_retention(client: Client, raw_days: int, rollup_days: int) -> None:
    """How long rows are kept: raw rows and rollups separately (rollups are small, so
    they usually outlive raw rows). Existing parts are not rewritten; expired rows go
    at the next merges."""
    for tables, days in ((RAW_TABLES, raw_days), (ROLLUP_TABLES, rollup_days)):
        for table, column in tables.items():
            ttl = f"toDateTime({column}) + INTERVAL {int(days)} DAY"
            client.command(
                f"ALTER TABLE rum.{table} MODIFY TTL {ttl}",
                settings={"materialize_ttl_after_modify": 0},
            )
