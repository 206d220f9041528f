DROP TABLE IF EXISTS rum.settled_hours;
DROP TABLE IF EXISTS rum.settled_vitals_1h;
