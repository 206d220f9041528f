"""Settings: read from RUM_* variables once, and refused at start, by name, when they
cannot work."""

import pytest

from beacon.settings import Settings
from tests.support import free_port, run_rum


def test_the_defaults_and_the_zeros_that_mean_something_are_accepted():
    Settings()
    Settings.from_env({"RUM_PORT": "0", "RUM_SPOOL_SYNC_MS": "0", "RUM_API_CACHE_S": "0"})


@pytest.mark.parametrize(
    ("environ", "refusal"),
    [
        ({"RUM_PORT": "abc"}, "RUM_PORT must be a whole number, not 'abc'"),
        ({"RUM_PORT": "70000"}, "RUM_PORT must be a port (at most 65535)"),
        # A collector that refuses every beacon, or rate limits every one: not a setting.
        ({"RUM_BUFFER_SIZE": "0"}, "RUM_BUFFER_SIZE must be at least 1, not 0"),
        ({"RUM_RATE_PER_IP": "0"}, "RUM_RATE_PER_IP must be at least 1, not 0"),
        ({"RUM_BATCH_ROWS": "-5"}, "RUM_BATCH_ROWS must be at least 1, not -5"),
        ({"RUM_SPOOL_SYNC_MS": "-1"}, "RUM_SPOOL_SYNC_MS must be at least 0, not -1"),
        ({"RUM_RAW_TTL_DAYS": "0"}, "RUM_RAW_TTL_DAYS must be at least 1, not 0"),
        ({"RUM_LOG_FORMAT": "xml"}, "RUM_LOG_FORMAT must be one of json, text"),
        (
            {"RUM_BUCKY_PATH": "bucky"},
            "RUM_BUCKY_PATH must start with / and not end with one, like /bucky",
        ),
        (
            {"RUM_TRUSTED_PROXIES": "10.0.0.0/8, the-lb"},
            "RUM_TRUSTED_PROXIES: 'the-lb' does not appear to be an IPv4 or IPv6 network",
        ),
    ],
)
def test_what_cannot_work_is_refused_naming_the_variable(environ, refusal):
    with pytest.raises(ValueError) as refused:
        Settings.from_env(environ)
    assert str(refused.value) == refusal


def test_the_command_stops_at_start_with_that_reason(tmp_path):
    result = run_rum(
        "collector",
        env={
            "RUM_TRANSPORT": "kafka://127.0.0.1:9",
            "RUM_BUFFER_SIZE": "0",
            "RUM_SPOOL_DIR": str(tmp_path / "spool"),
        },
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("error: RUM_BUFFER_SIZE must be at least 1, not 0")


def test_a_store_no_code_can_open_is_refused_at_start():
    result = run_rum("migrate", env={"RUM_STORE": "bogus://x"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "error: unsupported store 'bogus://x': use chdb:///path or http(s)://host:8123"
    )


def test_migrate_says_in_one_line_that_the_store_or_kafka_cannot_be_reached(tmp_path):
    store_down = run_rum("migrate", env={"RUM_STORE": f"http://127.0.0.1:{free_port()}"})
    kafka_down = run_rum(
        "migrate",
        env={
            "RUM_STORE": f"chdb://{tmp_path / 'ch'}",
            "RUM_TRANSPORT": f"kafka://127.0.0.1:{free_port()}",
        },
    )
    for result, said in (
        (store_down, "rum: the store failed: "),
        (kafka_down, "rum: Kafka cannot be reached: "),
    ):
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith(said)
