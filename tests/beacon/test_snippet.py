"""Serving the snippet: stage one cacheable for an hour and revalidated, stage two
by its content hash and cached for good, each compressed as the build left it."""

import gzip
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.snippet import accepted_encoding, stage_two_digest
from pipeline.memory_log import MemoryLog
from tests.beacon.test_app import SITES

LOADER = b"/* stage one */"
CLIENT = b"/* stage two */"
BROTLI = b"\x0b\x07\x80/* pretend brotli */"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "rum.js").write_bytes(LOADER)
    (tmp_path / "rum.js.gz").write_bytes(gzip.compress(LOADER))
    (tmp_path / "rum.js.br").write_bytes(BROTLI)
    (tmp_path / "rum-main.js").write_bytes(CLIENT)
    (tmp_path / "rum-main.js.gz").write_bytes(gzip.compress(CLIENT))
    settings = Settings(snippet_path=str(tmp_path / "rum.js"))
    app = create_app(settings, publisher=MemoryPublisher(MemoryLog(10)), sites=SITES)
    return TestClient(app)


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("GZIP", "gzip"),
        ("identity", None),
        ("", None),
        ("br;q=nonsense, gzip;q=0", None),
    ],
)
def test_the_encoding_is_the_preferred_one_the_client_accepts(header, chosen):
    assert accepted_encoding(header, {"br", "gzip"}) == chosen


def test_an_encoding_the_build_did_not_write_is_never_chosen():
    assert accepted_encoding("br", {"gzip"}) is None


def test_stage_one_is_cached_for_an_hour_and_revalidated(client):
    first = client.get("/rum.js", headers={"accept-encoding": "identity"})
    assert first.status_code == 200 and first.content == LOADER
    assert first.headers["content-type"].startswith("text/javascript")
    assert "max-age=3600" in first.headers["cache-control"]
    assert first.headers["vary"] == "accept-encoding"
    again = client.get(
        "/rum.js",
        headers={"accept-encoding": "identity", "if-none-match": first.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""


def test_each_encoding_is_its_own_representation(client):
    zipped = client.get("/rum.js", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == LOADER
    with client.stream("GET", "/rum.js", headers={"accept-encoding": "br"}) as brotli:
        assert brotli.headers["content-encoding"] == "br"
        assert b"".join(brotli.iter_raw()) == BROTLI
    plain = client.get("/rum.js", headers={"accept-encoding": "identity"})
    assert len({zipped.headers["etag"], brotli.headers["etag"], plain.headers["etag"]}) == 3
    # A cached gzip copy does not revalidate as the plain one.
    stale = client.get(
        "/rum.js",
        headers={"accept-encoding": "identity", "if-none-match": zipped.headers["etag"]},
    )
    assert stale.status_code == 200


def test_stage_two_is_served_by_its_content_hash_and_cached_for_good(client):
    response = client.get(f"/rum-main.{stage_two_digest(CLIENT)}.js")
    assert response.status_code == 200 and response.content == CLIENT
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["access-control-allow-origin"] == "*"


def test_another_releases_stage_two_is_a_clear_404(client):
    response = client.get("/rum-main.0123456789abcdef.js")
    assert response.status_code == 404
    assert response.json() == {"error": "unknown_snippet_version"}


def test_a_missing_build_is_a_clear_404(tmp_path):
    app = create_app(
        Settings(snippet_path=str(tmp_path / "none.js")),
        publisher=MemoryPublisher(MemoryLog(1)),
        sites=SITES,
    )
    client = TestClient(app)
    for path in ("/rum.js", f"/rum-main.{stage_two_digest(b'')}.js"):
        response = client.get(path)
        assert response.status_code == 404 and response.json() == {"error": "snippet_not_built"}
