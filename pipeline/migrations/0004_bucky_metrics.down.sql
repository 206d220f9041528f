DROP TABLE IF EXISTS rum.bucky_metrics;
