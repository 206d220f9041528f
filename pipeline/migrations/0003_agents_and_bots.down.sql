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
GROUP BY site, route, minute;

ALTER TABLE rum.page_views
    DROP COLUMN IF EXISTS client_network,
    DROP COLUMN IF EXISTS country,
    DROP COLUMN IF EXISTS counted,
    DROP COLUMN IF EXISTS is_bot,
    DROP COLUMN IF EXISTS device_class,
    DROP COLUMN IF EXISTS os,
    DROP COLUMN IF EXISTS browser_version,
    DROP COLUMN IF EXISTS browser;
