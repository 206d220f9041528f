"""The built-in dashboard's pages: the login, the dashboard itself and its bundled
assets (built from dashboards/web by scripts/setup.sh), all with strict security
headers. The data comes from the JSON API (beacon/api.py), which checks the same
session."""

import html
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from beacon.auth import Access
from beacon.clients import Networks, client_ip
from beacon.limits import TokenBuckets

SECURITY_HEADERS = {
    # Scripts and styles only from files we serve: no inline code, no CDN, no framing.
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # no-referrer would make form posts say Origin: null
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}
ASSETS = ("dashboard.js", "dashboard.css")
_LOGIN_BODY_LIMIT = 4096


class DashboardPages:
    def __init__(
        self,
        assets_dir: Path,
        access: Access,
        trusted_proxies: Networks,
        login_attempts_per_minute: int = 10,
    ) -> None:
        self.assets_dir = assets_dir
        self.access = access
        self.trusted_proxies = trusted_proxies
        self.attempts = TokenBuckets(login_attempts_per_minute / 60, login_attempts_per_minute)

    async def page(self, request: Request) -> Response:
        if not self.access.allows(request):
            return RedirectResponse("/dashboard/login", 303, headers=SECURITY_HEADERS)
        return self._file("index.html", "text/html; charset=utf-8")

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return JSONResponse({"error": "not_found"}, 404, headers=SECURITY_HEADERS)
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return self._file(name, f"{kind}; charset=utf-8")

    async def login_form(self, request: Request) -> Response:
        return self._login_page("", 200)

    async def login(self, request: Request) -> Response:
        if not self._same_origin(request):
            return self._login_page("This sign-in came from another site.", 403)
        address = client_ip(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.trusted_proxies,
        )
        if self.attempts.take(address, time.monotonic()):
            return self._login_page("Too many attempts: wait a minute and try again.", 429)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _LOGIN_BODY_LIMIT:
                return self._login_page("That sign-in form was too large.", 413)
        token = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if not self.access.token_matches(token):
            return self._login_page("That token is not right.", 401)
        response = RedirectResponse("/dashboard", 303, headers=SECURITY_HEADERS)
        response.headers["set-cookie"] = self.access.cookie(
            self.access.new_session(), self.access.session_s
        )
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/dashboard/login", 303, headers=SECURITY_HEADERS)
        response.headers["set-cookie"] = self.access.cookie("", 0)
        return response

    def _same_origin(self, request: Request) -> bool:
        """Browsers send Origin on form posts: a post from another site is refused."""
        origin = request.headers.get("origin")
        if origin is None or origin == "null":
            return origin is None
        return urlsplit(origin).netloc == request.headers.get("host", "")

    def _login_page(self, message: str, status: int) -> Response:
        template = (self.assets_dir / "login.html").read_text()
        page = template.replace("{{message}}", html.escape(message))
        return HTMLResponse(page, status, headers=SECURITY_HEADERS)

    def _file(self, name: str, media_type: str) -> Response:
        path = self.assets_dir / name
        if not path.is_file():
            return JSONResponse(
                {"error": "dashboard_not_built", "detail": "run scripts/setup.sh"},
                503,
                headers=SECURITY_HEADERS,
            )
        return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)
