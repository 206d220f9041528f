"""The collector: receives beacons, validates, enriches, and publishes them."""
