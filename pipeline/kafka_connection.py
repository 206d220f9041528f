"""How every Kafka client of the service reaches the cluster: its bootstrap servers, and
TLS and SASL when the cluster requires them (managed clusters do)."""

from dataclasses import dataclass

from aiokafka.helpers import create_ssl_context

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class KafkaConnection:
    bootstrap_servers: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    username: str = ""
    password: str = ""
    ca_file: str = ""
    """PEM file of the certificate authorities that sign the brokers' certificates; the
    system's own when empty."""

    def __post_init__(self) -> None:
        if self.security_protocol not in PROTOCOLS:
            raise ValueError(f"Kafka security protocol {self.security_protocol!r}: use {PROTOCOLS}")
        if self.security_protocol.startswith("SASL"):
            if self.sasl_mechanism not in MECHANISMS:
                raise ValueError(f"Kafka SASL mechanism {self.sasl_mechanism!r}: use {MECHANISMS}")
            if not (self.username and self.password):
                raise ValueError("Kafka SASL needs a username and a password")
        if self.security_protocol.endswith("SSL") and self.ca_file:
            try:
                create_ssl_context(cafile=self.ca_file)
            except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
                raise ValueError(f"Kafka CA file {self.ca_file!r}: {error}") from None

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for aiokafka's producers, consumers and admin client."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.endswith("SSL"):
            # Verifies the brokers' certificates and host names.
            options["ssl_context"] = create_ssl_context(cafile=self.ca_file or None)
        if self.security_protocol.startswith("SASL"):
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.username,
                sasl_plain_password=self.password,
            )
        return options


def connection(kafka: "str | KafkaConnection") -> KafkaConnection:
    """A plain `host:port,…` string is a cluster without TLS or SASL (a local broker)."""
    return kafka if isinstance(kafka, KafkaConnection) else KafkaConnection(kafka)
