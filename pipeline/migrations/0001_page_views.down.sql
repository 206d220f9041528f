DROP TABLE IF EXISTS rum.ingest_intents;
DROP VIEW IF EXISTS rum.page_views_1m_mv;
DROP TABLE IF EXISTS rum.page_views_1m;
DROP TABLE IF EXISTS rum.page_views;
