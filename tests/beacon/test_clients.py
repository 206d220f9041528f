"""Client addresses: proxies are believed only when configured; only networks leave."""

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.clients import client_ip, parse_networks, parsed_address, truncate

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


# The reference: what `ipaddress` says, the way the collector first did it.
def reference_truncate(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def reference_client_ip(peer: str, forwarded_for: str, networks: str) -> str:
    trusted = [ipaddress.ip_network(n, strict=False) for n in networks.split(",") if n]

    def is_trusted(address: str) -> bool:
        try:
            return any(ipaddress.ip_address(address) in n for n in trusted)
        except ValueError:
            return False

    if not forwarded_for or not is_trusted(peer):
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not is_trusted(hop):
            return hop if reference_truncate(hop) else peer
    return peer


def textual_variants(address: str) -> st.SearchStrategy[str]:
    """The address as written, and nearly: cased, padded, cut, zero-prefixed, zoned."""
    return st.sampled_from(
        [
            address,
            address.upper(),
            f" {address}",
            address[:-1],
            address.replace(".", ".0", 1),
            f"{address}%eth0",
            f"::ffff:{address}",
            address + "\0",
        ]
    )


ADDRESSES = st.one_of(
    st.ip_addresses().map(str).flatmap(textual_variants),
    st.text(alphabet="0123456789abcdefABCDEF:.%", max_size=45),
    st.text(max_size=20),
)


@settings(max_examples=3000, deadline=None)
@given(ADDRESSES)
def test_an_address_is_read_and_truncated_as_ipaddress_does(address):
    expected = re.sub("%[^/]*", "", reference_truncate(address))  # a zone is no network
    assert truncate(address) == expected
    assert (parsed_address(address) is None) == (expected == "")


NETWORKS = ["10.0.0.0/8,192.168.1.1", "2001:db8::/32,10.1.0.0/16", "0.0.0.0/0", ""]


@settings(max_examples=3000, deadline=None)
@given(
    peer=st.one_of(st.sampled_from(["10.0.0.5", "192.168.1.1", "2001:db8::9"]), ADDRESSES),
    hops=st.lists(st.one_of(st.sampled_from(["10.1.2.3", "2001:db8::1"]), ADDRESSES), max_size=4),
    networks=st.sampled_from(NETWORKS),
)
def test_the_client_behind_proxies_is_found_as_ipaddress_finds_it(peer, hops, networks):
    forwarded_for = ", ".join(hops)
    expected = reference_client_ip(peer, forwarded_for, networks)
    assert client_ip(peer, forwarded_for, parse_networks(networks)) == expected
