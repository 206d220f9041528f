"""Settings, read from the environment once at start-up and passed in explicitly."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from beacon.clients import parse_networks

PACKAGE_DIR = Path(__file__).resolve().parent
MAY_BE_ZERO = frozenset(
    {
        "port",
        "pipeline_port",
        "spool_sync_ms",
        "drain_timeout_s",
        "batch_wait_ms",
        "snippet_max_age",
        "api_cache_s",
    }
)
"""The numbers that may be 0 (an ephemeral port, no sync, no wait, no caching); every
other one is a size, a rate, a limit or a lifetime, which 0 or less would turn into a
collector that refuses everything or a store that keeps nothing."""
PORTS = ("port", "pipeline_port")
LOG_FORMATS = ("json", "text")


@dataclass(frozen=True)
class Settings:
    transport: str = "memory://"
    """`memory://` (in-process queue) or `kafka://host:9092,host2:9092`."""
    store: str = "chdb://./data/clickhouse"
    """`chdb:///path` (embedded ClickHouse engine) or `http(s)://user:pass@host:8123`."""
    host: str = "127.0.0.1"
    port: int = 8080
    pipeline_port: int = 8081
    """Where `rum pipeline` serves /healthz, /readyz and /metrics (on `host`)."""
    public_url: str = ""
    """The URL browsers reach the collector at; defaults to http://host:port."""
    sites_file: str = ""
    """TOML site registry; without one, a single `demo` site posting from public_url."""
    kafka_security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL: how the Kafka cluster is reached."""
    kafka_sasl_mechanism: str = ""
    """PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, with a SASL_* protocol."""
    kafka_username: str = ""
    kafka_password: str = ""
    kafka_ca_file: str = ""
    """PEM certificate authorities for the brokers' TLS certificates (default: the system's)."""
    topic: str = "rum.beacons"
    dead_letter_topic: str = "rum.beacons.dlq"
    consumer_group: str = "rum-pipeline"
    partitions: int = 6
    body_limit: int = 64 * 1024
    body_timeout_s: int = 10
    """A beacon body must arrive within this; slower clients get 408."""
    buffer_size: int = 20_000
    """Beacons the collector holds while the transport is slow, before answering 503."""
    spool_dir: str = "./data/spool"
    """Where each beacon is written before its 204, until Kafka has it (on the
    in-process queue: until it is stored): killed outright, the process delivers them
    when it starts again. One folder per process (it is locked); empty turns the spool
    off, and a killed process then loses the beacons it held."""
    spool_sync_ms: int = 1000
    """How often the spool is written through to the disk (fdatasync, off the event
    loop) while beacons wait longer than that for Kafka: a power loss takes at most two
    intervals' beacons of those Kafka did not have. 0 leaves it to the kernel's
    writeback (about 30 s)."""
    drain_timeout_s: int = 25
    """On SIGTERM, how long the collector waits for Kafka to take the beacons it holds;
    what is left stays in the spool for the next start. Keep it under the grace period
    of whatever sends SIGTERM (Kubernetes waits 30 s, then kills)."""
    batch_rows: int = 10_000
    batch_bytes: int = 16 * 1024 * 1024
    batch_wait_ms: int = 500
    """A batch waits at most this long for more rows: the floor of freshness."""
    snippet_path: str = str(PACKAGE_DIR / "static" / "rum.js")
    snippet_max_age: int = 3_600
    dashboard_token: str = ""
    """The secret for the dashboard and its JSON API (`Authorization: Bearer <token>`,
    or a login on /dashboard). Unset: `rum run` keeps a generated one beside the
    embedded store (data/dashboard-token); other roles generate one and log it."""
    dashboard_session_s: int = 12 * 3600
    """How long a dashboard login lasts."""
    api_cache_s: int = 10
    """How long the JSON API reuses an answer to the same question."""
    metrics_token: str = ""
    """When set, /metrics requires `Authorization: Bearer <token>`."""
    sites_reload_s: int = 5
    """How often the sites file is checked for changes."""
    trusted_proxies: str = ""
    """Comma-separated networks whose X-Forwarded-For is believed (none by default)."""
    geoip_db: str = ""
    """A MaxMind country or city database (.mmdb) for the country dimension."""
    rate_per_ip: int = 20
    """Beacons a second one client address may send (bursts of twice that)."""
    rate_per_site: int = 20_000
    """Beacons a second one site may send to this collector process."""
    recent_beacons: int = 200_000
    """How many recent beacon keys a collector remembers to refuse duplicates, and a
    pipeline to drop a producer's resend."""
    bucky_path: str = "/bucky"
    """Where the Bucky-compatible endpoints live (`{bucky_path}/v1/send`)."""
    raw_ttl_days: int = 400
    """How long raw rows (page views, child rows, Bucky metrics) are kept."""
    rollup_ttl_days: int = 800
    """How long the rollups are kept."""
    log_format: str = "json"
    """`json` (one object per line) or `text`."""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse what cannot work, naming the variable: at start, not at the first beacon."""
        for name, spec in self.__dataclass_fields__.items():
            value = getattr(self, name)
            if spec.type is int and value < (least := 0 if name in MAY_BE_ZERO else 1):
                raise ValueError(f"RUM_{name.upper()} must be at least {least}, not {value}")
        for name in PORTS:
            if getattr(self, name) > 65535:
                raise ValueError(f"RUM_{name.upper()} must be a port (at most 65535)")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"RUM_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if not self.bucky_path.startswith("/") or self.bucky_path.endswith("/"):
            raise ValueError("RUM_BUCKY_PATH must start with / and not end with one, like /bucky")
        try:
            parse_networks(self.trusted_proxies)  # as the collector reads them
        except ValueError as error:
            raise ValueError(f"RUM_TRUSTED_PROXIES: {error}") from None

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Every field can be set as RUM_<FIELD> (e.g. RUM_TRANSPORT, RUM_BATCH_ROWS)."""
        values: dict[str, object] = {}
        for name, spec in cls.__dataclass_fields__.items():
            raw = environ.get(f"RUM_{name.upper()}")
            if raw is None or name == "extra":
                continue
            if spec.type is int:
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ValueError(
                        f"RUM_{name.upper()} must be a whole number, not {raw!r}"
                    ) from None
            else:
                values[name] = raw
        return cls(**values)
