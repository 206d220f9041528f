"""The dashboard's pages: never public, a login that sets a script-proof same-site
session, and strict security headers on every response."""

import time

import pytest
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.auth import SESSION_COOKIE, Access
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import SiteRegistry
from pipeline.memory_log import MemoryLog

TOKEN = "dashboard-test-token"
HOST = "http://testserver"


@pytest.fixture
def client() -> TestClient:
    app = create_app(
        Settings(dashboard_token=TOKEN),
        publisher=MemoryPublisher(MemoryLog(10)),
        sites=SiteRegistry([]),
    )
    return TestClient(app, base_url=HOST, follow_redirects=False)


def sign_in(client: TestClient, token: str = TOKEN, origin: str | None = HOST):
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if origin:
        headers["origin"] = origin
    return client.post("/dashboard/login", content=f"token={token}", headers=headers)


def assert_secure_headers(response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_dashboard_sends_strangers_to_the_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/login"
    assert_secure_headers(response)
    login = client.get("/dashboard/login")
    assert login.status_code == 200 and 'name="token"' in login.text
    assert "<script" not in login.text
    assert_secure_headers(login)


def test_the_right_token_signs_in_with_a_strict_session_cookie(client):
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    page = client.get("/dashboard")
    assert page.status_code == 200 and "/dashboard/assets/dashboard.js" in page.text
    assert_secure_headers(page)
    assert client.get("/api/v1/sites").status_code == 503  # signed in; no store here


def test_a_wrong_token_is_refused_and_nothing_is_set(client):
    response = sign_in(client, token="guess")
    assert response.status_code == 401 and "set-cookie" not in response.headers
    assert "That token is not right." in response.text
    assert client.get("/api/v1/sites").status_code == 401


def test_a_sign_in_posted_from_another_site_is_refused(client):
    response = sign_in(client, origin="https://evil.example")
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_guessing_is_rate_limited(client):
    statuses = [sign_in(client, token=f"guess{i}").status_code for i in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]


def test_sign_out_ends_the_session(client):
    sign_in(client)
    response = client.post("/dashboard/logout", headers={"origin": HOST})
    assert response.status_code == 303 and "Max-Age=0" in response.headers["set-cookie"]
    assert client.get("/dashboard").status_code == 303


def test_assets_are_served_with_their_types_and_nothing_else(client):
    js = client.get("/dashboard/assets/dashboard.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert (
        client.get("/dashboard/assets/dashboard.css").headers["content-type"].startswith("text/css")
    )
    assert client.get("/dashboard/assets/..%2Fdemo.html").status_code == 404
    assert client.get("/dashboard/assets/login.html").status_code == 404


def test_sessions_expire_and_cannot_be_forged():
    access = Access(TOKEN, session_s=60, secure_cookie=True)
    session = access.new_session(now=1000)
    assert access.session_valid(session, now=1059) and not access.session_valid(session, now=1061)
    expiry, _, signature = session.partition(".")
    assert not access.session_valid(f"{int(expiry) + 3600}.{signature}", now=1000)
    assert not Access("other-token", 60, True).session_valid(session, now=1000)
    assert "; Secure" in access.cookie(session, 60)
    with pytest.raises(ValueError, match="never public"):
        Access("", 60, True)
    assert access.session_valid(access.new_session(), now=time.time())
