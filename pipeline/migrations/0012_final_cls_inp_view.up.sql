-- Hourly CLS and INP with their final values wherever an hour has settled, for
-- analysts and Grafana: the same rule as the built-in dashboard's API
-- (pipeline/queries.py). A site's hour is read from the settled rollup while it holds
-- exactly the hour's page views, and from the first-beacon rollup otherwise (not yet
-- settled, or stale because page views arrived after it settled). `settled` says
-- which. Merge the quantile states with quantilesDDMerge, as in every rollup.
CREATE VIEW IF NOT EXISTS rum.cls_inp_final_1h AS
WITH settled AS (
    SELECT final.site AS site, final.hour AS hour
    FROM (SELECT site, hour, sum(views) AS n FROM rum.settled_vitals_1h GROUP BY site, hour) AS final
    INNER JOIN (SELECT site, hour, sum(views) AS n FROM rum.vitals_site_1h GROUP BY site, hour) AS first
        ON final.site = first.site AND final.hour = first.hour
    WHERE final.n = first.n AND final.hour IN (SELECT hour FROM rum.settled_hours)
)
SELECT site, route, device_class, browser, country, navigation_type, hour, views,
       cls_quantiles, inp_quantiles, cls_good, cls_ni, cls_poor, inp_good, inp_ni, inp_poor,
       toUInt8(1) AS settled
FROM rum.settled_vitals_1h
WHERE (site, hour) IN (SELECT site, hour FROM settled)
UNION ALL
SELECT site, route, device_class, browser, country, navigation_type, hour, views,
       cls_quantiles, inp_quantiles, cls_good, cls_ni, cls_poor, inp_good, inp_ni, inp_poor,
       toUInt8(0) AS settled
FROM rum.vitals_dims_1h
WHERE (site, hour) NOT IN (SELECT site, hour FROM settled);
