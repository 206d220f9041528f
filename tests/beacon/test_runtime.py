"""How `rum run` and `rum pipeline` assemble their parts from the settings."""

from beacon.runtime import kafka_publisher, memory_transport, pipeline_service, spool_of
from beacon.settings import Settings
from pipeline.memory_log import MemoryLog


def test_the_pipeline_remembers_as_many_recent_page_views_as_rum_recent_beacons_says(store):
    # A pipeline handling 10,000 beacons/s needs more than the default's 20 s to catch
    # the resends of a collector restarted by its orchestrator.
    service = pipeline_service(Settings(recent_beacons=1_234_567), store, MemoryLog(10))
    assert service.pipeline.recent.size == 1_234_567


def test_both_transports_spool_and_sync_as_the_settings_say(tmp_path):
    settings = Settings.from_env(
        {
            "RUM_TRANSPORT": "kafka://127.0.0.1:9",
            "RUM_SPOOL_DIR": str(tmp_path / "spool"),
            "RUM_SPOOL_SYNC_MS": "250",
        }
    )
    assert kafka_publisher(settings)._spool.sync_every_ms == 250
    _, spool = memory_transport(settings)
    assert spool.sync_every_ms == 250
    spool.close()
    assert Settings().spool_sync_ms == 1000  # a power loss takes at most a second's
    assert spool_of(Settings(spool_dir="")) is None
