"""The OpenAPI 3.1 description of the collector, served at /openapi.json. The beacon's
schema comes from the pydantic model, so the description cannot drift from the code."""

from beacon.schema import Beacon

REF = "#/components/schemas/{model}"


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


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
                        "400": _error("not a valid beacon; detail lists the fields"),
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
                    "summary": "The snippet",
                    "responses": {
                        "200": {"description": "the built snippet"},
                        "304": {"description": "not modified (ETag)"},
                        "404": _error("snippet not built"),
                    },
                },
                "head": {
                    "summary": "The snippet's headers",
                    "responses": {"200": {"description": "OK"}},
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
            "/api/v1/percentiles": {
                "get": {
                    "summary": "p50/p75/p95/p99 of a metric per time bucket",
                    "parameters": [
                        _query(
                            "site", True, {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}
                        ),
                        _query(
                            "metric", False, {"type": "string", "enum": ["load", "ttfb", "fcp"]}
                        ),
                        _query("route", False, {"type": "string", "maxLength": 256}),
                        _query("from", False, {"type": "string"}),
                        _query("to", False, {"type": "string"}),
                        _query(
                            "bucket", False, {"type": "integer", "minimum": 60, "maximum": 604800}
                        ),
                    ],
                    "responses": {
                        "200": json_ok,
                        "400": _error("bad parameter"),
                        "401": _error("token required"),
                        "503": _error("no store configured in this process"),
                    },
                }
            },
        },
        "components": {"schemas": components},
    }


def _query(name: str, required: bool, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}
