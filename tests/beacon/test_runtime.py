"""How `rum run` and `rum pipeline` assemble their parts from the settings."""

from beacon.runtime import pipeline_service
from beacon.settings import Settings
from pipeline.memory_log import MemoryLog


def test_the_pipeline_remembers_as_many_recent_page_views_as_rum_recent_beacons_says(store):
    # A pipeline handling 10,000 beacons/s needs more than the default's 20 s to catch
    # the resends of a collector restarted by its orchestrator.
    service = pipeline_service(Settings(recent_beacons=1_234_567), store, MemoryLog(10))
    assert service.pipeline.recent.size == 1_234_567
