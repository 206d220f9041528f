-- Site-wide series (no filter) are the dashboards' commonest view: read them from
-- rollups by site alone, a few states per bucket instead of one per route.
CREATE TABLE IF NOT EXISTS rum.vitals_site_1m
(
    site LowCardinality(String),
    minute DateTime('UTC') CODEC(Delta, LZ4),
    views SimpleAggregateFunction(sum, UInt64),
    load_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    ttfb_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    fcp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    lcp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    inp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    cls_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    ttfb_good SimpleAggregateFunction(sum, UInt64),
    ttfb_ni SimpleAggregateFunction(sum, UInt64),
    ttfb_poor SimpleAggregateFunction(sum, UInt64),
    fcp_good SimpleAggregateFunction(sum, UInt64),
    fcp_ni SimpleAggregateFunction(sum, UInt64),
    fcp_poor SimpleAggregateFunction(sum, UInt64),
    lcp_good SimpleAggregateFunction(sum, UInt64),
    lcp_ni SimpleAggregateFunction(sum, UInt64),
    lcp_poor SimpleAggregateFunction(sum, UInt64),
    inp_good SimpleAggregateFunction(sum, UInt64),
    inp_ni SimpleAggregateFunction(sum, UInt64),
    inp_poor SimpleAggregateFunction(sum, UInt64),
    cls_good SimpleAggregateFunction(sum, UInt64),
    cls_ni SimpleAggregateFunction(sum, UInt64),
    cls_poor SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute)
TTL minute + INTERVAL 800 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rum.vitals_site_1m_mv TO rum.vitals_site_1m AS
SELECT
    site,
    toStartOfMinute(ts) AS minute,
    toUInt64(count()) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(load_event_end - activation_start), load_event_end > 0) AS load_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)))), coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) IS NOT NULL) AS ttfb_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(fcp)), fcp IS NOT NULL) AS fcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(lcp)), lcp IS NOT NULL) AS lcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(inp)), inp IS NOT NULL) AS inp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(cls)), cls IS NOT NULL) AS cls_quantiles,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 800)) AS ttfb_good,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 800 AND coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 1800)) AS ttfb_ni,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 1800)) AS ttfb_poor,
    toUInt64(countIf(fcp <= 1800)) AS fcp_good,
    toUInt64(countIf(fcp > 1800 AND fcp <= 3000)) AS fcp_ni,
    toUInt64(countIf(fcp > 3000)) AS fcp_poor,
    toUInt64(countIf(lcp <= 2500)) AS lcp_good,
    toUInt64(countIf(lcp > 2500 AND lcp <= 4000)) AS lcp_ni,
    toUInt64(countIf(lcp > 4000)) AS lcp_poor,
    toUInt64(countIf(inp <= 200)) AS inp_good,
    toUInt64(countIf(inp > 200 AND inp <= 500)) AS inp_ni,
    toUInt64(countIf(inp > 500)) AS inp_poor,
    toUInt64(countIf(cls <= 0.1)) AS cls_good,
    toUInt64(countIf(cls > 0.1 AND cls <= 0.25)) AS cls_ni,
    toUInt64(countIf(cls > 0.25)) AS cls_poor
FROM rum.page_views
WHERE counted AND seq = 0
GROUP BY site, minute;

INSERT INTO rum.vitals_site_1m
SELECT
    site,
    toStartOfMinute(ts) AS minute,
    toUInt64(count()) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(load_event_end - activation_start), load_event_end > 0) AS load_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)))), coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) IS NOT NULL) AS ttfb_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(fcp)), fcp IS NOT NULL) AS fcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(lcp)), lcp IS NOT NULL) AS lcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(inp)), inp IS NOT NULL) AS inp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(cls)), cls IS NOT NULL) AS cls_quantiles,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 800)) AS ttfb_good,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 800 AND coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 1800)) AS ttfb_ni,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 1800)) AS ttfb_poor,
    toUInt64(countIf(fcp <= 1800)) AS fcp_good,
    toUInt64(countIf(fcp > 1800 AND fcp <= 3000)) AS fcp_ni,
    toUInt64(countIf(fcp > 3000)) AS fcp_poor,
    toUInt64(countIf(lcp <= 2500)) AS lcp_good,
    toUInt64(countIf(lcp > 2500 AND lcp <= 4000)) AS lcp_ni,
    toUInt64(countIf(lcp > 4000)) AS lcp_poor,
    toUInt64(countIf(inp <= 200)) AS inp_good,
    toUInt64(countIf(inp > 200 AND inp <= 500)) AS inp_ni,
    toUInt64(countIf(inp > 500)) AS inp_poor,
    toUInt64(countIf(cls <= 0.1)) AS cls_good,
    toUInt64(countIf(cls > 0.1 AND cls <= 0.25)) AS cls_ni,
    toUInt64(countIf(cls > 0.25)) AS cls_poor
FROM rum.page_views
WHERE counted AND seq = 0
GROUP BY site, minute;

CREATE TABLE IF NOT EXISTS rum.vitals_site_1h
(
    site LowCardinality(String),
    hour DateTime('UTC') CODEC(Delta, LZ4),
    views SimpleAggregateFunction(sum, UInt64),
    load_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    ttfb_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    fcp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    lcp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    inp_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    cls_quantiles AggregateFunction(quantilesDD(0.005, 0.5, 0.75, 0.95, 0.99), Float64),
    ttfb_good SimpleAggregateFunction(sum, UInt64),
    ttfb_ni SimpleAggregateFunction(sum, UInt64),
    ttfb_poor SimpleAggregateFunction(sum, UInt64),
    fcp_good SimpleAggregateFunction(sum, UInt64),
    fcp_ni SimpleAggregateFunction(sum, UInt64),
    fcp_poor SimpleAggregateFunction(sum, UInt64),
    lcp_good SimpleAggregateFunction(sum, UInt64),
    lcp_ni SimpleAggregateFunction(sum, UInt64),
    lcp_poor SimpleAggregateFunction(sum, UInt64),
    inp_good SimpleAggregateFunction(sum, UInt64),
    inp_ni SimpleAggregateFunction(sum, UInt64),
    inp_poor SimpleAggregateFunction(sum, UInt64),
    cls_good SimpleAggregateFunction(sum, UInt64),
    cls_ni SimpleAggregateFunction(sum, UInt64),
    cls_poor SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour)
TTL hour + INTERVAL 800 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rum.vitals_site_1h_mv TO rum.vitals_site_1h AS
SELECT
    site,
    toStartOfHour(ts) AS hour,
    toUInt64(count()) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(load_event_end - activation_start), load_event_end > 0) AS load_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)))), coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) IS NOT NULL) AS ttfb_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(fcp)), fcp IS NOT NULL) AS fcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(lcp)), lcp IS NOT NULL) AS lcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(inp)), inp IS NOT NULL) AS inp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(cls)), cls IS NOT NULL) AS cls_quantiles,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 800)) AS ttfb_good,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 800 AND coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 1800)) AS ttfb_ni,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 1800)) AS ttfb_poor,
    toUInt64(countIf(fcp <= 1800)) AS fcp_good,
    toUInt64(countIf(fcp > 1800 AND fcp <= 3000)) AS fcp_ni,
    toUInt64(countIf(fcp > 3000)) AS fcp_poor,
    toUInt64(countIf(lcp <= 2500)) AS lcp_good,
    toUInt64(countIf(lcp > 2500 AND lcp <= 4000)) AS lcp_ni,
    toUInt64(countIf(lcp > 4000)) AS lcp_poor,
    toUInt64(countIf(inp <= 200)) AS inp_good,
    toUInt64(countIf(inp > 200 AND inp <= 500)) AS inp_ni,
    toUInt64(countIf(inp > 500)) AS inp_poor,
    toUInt64(countIf(cls <= 0.1)) AS cls_good,
    toUInt64(countIf(cls > 0.1 AND cls <= 0.25)) AS cls_ni,
    toUInt64(countIf(cls > 0.25)) AS cls_poor
FROM rum.page_views
WHERE counted AND seq = 0
GROUP BY site, hour;

INSERT INTO rum.vitals_site_1h
SELECT
    site,
    toStartOfHour(ts) AS hour,
    toUInt64(count()) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(load_event_end - activation_start), load_event_end > 0) AS load_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)))), coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) IS NOT NULL) AS ttfb_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(fcp)), fcp IS NOT NULL) AS fcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(lcp)), lcp IS NOT NULL) AS lcp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(inp)), inp IS NOT NULL) AS inp_quantiles,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(toFloat64(assumeNotNull(cls)), cls IS NOT NULL) AS cls_quantiles,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 800)) AS ttfb_good,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 800 AND coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) <= 1800)) AS ttfb_ni,
    toUInt64(countIf(coalesce(ttfb, if(response_start > 0, greatest(response_start - activation_start, 0), NULL)) > 1800)) AS ttfb_poor,
    toUInt64(countIf(fcp <= 1800)) AS fcp_good,
    toUInt64(countIf(fcp > 1800 AND fcp <= 3000)) AS fcp_ni,
    toUInt64(countIf(fcp > 3000)) AS fcp_poor,
    toUInt64(countIf(lcp <= 2500)) AS lcp_good,
    toUInt64(countIf(lcp > 2500 AND lcp <= 4000)) AS lcp_ni,
    toUInt64(countIf(lcp > 4000)) AS lcp_poor,
    toUInt64(countIf(inp <= 200)) AS inp_good,
    toUInt64(countIf(inp > 200 AND inp <= 500)) AS inp_ni,
    toUInt64(countIf(inp > 500)) AS inp_poor,
    toUInt64(countIf(cls <= 0.1)) AS cls_good,
    toUInt64(countIf(cls > 0.1 AND cls <= 0.25)) AS cls_ni,
    toUInt64(countIf(cls > 0.25)) AS cls_poor
FROM rum.page_views
WHERE counted AND seq = 0
GROUP BY site, hour;
