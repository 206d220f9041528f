import gc

import orjson
import pytest

from pipeline.decode import decode
from pipeline.gc_thresholds import FOR_BATCHES, FOR_REQUESTS, use_thresholds_for
from tests.support import records_for


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("pipeline", FOR_BATCHES), ("collector", FOR_REQUESTS), ("run", FOR_REQUESTS)],
)
def test_each_role_gets_its_thresholds(thresholds, role, expected):
    use_thresholds_for(role)
    assert gc.get_threshold() == expected


def test_the_pipelines_young_generation_outgrows_two_of_its_largest_batches():
    # Objects a decoded record keeps alive, counted by the collector itself.
    line = records_for("gc-site", 1)[0]
    values = [
        orjson.dumps({**orjson.loads(line), "page_view_id": f"pv-gc-{i:05d}"}) for i in range(2000)
    ]
    gc.disable()
    try:
        start = gc.get_count()[0]
        records = [decode(v).records for v in values]
        per_record = (gc.get_count()[0] - start) / len(records)
    finally:
        gc.enable()
    largest_batch = 50_000  # the batch sizes the benchmark measures go up to this
    assert 2 * largest_batch * per_record < FOR_BATCHES[0]
