"""The OpenAPI 3.1 description of the collector, served at /openapi.json. The beacon's
schema comes from the pydantic model, so the description cannot drift from the code."""

from beacon.api import ANSWERS, SITE_PATTERN
from beacon.auth import SESSION_COOKIE
from beacon.dashboard import ASSETS
from beacon.schema import Beacon
from pipeline.queries import DIMENSIONS

REF = "#/components/schemas/{model}"
SECURITY = [{"token": []}, {"session": []}]


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def html_error(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _retry(description: str) -> dict:
    return {**_error(description), "headers": {"Retry-After": {"schema": {"type": "integer"}}}}


def openapi(bucky_root: str) -> dict:
    beacon_schema = Beacon.model_json_schema(by_alias=True, ref_template=REF)
    components = beacon_schema.pop("$defs", {})
    components["Beacon"] = beacon_schema
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "detail": {}},
    }
    beacon_body = {"schema": {"$ref": "#/components/schemas/Beacon"}}
    text = {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
    json_ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    html = {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}
    data_errors = {
        "401": _error("the dashboard token or a session is required"),
        "503": _error("the store is unavailable, or none is configured in this process"),
    }
    preflight = {
        "summary": "CORS preflight",
        "responses": {"204": {"description": "allowed"}, "403": _error("origin not allowed")},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "rum-beacon collector",
            "version": "1",
            "description": "Receives real-user-monitoring beacons (docs/beacon.md).",
        },
        "paths": {
            "/v1/beacon": {
                "post": {
                    "summary": "Send one beacon",
                    "requestBody": {
                        "required": True,
                        "content": {"text/plain": beacon_body, "application/json": beacon_body},
                    },
                    "responses": {
                        "204": {"description": "accepted (or sampled out)"},
                        "400": _error(
                            "not a valid beacon (not_json, out_of_range, string_too_long, "
                            "too_many_items or invalid_beacon); detail lists the fields"
                        ),
                        "403": _error("unknown site, or origin not allowed for it"),
                        "408": _error("the body did not arrive in time"),
                        "409": _error("this beacon (id and seq) was already received"),
                        "413": _error("body over the limit"),
                        "415": _error("not text/plain or application/json"),
                        "422": _error("timings out of order, or a broken client clock"),
                        "429": _retry("rate limited, per address or per site"),
                        "503": _retry("the buffer towards the transport is full"),
                    },
                },
                "options": preflight,
            },
            f"{bucky_root}/v1/send": {
                "post": {
                    "summary": "Bucky client metrics: lines name:value|ms|c|g[@rate]",
                    "requestBody": {
                        "required": True,
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "200": json_ok,
                        "400": _error("no valid line, or not UTF-8"),
                        "403": _error("unknown site, or origin not allowed"),
                        "413": _error("body over the limit"),
                        "503": _retry("the buffer towards the transport is full"),
                    },
                },
                "options": preflight,
            },
            f"{bucky_root}/v1/health-check": {
                "get": {"summary": "Bucky health check", "responses": {"200": text}}
            },
            "/rum.js": {
                "get": {
                    "summary": "The snippet, stage one (the tag sites paste)",
                    "responses": {
                        "200": {"description": "the built loader, brotli or gzip if accepted"},
                        "304": {"description": "not modified (ETag)"},
                        "404": _error("snippet not built"),
                    },
                },
                "head": {
                    "summary": "The snippet's headers",
                    "responses": {"200": {"description": "OK"}},
                },
            },
            "/rum-main.{digest}.js": {
                "get": {
                    "summary": "The snippet, stage two (fetched by stage one after load)",
                    "parameters": [
                        {
                            "name": "digest",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "the content hash stage one was built with",
                        }
                    ],
                    "responses": {
                        "200": {"description": "the measuring client, cached for good"},
                        "304": {"description": "not modified (ETag)"},
                        "404": _error("not built, or another release's hash"),
                    },
                },
            },
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": json_ok}}},
            "/readyz": {
                "get": {
                    "summary": "Readiness",
                    "responses": {"200": json_ok, "503": {"description": "not ready"}},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": text, "401": _error("token required")},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This description", "responses": {"200": json_ok}}
            },
            "/api/v1/sites": {
                "get": {
                    "summary": "Sites with page views, busiest first",
                    "security": SECURITY,
                    "responses": {"200": json_ok, **data_errors},
                }
            },
            "/api/v1/{name}": {
                "get": {
                    "summary": "One answer of the dashboards over the rollups",
                    "description": "percentiles (series and total; compare=1 adds the "
                    "previous period), ratings, routes (slowest by p75), server-errors "
                    "(5xx page views), errors (JavaScript), server-timing (where server "
                    "time goes), histogram, dimensions (values each filter can take).",
                    "security": SECURITY,
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(ANSWERS)},
                        },
                        _query("site", True, {"type": "string", "pattern": SITE_PATTERN}),
                        _query(
                            "metric",
                            False,
                            {
                                "type": "string",
                                "description": "load, ttfb, fcp, lcp, inp, cls, or st:<name> "
                                "for a Server-Timing entry (percentiles only)",
                                "pattern": "^(load|ttfb|fcp|lcp|inp|cls|st:.{1,64})$",
                            },
                        ),
                        *(
                            _query(name, False, {"type": "string", "maxLength": 256})
                            for name in DIMENSIONS
                        ),
                        _query("from", False, {"type": "string"}),
                        _query("to", False, {"type": "string"}),
                        _query(
                            "bucket", False, {"type": "integer", "minimum": 60, "maximum": 604800}
                        ),
                        _query("compare", False, {"type": "string", "enum": ["0", "1"]}),
                        _query("limit", False, {"type": "integer", "minimum": 1, "maximum": 200}),
                    ],
                    "responses": {
                        "200": json_ok,
                        "400": _error("bad parameter"),
                        "404": _error("no such answer"),
                        **data_errors,
                    },
                }
            },
            "/dashboard": {
                "get": {
                    "summary": "The built-in dashboard (signed in), else a redirect to sign in",
                    "responses": {"200": html, "303": {"description": "sign in first"}},
                }
            },
            "/dashboard/login": {
                "get": {"summary": "The sign-in form", "responses": {"200": html}},
                "post": {
                    "summary": "Sign in with the dashboard token; sets a session cookie",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"token": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "303": {"description": "signed in"},
                        "401": html_error("wrong token"),
                        "403": html_error("posted from another site"),
                        "413": html_error("form too large"),
                        "429": html_error("too many attempts"),
                    },
                },
            },
            "/dashboard/logout": {
                "post": {"summary": "Sign out", "responses": {"303": {"description": "done"}}}
            },
            "/dashboard/assets/{name}": {
                "get": {
                    "summary": "The dashboard's bundled script and style sheet",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(ASSETS)},
                        }
                    ],
                    "responses": {"200": text, "404": _error("no such asset")},
                }
            },
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            },
        },
    }


def _query(name: str, required: bool, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}
