-- A sorting key cannot shrink: the table is made again as 0010 made it, and its hours
-- are settled again.
DROP TABLE IF EXISTS rum.settled_vitals_1h;

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

TRUNCATE TABLE rum.settled_hours;
