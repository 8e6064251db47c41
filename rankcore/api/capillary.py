"""The three Capillary Loyalty+ endpoints: target leaderboard, enroll, badge group.

Each endpoint reads and checks the request, calls one engine method, and writes the domain
result (or the domain error, which carries Capillary's code) in Capillary's JSON shape, keys
in the order of Capillary's samples.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from rankcore.api.http import JSON, Request, Response
from rankcore.api.jsontext import ExactNumber, echo
from rankcore.api.params import BadParameter, check, json_int, org_list, path_int, query_int
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType, VendorError
from rankcore.loyalty import NOT_CAPTURED, CustomerProfile, Scope, ScopeKind
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.views import TargetLeaderboard
from rankcore.persistence.errors import JournalError

__all__ = [
    "INVALID_INPUT",
    "OFFSET_WARNING",
    "SIZE_WARNING",
    "UNAVAILABLE",
    "badge_group",
    "capillary_timestamp",
    "enroll",
    "error",
    "leaderboard",
]

INVALID_INPUT: Final = (300004, "Invalid input")
UNAVAILABLE: Final = (503, "Service unavailable")
"""A dead engine (its journal failed or was closed): status 503, with the status as code, as
rankcore's 404, 405 and 500 answers on Capillary paths do (Capillary documents no such code)."""
SIZE_WARNING: Final = "Page Size can not be more than 100, capping the page size to 100"
OFFSET_WARNING: Final = "Page offset can not be in negative, fetching the first page by default"
MAX_PAGE_SIZE: Final = 100
MAX_PAGE_LIMIT: Final = 100
DEFAULT_PAGE_SIZE: Final = 10
ERROR_STATUS: Final = 400
"""Capillary documents no HTTP status; rankcore answers every refusal with 400."""

REFUSED: Final = (VendorError, InvalidArgument, InvalidArgumentType, JournalError)
"""What an endpoint answers itself: domain refusals, bad input, a dead engine. Anything else
escaping an endpoint is a bug, which the router logs and answers with a 500."""

_LOG: Final = logging.getLogger("rankcore.api")


def capillary_time(t: datetime) -> str:
    """``2024-06-24T17:37:00.000IST``: local time in the org's zone (``t`` is already in
    it), milliseconds, then the zone's abbreviation."""
    # %-formatting measured fastest here (f-strings with format specs: about 2x slower)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s" % (  # noqa: UP031
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.microsecond // 1000,
        t.tzname() or "",
    )


def _enrichment(profile: CustomerProfile) -> JSON:
    """``userEnrichmentDetails``, in the order of Capillary's sample."""
    missing = NOT_CAPTURED
    birthday, gender, mobile = profile.birthday, profile.gender, profile.mobile
    last_name, first_name = profile.last_name, profile.first_name
    anniversary, email = profile.anniversary, profile.email
    return {
        "birthday": missing if birthday is None else birthday,
        "gender": missing if gender is None else gender,
        "mobile": missing if mobile is None else mobile,
        "last_name": missing if last_name is None else last_name,
        "first_name": missing if first_name is None else first_name,
        "anniversary": missing if anniversary is None else anniversary,
        "email": missing if email is None else email,
    }


def error(code: int, message: str, *, empty: JSON = None) -> JSON:
    """One error in Capillary's envelope. ``empty`` is what ``warnings`` holds (``[]`` or
    ``None``, as the endpoint's samples show)."""
    return {"data": None, "errors": [{"code": code, "message": message}], "warnings": empty}


def _scope(request: Request) -> Scope | int:
    """The request's data scope; the acting org's id alone stands for ``SELF``."""
    kind = ScopeKind.parse(request.headers.get("DATA-SCOPE", "").strip() or "SELF", "DATA-SCOPE")
    if kind is ScopeKind.SELF:
        return request.org
    return Scope(request.org, kind, org_list(request.headers.get("DATA-SCOPE-ORG")))


def capillary_timestamp(seconds: float) -> ExactNumber:
    """POSIX seconds as Capillary's badge groups print them: nine fractional digits,
    ``1702963230.966423000``. Engine times have microseconds, so the last three are zeros."""
    return ExactNumber(f"{seconds:.6f}000")


def _refusal(exc: Exception, warnings: JSON, *, pagination: bool = False) -> Response:
    """The endpoint's error envelope for ``exc``, one of :data:`REFUSED`. Capillary's
    invalid-input error has no room to say which value was wrong: that goes to the
    ``rankcore.api`` log at DEBUG level."""
    status = ERROR_STATUS
    if isinstance(exc, VendorError):
        code, message = exc.code, exc.message
    elif isinstance(exc, JournalError):
        code, message = UNAVAILABLE
        status = code
    else:
        code, message = INVALID_INPUT
        if _LOG.isEnabledFor(logging.DEBUG):
            _LOG.debug("invalid input: %s", echo(str(exc)))
    body = error(code, message, empty=warnings)
    if pagination:
        body = {"pagination": None, **body}
    return Response(status, body)


# -- GET .../leaderboards/targetGroups/{targetGroup} ------------------------------------------


def leaderboard(engine: Engine, request: Request, group: str) -> Response:
    """Capillary's target leaderboard (seed 000)."""
    warnings: list[JSON] = []
    try:
        check(request)
        group_id = path_int(group, "targetGroup")
        query = request.query
        target_id = query_int(query, "targetId")
        if target_id is None:
            raise BadParameter("targetId is required")
        period_id = query_int(query, "periodId")
        size = query_int(query, "pageSize", DEFAULT_PAGE_SIZE)
        offset = query_int(query, "pageOffset", 0)
        pages = query_int(query, "pageLimit", 1)
        assert size is not None and offset is not None and pages is not None
        if size < 1:
            raise BadParameter("pageSize must be at least 1")
        if pages < 1:
            raise BadParameter("pageLimit must be at least 1")
        if size > MAX_PAGE_SIZE:
            size = MAX_PAGE_SIZE
            warnings.append({"code": None, "message": SIZE_WARNING})
        if offset < 0:
            offset = 0
            warnings.append({"code": None, "message": OFFSET_WARNING})
        pages = min(pages, MAX_PAGE_LIMIT)
        board = engine.target_leaderboard(
            _scope(request),
            group_id,
            target_id,
            period_id=period_id,
            offset=offset * size,
            limit=size * pages,
        )
    except REFUSED as exc:
        return _refusal(exc, warnings, pagination=True)
    return Response(
        200,
        {
            "pagination": {"limit": size, "offset": offset, "total": board.total},
            "data": _board(board),
            "errors": [],
            "warnings": warnings,
        },
    )


def _board(board: TargetLeaderboard) -> JSON:
    return {
        "lastSyncTime": capillary_time(board.last_sync_time),
        "targetGroupId": board.target_group_id,
        "targetGroupName": board.target_group_name,
        "periodId": board.period.id,
        "periodRefCode": board.period.ref_code,
        "targetRuleId": board.target_id,
        "targetRuleName": board.target_name,
        "rankings": [
            {
                "rank": entry.rank,
                "userId": entry.customer_id,
                "achievedValue": entry.achieved_value,
                "lastActivityTime": (
                    None
                    if entry.last_activity_at is None
                    else capillary_time(entry.last_activity_at)
                ),
                "userEnrichmentDetails": _enrichment(entry.profile),
            }
            for entry in board.rankings
        ],
    }


# -- POST /v3.1/targetGroups/{targetGroupId}/targets/{targetId}/enroll -------------------------


def enroll(engine: Engine, request: Request, group: str, target: str) -> Response:
    """Capillary's enroll / re-enroll (seed 002): a JSON array of at most one record."""
    try:
        check(request)
        group_id = path_int(group, "targetGroupId")
        target_id = path_int(target, "targetId")
        body = request.body
        if not isinstance(body, list) or len(body) != 1 or not isinstance(body[0], Mapping):
            raise BadParameter("the body must be a JSON array holding one enrollment object")
        record = body[0]
        customer_id = json_int(record, "customerId", required=True)
        assert customer_id is not None
        period_name = record.get("periodName")
        if period_name is not None and not isinstance(period_name, str):
            raise BadParameter("periodName must be a string")
        balance = json_int(record, "initialBalance", required=False)
        reset = record.get("resetStreakStatus")
        if reset is not None and not isinstance(reset, bool):
            raise BadParameter("resetStreakStatus must be a boolean")
        engine.enroll(
            _scope(request),
            group_id,
            target_id,
            customer_id,
            period_name=period_name,
            initial_balance=balance,
            reset_streak=reset,
        )
    except REFUSED as exc:
        return _refusal(exc, None)
    return Response(200, {"data": customer_id, "errors": None, "warnings": None})


# -- POST /api_gateway/v1/badges/group --------------------------------------------------------


def badge_group(engine: Engine, request: Request) -> Response:
    """Capillary's create badge group (seed 003)."""
    try:
        check(request)
        body = request.body
        if not isinstance(body, Mapping):
            raise BadParameter("the body must be a JSON object with name and rank")
        name = body.get("name")
        if not isinstance(name, str):
            raise BadParameter("name must be a string")
        rank = json_int(body, "rank", required=False)
        group = engine.create_badge_group(_scope(request), name, rank, user=request.user)
    except REFUSED as exc:
        return _refusal(exc, [])
    return Response(200, {"data": _badge(group), "errors": [], "warnings": []})


def _badge(group: BadgeGroup) -> JSON:
    return {
        "id": group.id,
        "orgId": group.org,
        "name": group.name,
        "rank": group.rank,
        "createdBy": group.created_by,
        "createdOn": capillary_timestamp(group.created_on),
        "lastUpdatedBy": group.last_updated_by,
        "lastUpdatedOn": capillary_timestamp(group.last_updated_on),
        "isActive": group.active,
    }
