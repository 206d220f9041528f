"""Schemathesis against the served OpenAPI description: every operation, with generated
valid (positive) and invalid (negative) input, answers without a 5xx, every refusal
carries a JSON reason, and nothing that reaches the transport fails the stored-row
schema."""

import itertools
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from beacon.app import create_app
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.decode import decode
from pipeline.memory_log import MemoryLog
from pipeline.sample_data import Shape, generate

TOKEN = "fuzz-token"
TRANSPORT = MemoryLog(100_000)


@schemathesis.serializer("text/plain")
def beacon_as_text(ctx, value) -> bytes:
    """The snippet posts its JSON as text/plain (no CORS preflight)."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@schemathesis.serializer("application/x-www-form-urlencoded")
def form(ctx, value) -> bytes:
    from urllib.parse import urlencode

    return urlencode(value if isinstance(value, dict) else {}).encode()


@pytest.fixture(scope="module")
def api(store):
    from datetime import UTC, datetime

    generate(store, Shape("fuzz", 500, datetime.now(UTC), hours=1))
    app = create_app(
        Settings(dashboard_token=TOKEN, rate_per_ip=10**6, rate_per_site=10**6),
        publisher=MemoryPublisher(TRANSPORT),
        sites=SiteRegistry([Site("fuzz", frozenset({"*"}))]),
        store=store,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def has_a_reason(ctx, response, case) -> None:
    """A refusal says why: a JSON `error` (the sign-in page says it in its HTML)."""
    if (
        400 <= response.status_code < 500
        and "json" in response.headers.get("content-type", [""])[0]
    ):
        assert isinstance(response.json().get("error"), str), response.text


def test_no_input_gets_a_server_error_and_every_refusal_has_a_reason(api):
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15
    statuses: dict[int, int] = {}
    unsatisfiable: set[str] = set()
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            response = case.call_and_validate(
                headers={"authorization": f"Bearer {TOKEN}"},
                checks=[not_a_server_error, has_a_reason],
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            fuzz()
        except Unsatisfiable:  # no invalid input can be made for it (e.g. no parameters)
            assert mode is GenerationMode.NEGATIVE
            unsatisfiable.add(operation.label)
    assert not unsatisfiable & {"POST /v1/beacon", "GET /api/v1/{name}", "POST /bucky/v1/send"}
    assert sum(statuses.values()) > 500
    assert statuses.get(200, 0) + statuses.get(204, 0) > 0 and statuses.get(400, 0) > 0


def test_nothing_invalid_reached_the_transport():
    """Runs after the fuzzing above (file order): whatever was accepted decodes as
    stored rows."""
    messages = TRANSPORT.read(TRANSPORT.capacity)
    for message in messages:
        decoded = decode(message.value)  # raises Poison on an unusable message
        assert decoded.records and not decoded.rejected, decoded.reason
