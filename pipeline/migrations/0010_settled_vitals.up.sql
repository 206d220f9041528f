-- CLS and INP settle after a page view's first beacon: follow-ups (seq > 0) carry
-- their final values. The rollups above count the first beacon's values, as they
-- stood when the page was first hidden. Once an hour has settled (follow-ups stop
-- coming 30 minutes after it ends), the pipeline writes each of its page views' final
-- CLS and INP here, once (pipeline/settle.py), and records the hour in settled_hours.
-- Queries read settled hours from here and the rest from the first-beacon rollups.
CREATE TABLE IF NOT EXISTS rum.settled_vitals_1h
(
    site LowCardinality(String),
    route LowCardinality(String),
    hour DateTime('UTC') CODEC(Delta, LZ4),
    views SimpleAggregateFunction(sum, UInt64),
    cls_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    inp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    cls_good SimpleAggregateFunction(sum, UInt64),
    cls_ni SimpleAggregateFunction(sum, UInt64),
    cls_poor SimpleAggregateFunction(sum, UInt64),
    inp_good SimpleAggregateFunction(sum, UInt64),
    inp_ni SimpleAggregateFunction(sum, UInt64),
    inp_poor SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, route)
TTL hour + INTERVAL 800 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS rum.settled_hours
(
    hour DateTime('UTC'),
    settled_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY hour;
