"""Opening the ClickHouse store named by a DSN: the embedded engine or a server."""

from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ProgrammingError

CHDB = "chdb://"


class StoreInUse(RuntimeError):
    """The embedded engine's folder is held by another process."""


def open_store(dsn: str) -> Client:
    """`chdb://PATH` opens the embedded engine (one process per path);
    `http(s)://user:pass@host:8123` a ClickHouse server."""
    if dsn.startswith(CHDB):
        path = Path(dsn.removeprefix(CHDB)).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = clickhouse_connect.get_client(dsn=f"{CHDB}{path}")
            # The engine locks its folder on first use: use it now, so a folder held by
            # another process fails here rather than at some later write.
            client.query("SELECT version()")
        except ProgrammingError as error:
            raise StoreInUse(
                f"{path} is in use by another process (the embedded engine opens a folder "
                "in one process at a time: stop `rum run` first)"
            ) from error
        return client
    if dsn.startswith(("http://", "https://")):
        return clickhouse_connect.get_client(dsn=dsn, compress="lz4")
    raise ValueError(f"unsupported store {dsn!r}: use chdb:///path or http(s)://host:8123")
