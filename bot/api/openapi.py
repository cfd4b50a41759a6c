"""The OpenAPI 3.1 document served at `/openapi.json`; request schemas come from the models."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot import __version__

_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _resp("error", _ERROR) for s in statuses}


def _json_body(model: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "a phone number in any common form, a wa_id, or a business-scoped user id",
    "schema": {"type": "string"},
}


@cache
def document() -> dict[str, Any]:
    from bot.api.consents import ConsentIn
    from bot.api.contacts import OptIn, OptOut
    from bot.api.eligibility import EligibilityIn
    from bot.api.review import Resolution
    from bot.api.senders import ResumeIn
    from bot.api.subscriptions import SubscriptionIn

    schemas: dict[str, Any] = {
        name: model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, model in (
            ("OptOut", OptOut),
            ("OptIn", OptIn),
            ("Consent", ConsentIn),
            ("EligibilityRequest", EligibilityIn),
            ("Resolution", Resolution),
            ("SenderResume", ResumeIn),
            ("Subscription", SubscriptionIn),
        )
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "status": {"type": "integer"},
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "consentbot", "version": __version__},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/webhook/whatsapp": {
                "get": {
                    "summary": "Meta's verification handshake",
                    "responses": {"200": {"description": "the challenge"}, **_errors(403)},
                },
                "post": {
                    "summary": "Meta's signed deliveries; 200 only once committed",
                    "responses": {
                        "200": {"description": "recorded (or quarantined)"},
                        **_errors(401, 403, 413, 503),
                    },
                },
            },
            "/v1/contacts/{number}": {
                "get": {
                    "summary": "A customer's status, evidence and full history",
                    "security": _BEARER,
                    "parameters": [_NUMBER],
                    "responses": {"200": _resp("the contact"), **_errors(401, 403, 404, 422)},
                }
            },
            "/v1/contacts/{number}/opt-out": {
                "post": {
                    "summary": "Record an opt-out requested through another channel",
                    "security": _BEARER,
                    "parameters": [_NUMBER],
                    "requestBody": _json_body("OptOut"),
                    "responses": {
                        "201": _resp("the event"),
                        **_errors(400, 401, 403, 409, 422, 503),
                    },
                }
            },
            "/v1/contacts/{number}/opt-in": {
                "post": {
                    "summary": "Record an opt-in, with its evidence",
                    "security": _BEARER,
                    "parameters": [_NUMBER],
                    "requestBody": _json_body("OptIn"),
                    "responses": {
                        "201": _resp("the event"),
                        **_errors(400, 401, 403, 409, 422, 503),
                    },
                }
            },
            "/v1/consents": {
                "post": {
                    "summary": "Record a consent (idempotent with Idempotency-Key)",
                    "security": _BEARER,
                    "requestBody": _json_body("Consent"),
                    "responses": {
                        "201": _resp("the event"),
                        "200": _resp("a replay of an earlier request"),
                        **_errors(400, 401, 403, 409, 422, 503),
                    },
                }
            },
            "/v1/eligibility": {
                "post": {
                    "summary": "May this category be sent to these recipients now, and why not",
                    "description": (
                        "JSON: up to 10,000 recipients in the body, answered in one piece. "
                        "CSV (text/csv: one recipient per line, an optional `phone` header) "
                        'and NDJSON (application/x-ndjson: `{"recipient": "..."}` per line) '
                        "stream lists of any length: `category` and `phone_number_id` go "
                        "in the query, and each line gets a result line, in order. A "
                        "recipient may be `sha256:<hex>`, the SHA-256 of the E.164 number "
                        "(its `phone` is then null). A line that cannot be read gets the "
                        "reason `invalid_line` (NDJSON adds `line` and `error`)."
                    ),
                    "security": _BEARER,
                    "parameters": [
                        {
                            "name": "category",
                            "in": "query",
                            "description": "required for CSV and NDJSON",
                            "schema": {"type": "string", "enum": ["marketing", "utility"]},
                        },
                        {
                            "name": "phone_number_id",
                            "in": "query",
                            "description": "the business number you will send from (streams)",
                            "schema": {"type": "string", "maxLength": 64},
                        },
                        {
                            "name": "template",
                            "in": "query",
                            "description": "the template of the send, name or name/language "
                            "(streams); a paused number or template answers `sender_paused`",
                            "schema": {"type": "string", "maxLength": 600},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/EligibilityRequest"}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "one result per recipient, in order",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/csv": {"schema": {"type": "string"}},
                                "application/x-ndjson": {"schema": {"type": "string"}},
                            },
                        },
                        **_errors(400, 401, 403, 415, 422, 503),
                    },
                }
            },
            "/v1/review": {
                "get": {
                    "summary": "Open review items (unclear messages, complaints), newest first",
                    "security": _BEARER,
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "before", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": _resp("items and the next page's `before`"),
                        **_errors(400, 401, 403, 503),
                    },
                }
            },
            "/v1/review/{item_id}": {
                "post": {
                    "summary": "Resolve a review item as an opt-out, an opt-in or nothing",
                    "security": _BEARER,
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "requestBody": _json_body("Resolution"),
                    "responses": {
                        "201": _resp("the resolution event"),
                        "200": _resp("the same resolution, made before"),
                        **_errors(400, 401, 403, 404, 409, 415, 422, 503),
                    },
                }
            },
            "/v1/complaints": {
                "get": {
                    "summary": "Complaints per business number over the last `days` (default 7)",
                    "security": _BEARER,
                    "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": _resp("counts per number"), **_errors(400, 401, 403, 503)},
                }
            },
            "/v1/senders": {
                "get": {
                    "summary": "Business numbers and templates: health, reasons and history",
                    "security": _BEARER,
                    "parameters": [
                        {
                            "name": "phone_number_id",
                            "in": "query",
                            "description": "a number to include even if not seen yet",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _resp("numbers and templates"),
                        **_errors(400, 401, 403, 503),
                    },
                }
            },
            "/v1/senders/resume": {
                "post": {
                    "summary": "Resume a paused number or template by hand, with a reason (admin)",
                    "security": _BEARER,
                    "requestBody": _json_body("SenderResume"),
                    "responses": {
                        "201": _resp("the resume event and the state after it"),
                        **_errors(400, 401, 403, 409, 415, 422, 503),
                    },
                }
            },
            **_subscription_paths(),
            **_suppression_paths(),
            "/v1/replies/dead": {
                "get": {
                    "summary": "Replies to customers that failed for good, newest first",
                    "security": _BEARER,
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "before", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": _resp("the items"), **_errors(400, 401, 403)},
                }
            },
            "/v1/replies/{reply_id}/retry": {
                "post": {
                    "summary": "Send a dead reply again (only inside the customer-service window)",
                    "security": _BEARER,
                    "parameters": [
                        {
                            "name": "reply_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _resp("the reply, pending again"),
                        **_errors(401, 403, 404, 409),
                    },
                }
            },
            "/v1/admin/quarantine": {
                "get": {
                    "summary": "Signed deliveries that could not be read, newest first",
                    "security": _BEARER,
                    "responses": {"200": _resp("the items"), **_errors(400, 401, 403)},
                }
            },
            "/healthz": {
                "get": {"summary": "The process is alive", "responses": {"200": _resp("ok")}}
            },
            "/readyz": {
                "get": {
                    "summary": "Storage is reachable",
                    "responses": {"200": _resp("ready"), **_errors(503)},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "text"}},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": _resp("OpenAPI")}}
            },
        },
    }


_SUBSCRIPTION_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _suppression_paths() -> dict[str, Any]:
    def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema}

    return {
        "/v1/suppressions": {
            "get": {
                "summary": "Subjects whose eligibility changed after `since`, streamed",
                "security": _BEARER,
                "parameters": [
                    query("format", {"type": "string", "enum": ["ndjson", "csv"]}),
                    query("since", {"type": "string"}),
                    query("limit", {"type": "integer", "minimum": 1}),
                    query("hash", {"type": "string", "enum": ["sha256", "hmac"]}),
                ],
                "responses": {
                    "200": _resp("one line per subject; X-Consentbot-Cursor resumes after them"),
                    **_errors(400, 401, 403, 503),
                },
            }
        },
        "/v1/suppressions/key": {
            "get": {
                "summary": "The caller's key for `hash=hmac`",
                "security": _BEARER,
                "responses": {"200": _resp("the key, hex"), **_errors(401, 403, 503)},
            }
        },
    }


def _subscription_paths() -> dict[str, Any]:
    return {
        "/v1/subscriptions": {
            "post": {
                "summary": "Register a webhook for every change of eligibility (signed, in order)",
                "security": _BEARER,
                "requestBody": _json_body("Subscription"),
                "responses": {
                    "201": _resp("the subscription, with its secret (shown only here)"),
                    **_errors(400, 401, 403, 415, 422, 503),
                },
            },
            "get": {
                "summary": "Subscriptions, how far each has got (`lag`) and its last error",
                "security": _BEARER,
                "responses": {"200": _resp("the subscriptions"), **_errors(401, 403, 503)},
            },
        },
        "/v1/subscriptions/{id}": {
            "get": {
                "summary": "One subscription (never its secret)",
                "security": _BEARER,
                "parameters": [_SUBSCRIPTION_ID],
                "responses": {"200": _resp("the subscription"), **_errors(401, 403, 404, 503)},
            },
            "delete": {
                "summary": "Delete a subscription: nothing more is delivered to it",
                "security": _BEARER,
                "parameters": [_SUBSCRIPTION_ID],
                "responses": {"204": _resp("deleted"), **_errors(401, 403, 404, 503)},
            },
        },
        "/v1/subscriptions/{id}/deliveries": {
            "get": {
                "summary": "A subscription's delivery log, newest first",
                "security": _BEARER,
                "parameters": [
                    _SUBSCRIPTION_ID,
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "before", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": _resp("attempts and the next page's `before`"),
                    **_errors(400, 401, 403, 404, 503),
                },
            }
        },
    }
