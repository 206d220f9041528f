"""User agents: browser, OS, device class; bots and headless browsers flagged."""

import pytest

from beacon.agents import classify

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"
)
PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device", "bot"),
    [
        (IPHONE, "Mobile Safari", "iOS", "mobile", False),
        (IPAD, "Mobile Safari", "iOS", "tablet", False),
        (PIXEL, "Chrome Mobile", "Android", "mobile", False),
        (WINDOWS, "Chrome", "Windows", "desktop", False),
        (HEADLESS, "HeadlessChrome", "Linux", "bot", True),
        (GOOGLEBOT, "Googlebot", "Other", "bot", True),
        ("", "Other", "Other", "bot", True),
    ],
)
def test_user_agents_are_classified(ua, browser, os, device, bot):
    agent = classify(ua)
    assert (agent.browser, agent.os, agent.device_class, agent.is_bot) == (browser, os, device, bot)


def test_versions_are_the_major_only_and_results_are_cached():
    assert classify(WINDOWS).browser_version == "131"
    assert classify(WINDOWS) is classify(WINDOWS)
