"""Kafka → ClickHouse: consume beacons in a group, batch, insert, then commit."""
