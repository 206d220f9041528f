-- Metrics from Bucky clients (timers, counters, gauges), as they were sent.
CREATE TABLE IF NOT EXISTS rum.bucky_metrics
(
    site LowCardinality(String),
    name LowCardinality(String),
    type LowCardinality(String),
    value Float64,
    sample_rate Float32,
    received_at DateTime64(3, 'UTC') CODEC(Delta, LZ4)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (site, name, received_at)
TTL toDateTime(received_at) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
