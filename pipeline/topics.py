"""Creating the Kafka topics the service uses, if they do not exist yet."""

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from pipeline.kafka_connection import KafkaConnection, connection

TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(
    kafka: str | KafkaConnection, topics: dict[str, int], replication: int = 1
) -> list[str]:
    """Create missing topics (name → partitions); returns the names created."""
    admin = AIOKafkaAdminClient(**connection(kafka).client_options(), client_id="rum-migrate")
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication) for name, partitions in topics.items()]
        )
    finally:
        await admin.close()
    created = []
    for name, code, message in (error[:3] for error in response.topic_errors):
        if code == 0:
            created.append(name)
        elif code != TOPIC_ALREADY_EXISTS:
            raise RuntimeError(f"creating topic {name}: {message} (error {code})")
    return created
