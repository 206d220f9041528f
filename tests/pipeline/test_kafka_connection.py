"""How Kafka clients are configured for a cluster with TLS and SASL (pure), and the
checks that refuse a half-configured connection at start-up."""

import ssl

import pytest

from pipeline.kafka_connection import KafkaConnection, connection


def test_a_plain_address_is_a_cluster_without_tls_or_sasl():
    options = connection("k1:9092,k2:9092").client_options()
    assert options == {"bootstrap_servers": "k1:9092,k2:9092", "security_protocol": "PLAINTEXT"}


def test_tls_verifies_the_brokers_certificates_and_host_names():
    options = KafkaConnection("k:9093", "SSL").client_options()
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "sasl_mechanism" not in options


def test_sasl_over_tls_carries_the_mechanism_and_the_credentials():
    kafka = KafkaConnection("k:9094", "SASL_SSL", "SCRAM-SHA-512", "rum", "secret")
    options = kafka.client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("rum", "secret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (("TLS",), "security protocol"),
        (("SASL_SSL", "GSSAPI", "u", "p"), "SASL mechanism"),
        (("SASL_PLAINTEXT", "PLAIN", "rum", ""), "username and a password"),
    ],
)
def test_a_half_configured_connection_is_refused(fields, problem):
    with pytest.raises(ValueError, match=problem):
        KafkaConnection("k:9092", *fields)


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_a_ca_file_that_cannot_be_read_is_refused_at_start(tmp_path, content):
    # Found only when the first client connected, it killed the collector's publisher.
    ca_file = tmp_path / "ca.pem"
    if content is not None:
        ca_file.write_text(content)
    with pytest.raises(ValueError, match="Kafka CA file"):
        KafkaConnection("k:9093", "SSL", ca_file=str(ca_file))
