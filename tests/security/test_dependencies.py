"""Known vulnerabilities in the locked dependencies (requirements.lock, which
scripts/setup.sh installs as constraints), from PyPI's advisory data (the
`vulnerabilities` of each project's JSON, which PyPI fills from OSV).

`pip-audit` asks PyPI per version (`/pypi/NAME/VERSION/json`) or OSV, which this build
machine cannot reach; the per-project answer is reachable and lists the advisories that
affect the project's latest release. So each locked package that is at its latest
release is audited exactly, and one that is not is held to its latest release's
advisories (an advisory open on the latest release affects older ones too)."""

import asyncio
from importlib.metadata import version as installed_version

import httpx

from tests.support import ROOT

LOCK = ROOT / "requirements.lock"


def locked() -> dict[str, str]:
    pins = (line.split("==") for line in LOCK.read_text().splitlines() if "==" in line)
    return {name.strip().lower(): pin.strip() for name, pin in pins}


ATTEMPTS = 3
"""A lookup that fails to connect is tried again: eighty lookups at once once met a
passing DNS failure. A PyPI that stays unreachable still fails the test."""


async def advisories() -> tuple[list[str], list[str]]:
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as client:
        at_once = asyncio.Semaphore(8)

        async def project_json(name: str) -> dict:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    async with at_once:
                        response = await client.get(f"https://pypi.org/pypi/{name}/json")
                    response.raise_for_status()
                    return response.json()
                except httpx.TransportError:
                    if attempt == ATTEMPTS:
                        raise
                    await asyncio.sleep(attempt)
            raise AssertionError("unreachable")

        async def audit(name: str, version: str) -> tuple[list[str], str | None]:
            project = await project_json(name)
            found = [
                f"{name} {version}: {v['id']} (fixed in {', '.join(v.get('fixed_in') or ['?'])})"
                for v in project.get("vulnerabilities") or []
                if not v.get("withdrawn")
            ]
            latest = project["info"]["version"]
            return found, None if latest == version else f"{name} {version} (latest {latest})"

        results = await asyncio.gather(
            *(audit(name, version) for name, version in locked().items())
        )
    found = [line for lines, _ in results for line in lines]
    older = [note for _, note in results if note]
    return found, older


def test_the_lock_is_what_is_installed():
    drift = {
        name: (pin, installed_version(name))
        for name, pin in locked().items()
        if installed_version(name) != pin
    }
    assert drift == {}, "run scripts/setup.sh (or regenerate requirements.lock)"


def test_no_locked_dependency_has_a_known_vulnerability():
    found, older = asyncio.run(advisories())
    print("audited against their latest release's advisories only:", older)
    assert found == [], "\n".join(found)
