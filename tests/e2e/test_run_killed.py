"""The one-process mode (`rum run`: in-process queue, chdb) killed outright under load:
started again on its spool, it stores every beacon it answered 204, and none twice."""

import asyncio

from tests.support import post_under_load, query_chdb, running


def test_a_run_killed_outright_stores_every_204_once_after_its_restart(tmp_path):
    (tmp_path / "sites.toml").write_text('[sites.load]\norigins = ["*"]\ncount_bots = true\n')
    store = tmp_path / "clickhouse"
    env = {
        "RUM_STORE": f"chdb://{store}",
        "RUM_SPOOL_DIR": str(tmp_path / "spool"),
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_RATE_PER_IP": "1000000",
        "RUM_RATE_PER_SITE": "1000000",
        # Small, frequent batches: the kill lands between accepting and writing, and
        # likely once between a batch's insert and its commit.
        "RUM_BATCH_ROWS": "50",
        "RUM_BATCH_WAIT_MS": "200",
    }
    with running(["scripts/run.sh"], env, tmp_path / "killed.log") as killed:
        accepted = asyncio.run(post_under_load(killed.url, 3, 2.0, killed.process.kill))
        killed.process.wait(10)

    with running(["scripts/run.sh"], env, tmp_path / "successor.log") as successor:
        assert successor.stopped_cleanly()  # SIGTERM: writes everything, then exits
    assert "spooled before a restart are written first" in successor.log.read_text()

    rows = query_chdb(
        store,
        "SELECT page_view_id, count() AS n FROM rum.page_views WHERE site = 'load'"
        " GROUP BY page_view_id",
    )
    stored = {row["page_view_id"]: int(row["n"]) for row in rows}
    assert len(accepted) > 100
    assert set(accepted) <= set(stored)  # every 204
    assert set(stored.values()) == {1}  # none twice
    # Beyond the 204s, only beacons in flight when it was killed (16 clients).
    assert len(stored) - len(accepted) <= 16
    (rollup,) = query_chdb(store, "SELECT sum(views) AS v FROM rum.vitals_1m WHERE site = 'load'")
    assert int(rollup["v"]) == len(stored)
