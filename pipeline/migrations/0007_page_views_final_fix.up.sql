-- page_views_final named its results like the columns they read (`argMaxIf(cls, …) AS
-- cls`); ClickHouse resolves such names to the alias, so reading the view failed. The
-- view now reads renamed columns from a subquery.
DROP VIEW IF EXISTS rum.page_views_final;

CREATE VIEW IF NOT EXISTS rum.page_views_final AS
SELECT
    site,
    page_view_id,
    min(v_ts) AS ts,
    argMin(v_route, seq) AS route,
    argMin(v_url, seq) AS url,
    argMin(v_navigation_type, seq) AS navigation_type,
    argMin(v_device_class, seq) AS device_class,
    argMin(v_browser, seq) AS browser,
    argMin(v_country, seq) AS country,
    argMin(v_counted, seq) AS counted,
    argMin(v_response_status, seq) AS response_status,
    argMinIf(v_load, seq, v_load > 0) AS load,
    argMinIf(v_ttfb, seq, v_ttfb IS NOT NULL) AS ttfb,
    argMinIf(v_fcp, seq, v_fcp IS NOT NULL) AS fcp,
    argMinIf(v_lcp, seq, v_lcp IS NOT NULL) AS lcp,
    argMaxIf(v_inp, seq, v_inp IS NOT NULL) AS inp,
    argMaxIf(v_cls, seq, v_cls IS NOT NULL) AS cls,
    max(seq) AS beacons_after_first
FROM
(
    SELECT
        site, page_view_id, seq,
        ts AS v_ts, route AS v_route, url AS v_url, navigation_type AS v_navigation_type,
        device_class AS v_device_class, browser AS v_browser, country AS v_country,
        counted AS v_counted, response_status AS v_response_status,
        if(load_event_end > 0, load_event_end - activation_start, 0) AS v_load,
        ttfb AS v_ttfb, fcp AS v_fcp, lcp AS v_lcp, inp AS v_inp, cls AS v_cls
    FROM rum.page_views
)
GROUP BY site, page_view_id;
