-- One row per beacon. Timings are ms since the navigation's time origin; 0 means
-- "did not happen", as in the Navigation Timing specification.
CREATE DATABASE IF NOT EXISTS rum;

CREATE TABLE IF NOT EXISTS rum.page_views
(
    site LowCardinality(String),
    page_view_id String,
    seq UInt16,
    ts DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    received_at DateTime64(3, 'UTC') CODEC(Delta, LZ4),
    url String CODEC(ZSTD(3)),
    route LowCardinality(String),
    navigation_type LowCardinality(String),
    next_hop_protocol LowCardinality(String),
    delivery_type LowCardinality(String),
    response_status UInt16,
    redirect_count UInt8,
    transfer_size UInt64,
    encoded_body_size UInt64,
    decoded_body_size UInt64,
    worker_start Float32,
    redirect_start Float32,
    redirect_end Float32,
    fetch_start Float32,
    domain_lookup_start Float32,
    domain_lookup_end Float32,
    connect_start Float32,
    secure_connection_start Float32,
    connect_end Float32,
    request_start Float32,
    response_start Float32,
    response_end Float32,
    dom_interactive Float32,
    dom_content_loaded_event_start Float32,
    dom_content_loaded_event_end Float32,
    dom_complete Float32,
    load_event_start Float32,
    load_event_end Float32,
    activation_start Float32,
    fcp Nullable(Float32),
    -- Phases analysts ask for, computed on read from the marks above.
    dns_ms Float32 ALIAS domain_lookup_end - domain_lookup_start,
    connect_ms Float32 ALIAS connect_end - connect_start,
    tls_ms Float32 ALIAS if(secure_connection_start > 0, connect_end - secure_connection_start, 0),
    ttfb_ms Float32 ALIAS greatest(response_start - activation_start, 0),
    download_ms Float32 ALIAS response_end - response_start,
    load_ms Float32 ALIAS if(load_event_end > 0, load_event_end - activation_start, 0)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, toDate(ts), route, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Per-minute rollup: mergeable DDSketch states (0.5% relative accuracy), read with
-- quantilesDDMerge. Percentiles are merged across minutes, never averaged.
CREATE TABLE IF NOT EXISTS rum.page_views_1m
(
    site LowCardinality(String),
    route LowCardinality(String),
    minute DateTime('UTC') CODEC(Delta, LZ4),
    views SimpleAggregateFunction(sum, UInt64),
    load AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    ttfb AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    fcp AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, route)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rum.page_views_1m_mv TO rum.page_views_1m AS
SELECT
    site,
    route,
    toStartOfMinute(ts) AS minute,
    toUInt64(countIf(seq = 0)) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(
        toFloat64(load_event_end - activation_start), seq = 0 AND load_event_end > 0) AS load,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(
        toFloat64(greatest(response_start - activation_start, 0)), seq = 0 AND response_start > 0) AS ttfb,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(
        toFloat64(assumeNotNull(fcp)), seq = 0 AND fcp IS NOT NULL) AS fcp
FROM rum.page_views
GROUP BY site, route, minute;

-- The pipeline's write-ahead intents: before inserting offsets [first, last] of a
-- partition it records them here, so a replay after a crash rebuilds the very same
-- batch and ClickHouse's insert deduplication drops it (see pipeline/consumer.py).
CREATE TABLE IF NOT EXISTS rum.ingest_intents
(
    topic LowCardinality(String),
    partition UInt32,
    first_offset UInt64,
    last_offset UInt64,
    rows UInt32,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY (topic, partition)
TTL toDateTime(written_at) + INTERVAL 30 DAY;
