"""Optional country lookup from a MaxMind database (GeoLite2-Country or -City)."""

import maxminddb


class GeoDatabaseUnreadable(RuntimeError):
    """The configured database cannot be opened: the process cannot start as asked."""


class CountryLookup:
    def __init__(self, path: str) -> None:
        try:
            self._reader = maxminddb.open_database(path)
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
            raise GeoDatabaseUnreadable(f"GeoIP database {path}: {error}") from None

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
