"""The OpenAPI 3.1 document of ``rankcore serve``, served at ``GET /openapi.json``.

A plain dict: every route the server answers (the four vendor routes of
:data:`rankcore.api.router.ROUTES`, Rehook's also without a campaign id, and ``/healthz``,
``/readyz``, ``/metrics``, ``/openapi.json``), with the query parameters, headers and bodies
the endpoints read (types, defaults and caps as ``docs/api.md`` states them) and, for each
status a route answers, a JSON Schema of the vendor's exact shape as the writers in
:mod:`rankcore.api.capillary` and :mod:`rankcore.api.rehook` build it
(``additionalProperties: false`` wherever the shape is fixed).

What no operation can answer is under ``components/responses``: the 404 of a path no route
matches and the 405 of a routed path asked with another method, in each family's shape.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Final

from rankcore.api import capillary

__all__ = ["document", "document_json"]

Schema = dict[str, Any]

_JSON: Final = "application/json"
_METRICS_TYPE: Final = "text/plain"
_TIME_CAPILLARY: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\S*$"
_TIME_REHOOK: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
_REQUEST_ID: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_PROFILE_FIELDS: Final = (
    "birthday",
    "gender",
    "mobile",
    "last_name",
    "first_name",
    "anniversary",
    "email",
)


def _object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """A fixed-shape object: ``required`` defaults to every property."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_INT: Final[Schema] = {"type": "integer"}
_NUMBER: Final[Schema] = {"type": "number"}
_STRING: Final[Schema] = {"type": "string"}
_NULL: Final[Schema] = {"type": "null"}


def _schemas() -> dict[str, Schema]:
    """``components/schemas``: each shape once."""
    warning = _object({"code": _NULL, "message": _STRING})
    error_item = _object({"code": _INT, "message": _STRING})
    ranking = _object(
        {
            "rank": {"type": "integer", "minimum": 1},
            "userId": _INT,
            "achievedValue": _NUMBER,
            "lastActivityTime": {"type": ["string", "null"], "pattern": _TIME_CAPILLARY},
            "userEnrichmentDetails": _object({name: _STRING for name in _PROFILE_FIELDS}),
        }
    )
    board = _object(
        {
            "lastSyncTime": {"type": "string", "pattern": _TIME_CAPILLARY},
            "targetGroupId": _INT,
            "targetGroupName": _STRING,
            "periodId": _INT,
            "periodRefCode": _STRING,
            "targetRuleId": _INT,
            "targetRuleName": _STRING,
            "rankings": {"type": "array", "items": _ref("CapillaryRanking")},
        }
    )
    leaderboard = _object(
        {
            "pagination": _object(
                {
                    "limit": {"type": "integer", "minimum": 1, "maximum": capillary.MAX_PAGE_SIZE},
                    "offset": {"type": "integer", "minimum": 0},
                    "total": {"type": "integer", "minimum": 0},
                }
            ),
            "data": _ref("CapillaryTargetLeaderboard"),
            "errors": {"type": "array", "maxItems": 0},
            "warnings": {"type": "array", "items": _ref("CapillaryWarning"), "maxItems": 2},
        }
    )
    # A refusal: the leaderboard's own keeps "pagination": null; the router's and the
    # server's answers (404, 405, 401, 413, a body that is not JSON) have no pagination.
    capillary_error = _object(
        {
            "pagination": _NULL,
            "data": _NULL,
            "errors": {
                "type": "array",
                "items": _ref("CapillaryErrorItem"),
                "minItems": 1,
                "maxItems": 1,
            },
            "warnings": {
                "type": ["array", "null"],
                "items": _ref("CapillaryWarning"),
                "maxItems": 2,
            },
        },
        required=["data", "errors", "warnings"],
    )
    enrolled = _object({"data": _INT, "errors": _NULL, "warnings": _NULL})
    badge = _object(
        {
            "id": _STRING,
            "orgId": _INT,
            "name": _STRING,
            "rank": {"type": ["integer", "null"]},
            "createdBy": _INT,
            "createdOn": _NUMBER,
            "lastUpdatedBy": _INT,
            "lastUpdatedOn": _NUMBER,
            "isActive": {"type": "boolean"},
        }
    )
    badge_created = _object(
        {
            "data": _ref("CapillaryBadgeGroup"),
            "errors": {"type": "array", "maxItems": 0},
            "warnings": {"type": "array", "maxItems": 0},
        }
    )
    bracket = _object(
        {
            "position": _STRING,
            "reward_value": _STRING,
            "is_minimum_value": {"const": True},
            "value": _NUMBER,
        },
        required=["position", "reward_value"],
    )
    interval = _object(
        {
            "recurrence_type": _STRING,
            "recurrence_type_value": _INT,
            "activity_id": _STRING,
            "start_date_time": {"type": "string", "pattern": _TIME_REHOOK},
            "end_date_time": {"type": "string", "pattern": _TIME_REHOOK},
            "status": _STRING,
        }
    )
    entry = _object(
        {
            "source_id": _STRING,
            "rank": {"type": "integer", "minimum": 1},
            "points": _NUMBER,
            "reward": _STRING,
        }
    )
    my_rank = {
        "oneOf": [
            _object({"reward": {"const": ""}}),
            _ref("RehookEntry"),
            _object(
                {
                    "source_id": _STRING,
                    "rank": _NULL,
                    "points": {"const": 0},
                    "reward": {"const": "0"},
                }
            ),
        ]
    }
    rehook_board = _object(
        {
            "number_of_participants": {"type": "integer", "minimum": 0},
            "leaderboard_reward_given": {"type": "boolean"},
            "page": {"type": "integer", "minimum": 1},
            "reward_brackets": {"type": ["array", "null"], "items": _ref("RehookBracket")},
            "past_leaderboard_intervals": {
                "type": ["array", "null"],
                "items": _ref("RehookInterval"),
            },
            "my_rank": _ref("RehookMyRank"),
            "leaderboard": {"type": ["array", "null"], "items": _ref("RehookEntry")},
        }
    )
    rehook_error = _object(
        {
            "code": _INT,
            "key": _STRING,
            "message": _STRING,
            "details": {"type": "string", "maxLength": 501},
            "request_id": {"type": "string", "pattern": _REQUEST_ID},
        }
    )
    return {
        "CapillaryWarning": warning,
        "CapillaryErrorItem": error_item,
        "CapillaryError": capillary_error,
        "CapillaryRanking": ranking,
        "CapillaryTargetLeaderboard": board,
        "CapillaryLeaderboardResponse": leaderboard,
        "CapillaryEnrollResponse": enrolled,
        "CapillaryBadgeGroup": badge,
        "CapillaryBadgeGroupResponse": badge_created,
        "RehookBracket": bracket,
        "RehookInterval": interval,
        "RehookEntry": entry,
        "RehookMyRank": my_rank,
        "RehookLeaderboardResponse": rehook_board,
        "RehookError": rehook_error,
        "Health": _object({"status": {"const": "ok"}}),
        "Ready": _object({"status": {"const": "ready"}}),
        "Unavailable": _object({"status": {"const": "unavailable"}, "detail": _STRING}),
    }


# -- error answers, status by status ---------------------------------------------------------

_CAPILLARY_FIXED: Final = {
    401: "Unauthorized",
    404: "Resource not found",
    405: "Method not allowed",
    413: "Payload too large",
    503: capillary.UNAVAILABLE[1],
}
_REHOOK_KEYS: Final = {
    400: ("bad_request", "bad request"),
    401: ("unauthorized", "Unauthorized"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Payload too large"),
    503: ("service_unavailable", "Service unavailable"),
}
_DESCRIPTIONS: Final = {
    200: "OK",
    400: "Invalid input",
    401: "No valid HTTP Basic credentials (with WWW-Authenticate)",
    404: "Not found",
    405: "Method not allowed",
    413: "The body is over the server's cap (1 MiB by default)",
    503: "The engine cannot answer (its journal failed or was closed)",
}


def _capillary_error(status: int) -> Schema:
    """Capillary's envelope for ``status``: its one error's code and message are fixed but
    for 400 (300004 "Invalid input", or a domain refusal's code)."""
    if status == 400:
        return _ref("CapillaryError")
    item = {"code": {"const": status}, "message": {"const": _CAPILLARY_FIXED[status]}}
    return {
        "allOf": [
            _ref("CapillaryError"),
            {"properties": {"errors": {"items": {"properties": item}}}},
        ]
    }


def _rehook_error(status: int) -> Schema:
    key, message = _REHOOK_KEYS[status]
    fixed = {"code": {"const": status}, "key": {"const": key}, "message": {"const": message}}
    return {"allOf": [_ref("RehookError"), {"properties": fixed}]}


def _json_response(status: int, schema: Schema) -> Schema:
    answer: Schema = {
        "description": _DESCRIPTIONS.get(status, "OK"),
        "content": {_JSON: {"schema": schema}},
    }
    if status == 401:
        answer["headers"] = {
            "WWW-Authenticate": {"schema": {"const": 'Basic realm="rankcore"'}, "required": True}
        }
    return answer


def _errors(family: str, statuses: tuple[int, ...]) -> dict[str, Schema]:
    write = _capillary_error if family == "capillary" else _rehook_error
    return {str(status): _json_response(status, write(status)) for status in statuses}


# -- parameters -------------------------------------------------------------------------------


def _param(where: str, name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


def _path_int(name: str) -> Schema:
    return _param(
        "path", name, {"type": "integer", "format": "int64"}, f"The {name}.", required=True
    )


_SCOPE_HEADERS: Final = [
    _param(
        "header",
        "DATA-SCOPE",
        {"type": "string", "enum": ["SELF", "OTHER", "ALL"], "default": "SELF"},
        "Which orgs the request reaches: the acting org (SELF), connected orgs (OTHER), "
        "both (ALL).",
    ),
    _param(
        "header",
        "DATA-SCOPE-ORG",
        {"type": "string", "pattern": r"^\[?[0-9]{1,9}(,[0-9]{1,9})*\]?$"},
        "Org ids separated by commas, optionally in brackets: 50157,50158 or [50157].",
    ),
]


def _capillary_leaderboard() -> Schema:
    size = capillary.MAX_PAGE_SIZE
    return {
        "get": {
            "operationId": "capillaryTargetLeaderboard",
            "summary": "Capillary target leaderboard",
            "tags": ["capillary"],
            "parameters": [
                _path_int("targetGroup"),
                _param("query", "targetId", {"type": "integer"}, "The target.", required=True),
                _param(
                    "query",
                    "periodId",
                    {"type": "integer"},
                    "The period; default: the target group's current period.",
                ),
                _param(
                    "query",
                    "pageSize",
                    {"type": "integer", "minimum": 1, "default": capillary.DEFAULT_PAGE_SIZE},
                    f"Rankings a page; above {size} it is capped to {size} with a warning.",
                ),
                _param(
                    "query",
                    "pageOffset",
                    {"type": "integer", "default": 0},
                    "A page number from 0; a negative one becomes 0 with a warning.",
                ),
                _param(
                    "query",
                    "pageLimit",
                    {"type": "integer", "minimum": 1, "default": 1},
                    f"Pages; capped at {capillary.MAX_PAGE_LIMIT} without a warning.",
                ),
                *_SCOPE_HEADERS,
            ],
            "responses": {
                "200": _json_response(200, _ref("CapillaryLeaderboardResponse")),
                **_errors("capillary", (400, 401, 413, 503)),
            },
        }
    }


def _capillary_enroll() -> Schema:
    record = {
        "type": "object",
        "properties": {
            "customerId": {"type": "integer", "format": "int64"},
            "periodName": {"type": ["string", "null"]},
            "initialBalance": {"type": ["integer", "null"], "format": "int64"},
            "resetStreakStatus": {"type": ["boolean", "null"]},
        },
        "required": ["customerId"],
    }
    return {
        "post": {
            "operationId": "capillaryEnroll",
            "summary": "Capillary enroll or re-enroll a customer for a target",
            "tags": ["capillary"],
            "parameters": [_path_int("targetGroupId"), _path_int("targetId"), *_SCOPE_HEADERS],
            "requestBody": {
                "required": True,
                "content": {
                    _JSON: {
                        "schema": {"type": "array", "items": record, "minItems": 1, "maxItems": 1}
                    }
                },
            },
            "responses": {
                "200": _json_response(200, _ref("CapillaryEnrollResponse")),
                **_errors("capillary", (400, 401, 413, 503)),
            },
        }
    }


def _capillary_badge_group() -> Schema:
    body = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "rank": {"type": "integer", "format": "int64"}},
        "required": ["name"],
    }
    return {
        "post": {
            "operationId": "capillaryCreateBadgeGroup",
            "summary": "Capillary create badge group (rank is mandatory: 732 without it)",
            "tags": ["capillary"],
            "parameters": list(_SCOPE_HEADERS),
            "requestBody": {"required": True, "content": {_JSON: {"schema": body}}},
            "responses": {
                "200": _json_response(200, _ref("CapillaryBadgeGroupResponse")),
                **_errors("capillary", (400, 401, 413, 503)),
            },
        }
    }


def _rehook_leaderboard(with_id: bool) -> Schema:
    parameters = [
        _param("query", "source_id", _STRING, "A participant; an empty value counts as absent."),
        _param("query", "activity_id", _STRING, "An interval; an empty value counts as absent."),
        _param(
            "query",
            "page",
            {"type": "integer", "minimum": 1, "maximum": 999_999_999, "default": 1},
            "A page of 20 entries, from 1.",
        ),
    ]
    if with_id:
        parameters.insert(0, _param("path", "campaign_id", _STRING, "The campaign.", required=True))
    return {
        "get": {
            "operationId": "rehookLeaderboard" if with_id else "rehookLeaderboardWithoutId",
            "summary": "Rehook leaderboard campaign standings"
            + ("" if with_id else " (no campaign id: the unknown campaign's answer)"),
            "tags": ["rehook"],
            "parameters": parameters,
            "responses": {
                "200": _json_response(200, _ref("RehookLeaderboardResponse")),
                **_errors("rehook", (400, 401, 404, 413, 503)),
            },
        }
    }


def _lifecycle(operation: str, summary: str, responses: dict[str, Schema]) -> Schema:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "tags": ["lifecycle"],
            "security": [],
            "responses": responses,
        }
    }


def _build() -> dict[str, Any]:
    unavailable = {
        "description": "Not ready: the engine's journal or log failed, or it was closed",
        "content": {_JSON: {"schema": _ref("Unavailable")}},
    }
    paths = {
        "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/{targetGroup}": (
            _capillary_leaderboard()
        ),
        "/v3.1/targetGroups/{targetGroupId}/targets/{targetId}/enroll": _capillary_enroll(),
        "/api_gateway/v1/badges/group": _capillary_badge_group(),
        "/campaigns/leaderboards/{campaign_id}": _rehook_leaderboard(True),
        "/campaigns/leaderboards": _rehook_leaderboard(False),
        "/healthz": _lifecycle("healthz", "Liveness", {"200": _json_response(200, _ref("Health"))}),
        "/readyz": _lifecycle(
            "readyz",
            "Readiness",
            {"200": _json_response(200, _ref("Ready")), "503": unavailable},
        ),
        "/metrics": _lifecycle(
            "metrics",
            "Prometheus metrics (text exposition format)",
            {"200": {"description": "OK", "content": {_METRICS_TYPE: {"schema": _STRING}}}},
        ),
        "/openapi.json": _lifecycle(
            "openapi",
            "This document",
            {"200": _json_response(200, {"type": "object"})},
        ),
    }
    not_routed = "A path no route matches, in the family of its first segment"
    other_method = "A routed path asked with another method than its route's"
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "rankcore",
            "version": "0.1.0",
            "description": (
                "Capillary (paths under /api_gateway/ and /v3.1/) and Rehook endpoints "
                "answered in the vendors' exact shapes. Every vendor route needs HTTP Basic "
                "credentials; /healthz, /readyz, /metrics and /openapi.json do not."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}],
        "tags": [{"name": "capillary"}, {"name": "rehook"}, {"name": "lifecycle"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
            "schemas": _schemas(),
            "responses": {
                "CapillaryNotFound": {
                    **_json_response(404, _capillary_error(404)),
                    "description": not_routed,
                },
                "CapillaryMethodNotAllowed": {
                    **_json_response(405, _capillary_error(405)),
                    "description": other_method,
                },
                "RehookNotFound": {
                    **_json_response(404, _rehook_error(404)),
                    "description": not_routed,
                },
                "RehookMethodNotAllowed": {
                    **_json_response(405, _rehook_error(405)),
                    "description": other_method,
                },
            },
        },
    }


_DOCUMENT: Final = _build()
_TEXT: Final = json.dumps(_DOCUMENT, ensure_ascii=False).encode("utf-8")


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, a fresh deep copy (callers may change it)."""
    return copy.deepcopy(_DOCUMENT)


def document_json() -> bytes:
    """The document as UTF-8 JSON, as ``GET /openapi.json`` sends it (built once)."""
    return _TEXT
