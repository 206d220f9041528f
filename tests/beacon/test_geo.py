"""Country lookup from a real MaxMind-format database, written for the test."""

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from beacon.geo import CountryLookup, GeoDatabaseUnreadable


def test_addresses_resolve_to_their_country_and_unknowns_to_nothing(tmp_path):
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "NZ"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"country": {"iso_code": "DE"}})
    writer.to_db_file(str(tmp_path / "country.mmdb"))
    lookup = CountryLookup(str(tmp_path / "country.mmdb"))
    try:
        assert lookup.country("203.0.113.77") == "NZ"
        assert lookup.country("2001:db8::1") == "DE"
        assert lookup.country("198.51.100.1") == ""
        assert lookup.country("not an address") == ""
    finally:
        lookup.close()


@pytest.mark.parametrize("content", [None, b"not a MaxMind database"])
def test_a_database_that_cannot_be_read_is_one_clear_error(tmp_path, content):
    path = tmp_path / "country.mmdb"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GeoDatabaseUnreadable, match=f"GeoIP database {path}: "):
        CountryLookup(str(path))
