DROP VIEW IF EXISTS rum.vitals_site_1h_mv;
DROP VIEW IF EXISTS rum.vitals_site_1m_mv;
DROP TABLE IF EXISTS rum.vitals_site_1h;
DROP TABLE IF EXISTS rum.vitals_site_1m;
