"""Who may read the data: a bearer token for programs, a signed session cookie for people.

Both come from one secret, the dashboard token. A session is `<expiry>.<signature>`,
signed with a key derived from the token, so changing the token ends every session."""

import hashlib
import hmac
import logging
import secrets
import time
from pathlib import Path

from starlette.requests import Request

from beacon.settings import Settings

log = logging.getLogger("rum.auth")

SESSION_COOKIE = "rum_session"


class Access:
    def __init__(self, token: str, session_s: int, secure_cookie: bool) -> None:
        if not token:
            raise ValueError("a dashboard token is required: the data is never public")
        self.token = token
        self.session_s = session_s
        self.secure_cookie = secure_cookie
        self._key = hashlib.sha256(b"rum-session:" + token.encode()).digest()

    def token_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def allows(self, request: Request) -> bool:
        if request.headers.get("authorization", "").startswith("Bearer "):
            return bearer_matches(request, self.token)
        return self.session_valid(request.cookies.get(SESSION_COOKIE, ""))

    def new_session(self, now: float | None = None) -> str:
        expiry = str(int((now or time.time()) + self.session_s))
        return f"{expiry}.{self._sign(expiry)}"

    def session_valid(self, value: str, now: float | None = None) -> bool:
        expiry, _, signature = value.partition(".")
        if not expiry.isdigit() or not hmac.compare_digest(signature, self._sign(expiry)):
            return False
        return int(expiry) > (now or time.time())

    def cookie(self, value: str, max_age: int) -> str:
        """A Set-Cookie value: script-proof, never sent cross-site."""
        secure = "; Secure" if self.secure_cookie else ""
        return (
            f"{SESSION_COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; "
            f"SameSite=Strict{secure}"
        )

    def _sign(self, expiry: str) -> str:
        return hmac.new(self._key, expiry.encode(), hashlib.sha256).hexdigest()


def bearer_matches(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(given.encode(), token.encode())


def dashboard_token(settings: Settings, keep_beside_store: bool = False) -> str:
    """The configured token; else (for `rum run`, keep_beside_store) with the embedded
    store one kept beside its data so it survives restarts; else a fresh one for this
    process, logged once."""
    if settings.dashboard_token:
        return settings.dashboard_token
    if keep_beside_store and settings.store.startswith("chdb://"):
        path = Path(settings.store.removeprefix("chdb://")).parent / "dashboard-token"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))
        return path.read_text().strip()
    token = secrets.token_urlsafe(24)
    log.warning("RUM_DASHBOARD_TOKEN is not set: this process's dashboard token is %s", token)
    return token
