"""The served OpenAPI description is valid and describes every route the app has."""

from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import SiteRegistry
from pipeline.memory_log import MemoryLog


def test_the_description_is_valid_and_complete(tmp_path):
    app = create_app(
        Settings(snippet_path=str(tmp_path / "none.js")),
        publisher=MemoryPublisher(MemoryLog(1)),
        sites=SiteRegistry([]),
        demo=False,
    )
    spec = TestClient(app).get("/openapi.json").json()
    validate(spec)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"  # implied by GET in HTTP, added by Starlette
    }
    assert served <= documented, served - documented
    beacon = spec["components"]["schemas"]["Beacon"]
    assert set(beacon["required"]) == {"v", "site", "id", "url", "t"}
    assert "responseStart" in spec["components"]["schemas"]["Navigation"]["properties"]
