"""Opening the embedded store: a folder another process holds is a clear error, which
the CLI reports in one line instead of a traceback."""

import sys

import pytest
from clickhouse_connect.driver.exceptions import OperationalError

from pipeline.store import StoreHandle
from tests.support import run_rum, spawned, wait_until

HOLDER = (
    "import sys, time; from pipeline.store import open_store; c = open_store(sys.argv[1]); "
    "print('holding', flush=True); time.sleep(60)"
)


def test_a_store_held_by_another_process_is_named_and_explained(tmp_path):
    store = f"chdb://{tmp_path / 'ch'}"
    with spawned([sys.executable, "-c", HOLDER, store], {}, tmp_path / "holder.log"):
        wait_until(lambda: "holding" in (tmp_path / "holder.log").read_text(), 30)
        result = run_rum("sample-data", env={"RUM_STORE": store})
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("rum: ") and "in use by another process" in last_line
    assert "Traceback" not in result.stderr


def test_a_store_that_could_not_be_opened_is_opened_at_its_next_use():
    attempts: list[int] = []
    opened = object()

    def opening():
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("the server is down")
        return opened

    handle = StoreHandle(opening)
    with pytest.raises(OperationalError):
        handle.client  # noqa: B018 - opening is the point
    assert handle.client is opened and handle.client is opened
    assert len(attempts) == 2  # opened once it could be, then kept
