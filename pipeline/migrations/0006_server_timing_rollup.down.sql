DROP VIEW IF EXISTS rum.server_timings_1m_mv;
DROP TABLE IF EXISTS rum.server_timings_1m;
ALTER TABLE rum.slow_resources DROP COLUMN IF EXISTS counted;
ALTER TABLE rum.resources DROP COLUMN IF EXISTS counted;
ALTER TABLE rum.errors DROP COLUMN IF EXISTS counted;
ALTER TABLE rum.server_timings DROP COLUMN IF EXISTS counted;
