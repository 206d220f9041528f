"""Opening the ClickHouse store named by a DSN: the embedded engine or a server."""

import threading
from collections.abc import Callable
from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ProgrammingError

CHDB = "chdb://"


class StoreInUse(RuntimeError):
    """The embedded engine's folder is held by another process."""


def check_store(dsn: str) -> None:
    """ValueError unless the DSN names a store this can open (checked at start)."""
    if not dsn.startswith((CHDB, "http://", "https://")):
        raise ValueError(f"unsupported store {dsn!r}: use chdb:///path or http(s)://host:8123")


def open_store(dsn: str) -> Client:
    """`chdb://PATH` opens the embedded engine (one process per path);
    `http(s)://user:pass@host:8123` a ClickHouse server."""
    check_store(dsn)
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
    return clickhouse_connect.get_client(dsn=dsn, compress="lz4")


class StoreHandle:
    """A client, or a function opening one: then the store is opened at its first use,
    and again at the next use after opening failed. A server down when a process
    starts is then waited for (the pipeline retries its writes) or answered 503 (the
    dashboard API), rather than stopping the process: a collector must take beacons
    whether or not its dashboard's store is up."""

    def __init__(self, store: Client | Callable[[], Client]) -> None:
        self._open = store if callable(store) else None  # a client is not callable
        self._client = None if callable(store) else store
        self._lock = threading.Lock()  # the API asks from worker threads

    @property
    def client(self) -> Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    assert self._open is not None
                    self._client = self._open()
        return self._client
