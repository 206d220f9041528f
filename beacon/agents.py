"""User-agent classification with ua-parser (the uap-core rules), cached per string."""

from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

_BOT_WORDS = ("bot", "crawler", "spider", "slurp", "headless", "lighthouse", "pingdom", "monitor")


@dataclass(frozen=True)
class Agent:
    browser: str
    browser_version: str
    os: str
    device_class: str
    """desktop, mobile, tablet or bot."""
    is_bot: bool
    """Crawlers, monitors and headless browsers: kept out of rollups unless the site counts them."""


def load_rules() -> None:
    """Compile ua-parser's rules now: its first parse does, taking about 0.1 s, which
    would otherwise hold up the first beacons after every start."""
    parse("")


@lru_cache(maxsize=4096)
def classify(user_agent: str) -> Agent:
    result = parse(user_agent[:1024])
    browser = result.user_agent.family if result.user_agent else "Other"
    major = result.user_agent.major if result.user_agent and result.user_agent.major else ""
    os = result.os.family if result.os else "Other"
    device = result.device.family if result.device else ""
    lowered = user_agent.lower()
    is_bot = device == "Spider" or any(word in lowered for word in _BOT_WORDS) or not user_agent
    return Agent(browser, major, os, _device_class(lowered, os, device, is_bot), is_bot)


def _device_class(lowered: str, os: str, device: str, is_bot: bool) -> str:
    if is_bot:
        return "bot"
    if "ipad" in lowered or "tablet" in lowered or (os == "Android" and "mobile" not in lowered):
        return "tablet"
    if "mobi" in lowered or os in ("iOS", "Android") or device == "iPhone":
        return "mobile"
    return "desktop"
