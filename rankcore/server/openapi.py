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
    409: "It exists already",
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


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, a fresh deep copy (callers may change it)."""
    return copy.deepcopy(_DOCUMENT)


def document_json() -> bytes:
    """The document as UTF-8 JSON, as ``GET /openapi.json`` sends it (built once)."""
    return _TEXT


# -- the routes added since: Capillary reads and unenroll, Rehook events, the native API -------

_NULLABLE_INT: Final[Schema] = {"type": ["integer", "null"]}
_NULLABLE_STRING: Final[Schema] = {"type": ["string", "null"]}
_BOOL: Final[Schema] = {"type": "boolean"}
_ISO_SECONDS: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_DATE: Final = r"^\d{4}-\d{2}-\d{2}$"


def _envelope(data: Schema, empty: Schema) -> Schema:
    return _object({"data": data, "errors": empty, "warnings": empty})


_EMPTY_LIST: Final[Schema] = {"type": "array", "maxItems": 0}


def _more_schemas() -> dict[str, Schema]:
    badge = _object(
        {
            "id": _STRING,
            "orgId": _INT,
            "name": _STRING,
            "rank": _INT,
            "createdBy": _INT,
            "createdOn": _NUMBER,
            "createdOnISO": {"type": "string", "pattern": _ISO_SECONDS},
            "lastUpdatedBy": _INT,
            "lastUpdatedOn": _NUMBER,
            "lastUpdatedOnISO": {"type": "string", "pattern": _ISO_SECONDS},
            "isActive": _BOOL,
        }
    )
    period = _object(
        {
            "id": _INT,
            "startDate": {"type": "string", "pattern": _DATE},
            "endDate": {"type": "string", "pattern": _DATE},
            "refCode": _STRING,
            "name": _STRING,
            "periodStatus": {"enum": ["UPCOMING", "ACTIVE", "ENDED"]},
            "targetGroupId": _INT,
            "description": _STRING,
            "active": _BOOL,
        }
    )
    group = _object(
        {
            "id": _INT,
            "orgId": _INT,
            "name": _STRING,
            "description": _STRING,
            "active": _BOOL,
            "leaderboardEnabled": _BOOL,
            "periods": {"type": "array", "items": _ref("CapillaryTargetPeriod")},
        },
        required=["id", "orgId", "name", "description", "active", "leaderboardEnabled"],
    )
    target = _object(
        {
            "id": _INT,
            "name": _STRING,
            "targetGroupId": _INT,
            "type": {"enum": ["MILESTONE", "STREAK"]},
            "metric": _STRING,
            "value": _NUMBER,
            "streakLength": _NULLABLE_INT,
            "leaderboardEnabled": _BOOL,
            "enrollment": {"enum": ["auto", "explicit"]},
            "active": _BOOL,
        }
    )
    user_ranking = _object(
        {
            "orgId": _INT,
            "targetGroupId": _INT,
            "targetGroupName": _STRING,
            "periodId": _INT,
            "periodRefCode": _STRING,
            "targetRuleId": _INT,
            "targetRuleName": _STRING,
            "rank": {"type": "integer", "minimum": 1},
            "achievedValue": _NUMBER,
            "lastActivityTime": {"type": ["string", "null"], "pattern": _TIME_CAPILLARY},
        }
    )
    user_board = _object(
        {
            "lastSyncTime": {"type": "string", "pattern": _TIME_CAPILLARY},
            "userId": _INT,
            "rankings": {"type": "array", "items": _ref("CapillaryUserRanking"), "maxItems": 25},
        }
    )
    awarded = _object(
        {"campaign_id": _STRING, "activity_id": _NULLABLE_STRING, "points": _NUMBER,
         "duplicate": _BOOL}
    )  # fmt: skip
    invoked = _object(
        {
            "status": {"const": "success"},
            "event_name": _STRING,
            "source_id": _STRING,
            "leaderboards": {"type": "array", "items": _ref("RehookAwarded")},
        }
    )
    meta = _object(
        {
            "campaign_id": _STRING,
            "campaign_type": {"const": "leaderboard"},
            "id": {"const": ""},
            "campaign_status": {"enum": ["active", "inactive"]},
        }
    )
    return {
        "CapillaryBadgeGroupRead": badge,
        "CapillaryBadgeGroupsResponse": _envelope(
            _object({"badgeGroups": {"type": "array", "items": _ref("CapillaryBadgeGroupRead")}}),
            _NULL,
        ),
        "CapillaryBadgeGroupReadResponse": _envelope(_ref("CapillaryBadgeGroupRead"), _NULL),
        "CapillaryTargetPeriod": period,
        "CapillaryTargetGroup": group,
        "CapillaryTarget": target,
        "CapillaryUserRanking": user_ranking,
        "CapillaryUserLeaderboardResponse": _envelope(user_board, _EMPTY_LIST),
        "RehookAwarded": awarded,
        "RehookInvokeResponse": invoked,
        "RehookCampaignMetadata": meta,
        **_native_schemas(),
    }


def _native_schemas() -> dict[str, Schema]:
    time = {"type": "string", "format": "date-time"}
    profile = {name: _NULLABLE_STRING for name in _PROFILE_FIELDS}
    return {
        "NativeError": _object(
            {"error": _object({"type": _STRING, "message": {"type": "string", "maxLength": 501}})}
        ),
        "NativeOrg": _object(
            {
                "id": _INT,
                "timezone": _STRING,
                "leaderboards": _BOOL,
                "connected": {"type": "array", "items": _INT},
            }
        ),
        "NativeCustomer": _object({"org": _INT, "id": _INT, **profile}),
        "NativeTargetGroup": _object(
            {"org": _INT, "id": _INT, "name": _STRING, "active": _BOOL, "leaderboard": _BOOL}
        ),
        "NativePeriod": _object(
            {
                "id": _INT,
                "target_group": _INT,
                "ref_code": _STRING,
                "name": _STRING,
                "start": time,
                "end": time,
            }
        ),
        "NativeTarget": _object(
            {
                "id": _INT,
                "target_group": _INT,
                "name": _STRING,
                "type": {"enum": ["MILESTONE", "STREAK"]},
                "metric": _STRING,
                "value": _NUMBER,
                "streak_length": _NULLABLE_INT,
                "leaderboard": _BOOL,
                "ties": _STRING,
                "order": {"enum": ["desc", "asc"]},
                "enrollment": {"enum": ["auto", "explicit"]},
            }
        ),
        "NativeCampaign": _object(
            {
                "org": _INT,
                "id": _STRING,
                "recurrence": _STRING,
                "start": time,
                "end": time,
                "reward_brackets": {
                    "type": "array",
                    "items": _object(
                        {
                            "position": _STRING,
                            "reward_value": _STRING,
                            "min_value": {"type": ["number", "null"]},
                        }
                    ),
                },
                "order": {"enum": ["desc", "asc"]},
                "ties": _STRING,
                "retention": _NULLABLE_INT,
                "event": {
                    "oneOf": [
                        _NULL,
                        _object(
                            {
                                "name": _STRING,
                                "points": {"type": ["number", "null"]},
                                "points_field": _NULLABLE_STRING,
                            }
                        ),
                    ]
                },
            }
        ),
        "NativeActivity": _object(
            {
                "duplicate": _BOOL,
                "updates": {
                    "type": "array",
                    "items": _object(
                        {
                            "target_id": _INT,
                            "period_id": _INT,
                            "achieved_value": _NUMBER,
                            "streak_count": _NULLABLE_INT,
                        }
                    ),
                },
            }
        ),
        "NativeBadgeGroup": _object({"id": _STRING, "org": _INT, "name": _STRING, "rank": _INT}),
        **_native_board_schemas(),
    }


def _native_board_schemas() -> dict[str, Schema]:
    time = {"type": "string", "format": "date-time"}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    order = {"enum": ["desc", "asc"]}
    refusals = {
        "type": "array",
        "items": _object(
            {
                "position": {"type": "integer", "minimum": 0},
                "type": _STRING,
                "message": {"type": "string", "maxLength": 501},
            }
        ),
    }
    return {
        "NativeBoard": _object(
            {
                "org": _INT,
                "id": _STRING,
                "order": order,
                "ties": _STRING,
                "subscore": {"enum": ["desc", "asc", None]},
                "operator": {"enum": ["best", "set", "incr"]},
                "reset": _NULLABLE_STRING,
                "brackets": {
                    "type": "array",
                    "items": _object(
                        {
                            "position": _STRING,
                            "reward_value": _STRING,
                            "min_value": {"type": ["number", "null"]},
                        }
                    ),
                },
                "join_required": _BOOL,
                "capacity": _NULLABLE_INT,
                "max_submissions": _NULLABLE_INT,
                "grace": {"type": "number", "minimum": 0},
                "start": time,
                "end": nullable_time,
                "retention": _NULLABLE_INT,
                "campaign": _BOOL,
            }
        ),
        "NativeStanding": _object(
            {
                "member": _STRING,
                "rank": {"type": "integer", "minimum": 1},
                "score": _NUMBER,
                "subscore": {"type": ["number", "null"]},
                "meta": {},
                "reached_at": nullable_time,
                "submissions": _NULLABLE_INT,
            }
        ),
        "NativeBoardInterval": _object(
            {
                "activity_id": _STRING,
                "sequence": {"type": "integer", "minimum": 1},
                "start": time,
                "end": time,
                "status": {"enum": ["active", "inactive"]},
                "reward_given": _BOOL,
                "participants": _INT,
                "joined": _INT,
            }
        ),
        "NativeBoardClosed": _object(
            {
                "closed": {
                    "type": "array",
                    "items": _object(
                        {
                            "activity_id": _STRING,
                            "sequence": {"type": "integer", "minimum": 1},
                            "start": time,
                            "end": time,
                            "participants": _INT,
                            "final": _BOOL,
                            "payouts": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "member": _STRING,
                                        "rank": _INT,
                                        "points": _NUMBER,
                                        "reward": _STRING,
                                    }
                                ),
                            },
                        }
                    ),
                }
            }
        ),
        "NativeSubmitBatch": _object(
            {
                "applied": {"type": "integer", "minimum": 0},
                "standings": {
                    "type": "array",
                    "items": {"oneOf": [_NULL, _ref("NativeStanding")]},
                },
                "refusals": refusals,
            }
        ),
        "NativeActivityBatch": _object(
            {
                "results": {
                    "type": "array",
                    "items": {"oneOf": [_NULL, _ref("NativeActivity")]},
                },
                "refusals": refusals,
            }
        ),
    }


def _capillary_operation(
    method: str,
    operation: str,
    summary: str,
    parameters: list[Schema],
    ok: Schema,
    *,
    body: Schema | None = None,
    statuses: tuple[int, ...] = (400, 401, 413, 503),
) -> Schema:
    spec: Schema = {
        "operationId": operation,
        "summary": summary,
        "tags": ["capillary"],
        "parameters": [*parameters, *_SCOPE_HEADERS],
        "responses": {"200": _json_response(200, ok), **_errors("capillary", statuses)},
    }
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
    return {method: spec}


def _bool_query(name: str, description: str) -> Schema:
    return _param("query", name, {"type": "boolean", "default": False}, description)


def _capillary_more() -> tuple[dict[str, Schema], list[Schema]]:
    unenroll_record = {
        "type": "object",
        "properties": {
            "customerId": {"type": "integer", "format": "int64"},
            "periodName": {"type": ["string", "null"]},
        },
        "required": ["customerId"],
    }
    unenroll_body = {"type": "array", "items": unenroll_record, "minItems": 1, "maxItems": 1}
    group_param = _path_int("targetGroupId")
    listed = {"type": "array", "items": _ref("CapillaryTargetGroup")}
    page = [
        _param(
            "query",
            "size",
            {"type": "integer", "minimum": 1, "default": 10},
            "Badge groups a page; above 100 it is capped to 100.",
        ),
        _param(
            "query",
            "page",
            {"type": "integer", "minimum": 0, "default": 0},
            "A page number from 0.",
        ),
        _param(
            "query",
            "order",
            {"type": "string", "enum": ["ASC", "DESC"], "default": "ASC"},
            "By rank, smallest first (ASC) or largest first (DESC).",
        ),
    ]
    periods = _bool_query("includePeriods", "Include each group's periods.")
    badge_404 = {
        "404": _json_response(404, _capillary_error(404)),
    }
    by_id = _capillary_operation(
        "get",
        "capillaryBadgeGroupById",
        "Capillary badge group by id (404 for an unknown id)",
        [_param("path", "groupId", _STRING, "The badge group id.", required=True)],
        _ref("CapillaryBadgeGroupReadResponse"),
    )
    by_id["get"]["responses"].update(badge_404)
    return {
        "/v3.1/targetGroups/{targetGroupId}/targets/{targetId}/unEnroll": _capillary_operation(
            "post",
            "capillaryUnenroll",
            "Capillary unenroll a customer from a target",
            [group_param, _path_int("targetId")],
            _ref("CapillaryEnrollResponse"),
            body=unenroll_body,
        ),
        "/api_gateway/intouch-api-v3/v3.1/leaderboards/user/{userId}": _capillary_operation(
            "get",
            "capillaryUserLeaderboard",
            "Capillary user ranks across target groups (without a body: every leaderboard "
            "target in scope, at most 25; a JSON array body of up to 25 {orgId, "
            "targetGroupId, targetRuleId, periodId} picks them)",
            [_path_int("userId")],
            _ref("CapillaryUserLeaderboardResponse"),
        ),
        "/api_gateway/v1/badges/group/{groupId}": by_id,
        "/v3/targetGroups": _capillary_operation(
            "get",
            "capillaryTargetGroups",
            "Capillary target groups in scope",
            [
                _bool_query("includeOnlyActive", "Only active groups."),
                periods,
                _bool_query("includeUserCreatedTargetGroups", "Read; has no effect."),
            ],
            _envelope(listed, _EMPTY_LIST),
        ),
        "/v3/targetGroups/{targetGroupId}": _capillary_operation(
            "get",
            "capillaryTargetGroup",
            "Capillary target group by id",
            [group_param, periods],
            _envelope(_ref("CapillaryTargetGroup"), _EMPTY_LIST),
        ),
        "/v3/targetGroups/{targetGroupId}/targets": _capillary_operation(
            "get",
            "capillaryTargets",
            "Capillary targets of a target group",
            [group_param],
            _envelope({"type": "array", "items": _ref("CapillaryTarget")}, _EMPTY_LIST),
        ),
        "/v3/targetGroups/{targetGroupId}/targetPeriods": _capillary_operation(
            "get",
            "capillaryTargetPeriods",
            "Capillary periods of a target group",
            [group_param],
            _envelope({"type": "array", "items": _ref("CapillaryTargetPeriod")}, _EMPTY_LIST),
        ),
    }, page


def _rehook_more() -> dict[str, Schema]:
    body = {
        "type": "object",
        "properties": {
            "event_name": {"type": "string", "minLength": 1},
            "source_id": {"type": "string", "minLength": 1},
            "metadata": {"type": ["object", "null"]},
            "event_id": {"type": "string", "minLength": 1},
        },
        "required": ["event_name", "source_id"],
        "additionalProperties": False,
    }
    return {
        "/events/invoke": {
            "post": {
                "operationId": "rehookInvokeEvent",
                "summary": "Rehook trigger an event: points in the campaigns tracking its name",
                "tags": ["rehook"],
                "requestBody": {"required": True, "content": {_JSON: {"schema": body}}},
                "responses": {
                    "200": _json_response(200, _ref("RehookInvokeResponse")),
                    **_errors("rehook", (400, 401, 413, 503)),
                },
            }
        },
        "/campaigns/meta-data": {
            "get": {
                "operationId": "rehookCampaignMetadata",
                "summary": "Rehook campaigns' metadata",
                "tags": ["rehook"],
                "parameters": [
                    _param("query", name, _STRING, f"Filter: {name} (empty: absent).")
                    for name in ("source_id", "campaign_id", "campaign_type")
                ],
                "responses": {
                    "200": _json_response(
                        200, {"type": "array", "items": _ref("RehookCampaignMetadata")}
                    ),
                    **_errors("rehook", (400, 401, 413, 503)),
                },
            }
        },
    }


_NATIVE_STATUSES: Final = (400, 401, 404, 409, 413, 503)


def _native_operation(
    operation: str,
    summary: str,
    ok: Schema,
    *,
    status: int = 200,
    parameters: tuple[Schema, ...] = (),
    body: Schema | None = None,
) -> Schema:
    error = {"content": {_JSON: {"schema": _ref("NativeError")}}}
    spec: Schema = {
        "operationId": operation,
        "summary": summary,
        "tags": ["native"],
        "parameters": list(parameters),
        "responses": {
            str(status): _json_response(status, ok),
            **{
                str(s): {**error, "description": _DESCRIPTIONS.get(s, "Conflict")}
                for s in _NATIVE_STATUSES
            },
        },
    }
    spec["responses"]["401"]["headers"] = _json_response(401, {})["headers"]
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
    return spec


def _body_schema(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _native() -> dict[str, Schema]:
    ident = {"type": "integer", "minimum": 0, "format": "int64"}
    time = {"type": "string", "format": "date-time"}
    group = _param("path", "group", ident, "The target group id.", required=True)
    page = (
        _param("query", "offset", {"type": "integer", "minimum": 0, "default": 0}, "Skip."),
        _param(
            "query",
            "limit",
            {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "At most this many.",
        ),
    )

    activity = _body_schema(
        {"customer": ident, "metric": _STRING, "value": _NUMBER, "at": time, "event_id": _STRING},
        ["customer", "metric", "value"],
    )

    def many(name: str) -> Schema:
        return {"type": "array", "items": _ref(name)}

    p = "/rankcore/v1"
    return {
        f"{p}/orgs": {
            "post": _native_operation(
                "nativeCreateOrg",
                "Create an org: the caller's own, or one connected to it",
                _ref("NativeOrg"),
                status=201,
                body=_body_schema(
                    {
                        "id": ident,
                        "timezone": _STRING,
                        "leaderboards": _BOOL,
                        "connected": {"type": "array", "items": ident},
                    },
                    ["id"],
                ),
            ),
            "get": _native_operation(
                "nativeListOrgs", "The caller's org and its connected orgs", many("NativeOrg")
            ),
        },
        f"{p}/customers": {
            "post": _native_operation(
                "nativeCreateCustomer",
                "Register a customer",
                _ref("NativeCustomer"),
                status=201,
                body=_body_schema(
                    {"id": ident, **{name: _STRING for name in _PROFILE_FIELDS}}, ["id"]
                ),
            ),
            "get": _native_operation(
                "nativeListCustomers",
                "Customers in registration order",
                many("NativeCustomer"),
                parameters=page,
            ),
        },
        f"{p}/customers/{{customer}}": {
            "get": _native_operation(
                "nativeGetCustomer",
                "One customer",
                _ref("NativeCustomer"),
                parameters=(_param("path", "customer", ident, "The id.", required=True),),
            )
        },
        f"{p}/target-groups": {
            "post": _native_operation(
                "nativeCreateTargetGroup",
                "Create a target group",
                _ref("NativeTargetGroup"),
                status=201,
                body=_body_schema(
                    {"id": ident, "name": _STRING, "active": _BOOL, "leaderboard": _BOOL},
                    ["id", "name"],
                ),
            ),
            "get": _native_operation(
                "nativeListTargetGroups", "Target groups by id", many("NativeTargetGroup")
            ),
        },
        f"{p}/target-groups/{{group}}": {
            "get": _native_operation(
                "nativeGetTargetGroup",
                "One target group",
                _ref("NativeTargetGroup"),
                parameters=(group,),
            )
        },
        f"{p}/target-groups/{{group}}/periods": {
            "post": _native_operation(
                "nativeCreatePeriod",
                "Add a period [start, end)",
                _ref("NativePeriod"),
                status=201,
                parameters=(group,),
                body=_body_schema(
                    {"id": ident, "ref_code": _STRING, "name": _STRING, "start": time, "end": time},
                    ["id", "ref_code", "name", "start", "end"],
                ),
            ),
            "get": _native_operation(
                "nativeListPeriods",
                "Periods in time order",
                many("NativePeriod"),
                parameters=(group,),
            ),
        },
        f"{p}/target-groups/{{group}}/targets": {
            "post": _native_operation(
                "nativeCreateTarget",
                "Add a milestone or streak target",
                _ref("NativeTarget"),
                status=201,
                parameters=(group,),
                body=_body_schema(
                    {
                        "id": ident,
                        "name": _STRING,
                        "type": {"enum": ["MILESTONE", "STREAK"]},
                        "metric": _STRING,
                        "value": _NUMBER,
                        "streak_length": ident,
                        "leaderboard": _BOOL,
                        "ties": {
                            "enum": ["competition", "modified_competition", "dense", "ordinal"]
                        },
                        "order": {"enum": ["desc", "asc"]},
                        "enrollment": {"enum": ["auto", "explicit"]},
                    },
                    ["id", "name", "type", "metric", "value"],
                ),
            ),
            "get": _native_operation(
                "nativeListTargets",
                "Targets in creation order",
                many("NativeTarget"),
                parameters=(group,),
            ),
        },
        f"{p}/campaigns": {
            "post": _native_operation(
                "nativeCreateCampaign",
                "Create a leaderboard campaign, optionally tracking an event",
                _ref("NativeCampaign"),
                status=201,
                body=_body_schema(
                    {
                        "id": _STRING,
                        "recurrence": {"enum": ["daily", "weekly", "monthly", "campaign_duration"]},
                        "start": time,
                        "end": time,
                        "reward_brackets": {"type": "array", "items": {"type": "object"}},
                        "order": {"enum": ["desc", "asc"]},
                        "ties": _STRING,
                        "retention": ident,
                        "event": {"type": "object"},
                    },
                    ["recurrence", "start", "end"],
                ),
            ),
            "get": _native_operation(
                "nativeListCampaigns", "Campaigns in creation order", many("NativeCampaign")
            ),
        },
        f"{p}/campaigns/{{campaign}}": {
            "get": _native_operation(
                "nativeGetCampaign",
                "One campaign",
                _ref("NativeCampaign"),
                parameters=(_param("path", "campaign", _STRING, "The id.", required=True),),
            )
        },
        f"{p}/activities": {
            "post": _native_operation(
                "nativeRecordActivity",
                "Record an activity of a customer",
                _ref("NativeActivity"),
                body=activity,
            )
        },
        f"{p}/badge-groups": {
            "get": _native_operation(
                "nativeListBadgeGroups", "Badge groups by rank", many("NativeBadgeGroup")
            )
        },
        f"{p}/activities/batch": {
            "post": _native_operation(
                "nativeRecordActivities",
                "Record a batch of activities; refusals are reported by position",
                _ref("NativeActivityBatch"),
                body=_body_schema(
                    {"activities": {"type": "array", "items": activity}}, ["activities"]
                ),
            )
        },
        **_native_boards(page),
    }


def _native_boards(page: tuple[Schema, ...]) -> dict[str, Schema]:
    time = {"type": "string", "format": "date-time"}
    count = {"type": "integer", "minimum": 0, "maximum": 1000, "default": 5}
    board = _param(
        "path",
        "board",
        {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{1,64}$"},
        "The board id: 1 to 64 letters, digits, '_', '.' or '-'.",
        required=True,
    )
    member = _param(
        "path",
        "member",
        {"type": "string", "pattern": r"^[^/?]{1,256}$"},
        "The member (a path segment: without '/' or '?').",
        required=True,
    )
    interval = _param(
        "query", "interval", _STRING, "An interval's activity id (default: the current one)."
    )
    order = {"enum": ["desc", "asc"]}
    submission = _body_schema(
        {
            "member": _STRING,
            "score": _NUMBER,
            "subscore": _NUMBER,
            "meta": {},
            "at": time,
            "event_id": _STRING,
        },
        ["member", "score"],
    )
    standings = {"type": "array", "items": _ref("NativeStanding")}
    p = "/rankcore/v1/boards"
    return {
        p: {
            "post": _native_operation(
                "nativeCreateBoard",
                "Create a board (a tournament)",
                _ref("NativeBoard"),
                status=201,
                body=_body_schema(
                    {
                        "board_id": _STRING,
                        "order": order,
                        "ties": {
                            "enum": ["competition", "modified_competition", "dense", "ordinal"]
                        },
                        "subscore": order,
                        "operator": {"enum": ["best", "set", "incr"]},
                        "reset": _STRING,
                        "brackets": {"type": "array", "items": {"type": "object"}},
                        "join_required": _BOOL,
                        "capacity": {"type": "integer", "minimum": 1},
                        "max_submissions": {"type": "integer", "minimum": 1},
                        "grace": {"type": "number", "minimum": 0},
                        "start": time,
                        "end": time,
                        "retention": {"type": "integer", "minimum": 0},
                    },
                    ["board_id"],
                ),
            ),
            "get": _native_operation(
                "nativeListBoards",
                "Every board of the org, campaigns included, in creation order",
                {"type": "array", "items": _ref("NativeBoard")},
            ),
        },
        f"{p}/{{board}}": {
            "get": _native_operation(
                "nativeGetBoard", "One board", _ref("NativeBoard"), parameters=(board,)
            ),
            "delete": _native_operation(
                "nativeDeleteBoard",
                "Forget a board and everything it holds",
                _object({"deleted": _BOOL}),
                parameters=(board,),
            ),
        },
        f"{p}/{{board}}/submissions": {
            "post": _native_operation(
                "nativeSubmit",
                "Submit a score; answers the member's standing",
                _ref("NativeStanding"),
                parameters=(board,),
                body=submission,
            )
        },
        f"{p}/{{board}}/submissions/batch": {
            "post": _native_operation(
                "nativeSubmitMany",
                "Submit a batch of scores; refusals are reported by position",
                _ref("NativeSubmitBatch"),
                parameters=(board,),
                body=_body_schema({"entries": {"type": "array", "items": submission}}, ["entries"]),
            )
        },
        f"{p}/{{board}}/members": {
            "post": _native_operation(
                "nativeJoinBoard",
                "Join the current interval of a board that needs joining",
                _object({"member": _STRING, "joined": _BOOL}),
                parameters=(board,),
                body=_body_schema({"member": _STRING}, ["member"]),
            )
        },
        f"{p}/{{board}}/members/{{member}}": {
            "delete": _native_operation(
                "nativeRemoveMember",
                "Take a member off the board's open intervals",
                _object({"member": _STRING, "removed": _BOOL}),
                parameters=(board, member),
            )
        },
        f"{p}/{{board}}/end": {
            "post": _native_operation(
                "nativeEndBoard",
                "Close the board now; answers the closings and their payouts",
                _ref("NativeBoardClosed"),
                parameters=(board,),
            )
        },
        f"{p}/{{board}}/entries": {
            "get": _native_operation(
                "nativeBoardPage",
                "Standings in rank order, a page at a time",
                standings,
                parameters=(board, *page, interval),
            )
        },
        f"{p}/{{board}}/entries/around/{{member}}": {
            "get": _native_operation(
                "nativeBoardAround",
                "A member's standing and its neighbours",
                standings,
                parameters=(
                    board,
                    member,
                    _param("query", "before", count, "At most this many above."),
                    _param("query", "after", count, "At most this many below."),
                    interval,
                ),
            )
        },
        f"{p}/{{board}}/entries/among": {
            "get": _native_operation(
                "nativeBoardAmong",
                "The standings of some members (a friends board), in rank order",
                standings,
                parameters=(
                    board,
                    _param("query", "members", _STRING, "Members, separated by commas."),
                    interval,
                ),
            )
        },
        f"{p}/{{board}}/rank/{{member}}": {
            "get": _native_operation(
                "nativeBoardRank",
                "A member's standing (404 without a score)",
                _ref("NativeStanding"),
                parameters=(board, member, interval),
            )
        },
        f"{p}/{{board}}/intervals": {
            "get": _native_operation(
                "nativeBoardIntervals",
                "The board's retained intervals, oldest first",
                {"type": "array", "items": _ref("NativeBoardInterval")},
                parameters=(board,),
            )
        },
    }


def _extend(document: dict[str, Any]) -> dict[str, Any]:
    """Add the routes above to the document of the first four vendor routes."""
    capillary_paths, badge_page = _capillary_more()
    paths = document["paths"]
    listing = _capillary_operation(
        "get",
        "capillaryBadgeGroups",
        "Capillary badge groups, a page at a time, by rank",
        badge_page,
        _ref("CapillaryBadgeGroupsResponse"),
    )
    paths["/api_gateway/v1/badges/group"].update(listing)
    paths.update(capillary_paths)
    paths.update(_rehook_more())
    paths.update(_native())
    document["components"]["schemas"].update(_more_schemas())
    document["tags"].append({"name": "native"})
    document["components"]["responses"].update(
        {
            "NativeNotFound": {
                "description": "A path under /rankcore/ that no route matches",
                "content": {_JSON: {"schema": _ref("NativeError")}},
            },
            "NativeMethodNotAllowed": {
                "description": "A native path asked with another method than its routes'",
                "content": {_JSON: {"schema": _ref("NativeError")}},
            },
        }
    )
    document["info"]["description"] += (
        " rankcore's native JSON API is under /rankcore/v1/ (errors as"
        ' {"error": {"type", "message"}}).'
    )
    return document


_DOCUMENT: Final = _extend(_build())
_TEXT: Final = json.dumps(_DOCUMENT, ensure_ascii=False).encode("utf-8")
