-- Child rows carry their page view's `counted`, so bots stay out of child rollups too.
ALTER TABLE rum.server_timings ADD COLUMN IF NOT EXISTS counted Bool DEFAULT true;

ALTER TABLE rum.errors ADD COLUMN IF NOT EXISTS counted Bool DEFAULT true;

ALTER TABLE rum.resources ADD COLUMN IF NOT EXISTS counted Bool DEFAULT true;

ALTER TABLE rum.slow_resources ADD COLUMN IF NOT EXISTS counted Bool DEFAULT true;

-- Where server time goes, per minute, route and Server-Timing name: how often each
-- name appears and its duration percentiles (DDSketch, read with quantilesDDMerge).
CREATE TABLE IF NOT EXISTS rum.server_timings_1m
(
    site LowCardinality(String),
    route LowCardinality(String),
    name LowCardinality(String),
    minute DateTime('UTC') CODEC(Delta, LZ4),
    count SimpleAggregateFunction(sum, UInt64),
    total_ms SimpleAggregateFunction(sum, Float64),
    duration_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, route, name)
TTL minute + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rum.server_timings_1m_mv TO rum.server_timings_1m AS
SELECT
    site,
    route,
    name,
    toStartOfMinute(ts) AS minute,
    toUInt64(count()) AS count,
    sum(toFloat64(duration)) AS total_ms,
    quantilesDDState(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(duration)) AS duration_quantiles
FROM rum.server_timings
WHERE counted AND seq = 0
GROUP BY site, route, name, minute;

INSERT INTO rum.server_timings_1m
SELECT
    site,
    route,
    name,
    toStartOfMinute(ts) AS minute,
    toUInt64(count()) AS count,
    sum(toFloat64(duration)) AS total_ms,
    quantilesDDState(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(duration)) AS duration_quantiles
FROM rum.server_timings
WHERE counted AND seq = 0
GROUP BY site, route, name, minute;
