-- Web vitals, main-thread and device context on each page view, custom timings, and
-- child tables for what a beacon carries as lists.
ALTER TABLE rum.page_views
    ADD COLUMN IF NOT EXISTS view_start Float32,
    ADD COLUMN IF NOT EXISTS ttfb Nullable(Float32),
    ADD COLUMN IF NOT EXISTS lcp Nullable(Float32),
    ADD COLUMN IF NOT EXISTS lcp_element String,
    ADD COLUMN IF NOT EXISTS lcp_url String,
    ADD COLUMN IF NOT EXISTS cls Nullable(Float32),
    ADD COLUMN IF NOT EXISTS cls_target String,
    ADD COLUMN IF NOT EXISTS inp Nullable(Float32),
    ADD COLUMN IF NOT EXISTS inp_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS inp_target String,
    ADD COLUMN IF NOT EXISTS inp_input_delay Nullable(Float32),
    ADD COLUMN IF NOT EXISTS inp_processing Nullable(Float32),
    ADD COLUMN IF NOT EXISTS inp_presentation Nullable(Float32),
    ADD COLUMN IF NOT EXISTS long_tasks UInt32,
    ADD COLUMN IF NOT EXISTS long_task_ms Float32,
    ADD COLUMN IF NOT EXISTS effective_connection_type LowCardinality(String),
    ADD COLUMN IF NOT EXISTS rtt Nullable(Float32),
    ADD COLUMN IF NOT EXISTS downlink Nullable(Float32),
    ADD COLUMN IF NOT EXISTS device_memory Nullable(Float32),
    ADD COLUMN IF NOT EXISTS hardware_concurrency Nullable(UInt16),
    ADD COLUMN IF NOT EXISTS viewport_width UInt32,
    ADD COLUMN IF NOT EXISTS viewport_height UInt32,
    ADD COLUMN IF NOT EXISTS visibility_at_load LowCardinality(String),
    ADD COLUMN IF NOT EXISTS timings Map(LowCardinality(String), Float32);

CREATE TABLE IF NOT EXISTS rum.server_timings
(
    site LowCardinality(String),
    page_view_id String,
    seq UInt16,
    ts DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    route LowCardinality(String),
    name LowCardinality(String),
    duration Float32,
    description String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), route, name, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS rum.errors
(
    site LowCardinality(String),
    page_view_id String,
    seq UInt16,
    ts DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    route LowCardinality(String),
    message String,
    source String,
    line UInt32,
    col UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), route, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS rum.resources
(
    site LowCardinality(String),
    page_view_id String,
    seq UInt16,
    ts DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    route LowCardinality(String),
    initiator LowCardinality(String),
    count UInt32,
    transfer_bytes UInt64,
    total_ms Float32,
    max_ms Float32,
    cache_hits UInt32,
    third_party UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), route, initiator, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS rum.slow_resources
(
    site LowCardinality(String),
    page_view_id String,
    seq UInt16,
    ts DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    route LowCardinality(String),
    url String,
    initiator LowCardinality(String),
    duration Float32,
    transfer_bytes UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), route, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
