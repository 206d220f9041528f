DROP VIEW IF EXISTS rum.page_views_final;
DROP VIEW IF EXISTS rum.vitals_1h_mv;
DROP VIEW IF EXISTS rum.vitals_1m_mv;
DROP TABLE IF EXISTS rum.vitals_1h;
DROP TABLE IF EXISTS rum.vitals_1m;

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
WHERE counted
GROUP BY site, route, minute;
