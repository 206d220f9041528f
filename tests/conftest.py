"""Shared fixtures: the real Kafka broker, a real chdb store, fresh topics and sites."""

import asyncio
import os
import uuid

import pytest

from pipeline.kafka_connection import KafkaConnection
from pipeline.migrate import migrate_up
from pipeline.store import open_store
from pipeline.topics import ensure_topics
from tests.support import BROKER_CA


@pytest.fixture(scope="session")
def kafka() -> str:
    """The broker scripts/test.sh starts. Missing it is a failure, not a skip."""
    bootstrap = os.environ.get("RUM_KAFKA")
    if not bootstrap:
        pytest.fail("RUM_KAFKA is not set: run the suite with scripts/test.sh, which starts Kafka")
    return bootstrap


@pytest.fixture(scope="session")
def kafka_tls(kafka: str) -> KafkaConnection:
    """The same broker's TLS listener with SASL/PLAIN, as managed clusters are reached."""
    return KafkaConnection(
        "127.0.0.1:9094", "SASL_SSL", "PLAIN", "rum", "rum-secret", str(BROKER_CA)
    )


@pytest.fixture
def topic(kafka: str) -> str:
    """A fresh topic (3 partitions) per test, so tests never see each other's data."""
    name = f"test.{uuid.uuid4().hex[:10]}"
    asyncio.run(ensure_topics(kafka, {name: 3, f"{name}.dlq": 1}))
    return name


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory):
    """One migrated chdb store per test session: chdb opens one path per process.
    Tests keep apart by using their own site keys and topics."""
    client = open_store(f"chdb://{tmp_path_factory.mktemp('chdb')}")
    migrate_up(client)
    yield client
    client.close()


@pytest.fixture
def site() -> str:
    return f"site-{uuid.uuid4().hex[:8]}"
