"""Client addresses: proxies are believed only when configured; only networks leave."""

import pytest

from beacon.clients import client_ip, parse_networks, truncate

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.1")


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert client_ip("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    assert client_ip("203.0.113.9", "198.51.100.1", PROXIES) == "203.0.113.9"


def test_the_rightmost_untrusted_hop_is_the_client():
    # The client may forge the left part; the proxies append what they saw.
    chain = "1.2.3.4, 198.51.100.7, 10.1.2.3"
    assert client_ip("10.0.0.5", chain, PROXIES) == "198.51.100.7"


def test_garbage_in_forwarded_for_falls_back_to_the_peer():
    assert client_ip("10.0.0.5", "not-an-ip", PROXIES) == "10.0.0.5"


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("nonsense", ""),
    ],
)
def test_addresses_are_truncated_to_their_network(address, network):
    assert truncate(address) == network
