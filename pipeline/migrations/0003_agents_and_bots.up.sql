-- Who viewed: browser, OS and device class from the user agent, country (when a
-- GeoIP database is configured) and the truncated client network. Bots and headless
-- browsers are flagged, and leave the rollups unless their site counts them.
ALTER TABLE rum.page_views
    ADD COLUMN IF NOT EXISTS browser LowCardinality(String),
    ADD COLUMN IF NOT EXISTS browser_version LowCardinality(String),
    ADD COLUMN IF NOT EXISTS os LowCardinality(String),
    ADD COLUMN IF NOT EXISTS device_class LowCardinality(String),
    ADD COLUMN IF NOT EXISTS is_bot Bool,
    ADD COLUMN IF NOT EXISTS counted Bool DEFAULT true,
    ADD COLUMN IF NOT EXISTS country LowCardinality(String),
    ADD COLUMN IF NOT EXISTS client_network String;

-- The rollup's view is recreated to leave out views that are not counted.
DROP VIEW IF EXISTS rum.page_views_1m_mv;

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
