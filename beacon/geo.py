"""Optional country lookup from a MaxMind database (GeoLite2-Country or -City)."""

import maxminddb


class CountryLookup:
    def __init__(self, path: str) -> None:
        self._reader = maxminddb.open_database(path)

    def country(self, address: str) -> str:
        try:
            record = self._reader.get(address)
        except ValueError:
            return ""
        if not isinstance(record, dict):
            return ""
        country = record.get("country") or record.get("registered_country") or {}
        return str(country.get("iso_code", ""))[:2] if isinstance(country, dict) else ""

    def close(self) -> None:
        self._reader.close()
