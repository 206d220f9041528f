-- Settled CLS and INP (0010) kept by the dimensions of the dimensional rollup
-- (vitals_dims_1h), so that a dashboard filtered by device, browser, country or
-- navigation type shows final values too, not only one filtered by route.
ALTER TABLE rum.settled_vitals_1h
    ADD COLUMN IF NOT EXISTS device_class LowCardinality(String),
    ADD COLUMN IF NOT EXISTS browser LowCardinality(String),
    ADD COLUMN IF NOT EXISTS country LowCardinality(String),
    ADD COLUMN IF NOT EXISTS navigation_type LowCardinality(String),
    MODIFY ORDER BY (site, hour, route, device_class, browser, country, navigation_type);

-- Hours settled before carry no dimensions: they are settled again (the pipeline goes
-- back two days; older hours read their first beacons' values).
TRUNCATE TABLE rum.settled_vitals_1h;

TRUNCATE TABLE rum.settled_hours;
