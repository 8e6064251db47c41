"""The Capillary Loyalty+ endpoints: leaderboards (by target, by user), enroll and
unenroll, badge groups (create, list, by id) and target group reads.

Each endpoint reads and checks the request, calls one engine method, and writes the domain
result (or the domain error, which carries Capillary's code) in Capillary's JSON shape, keys
in the order of Capillary's samples.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from rankcore.api.http import JSON, Request, Response
from rankcore.api.jsontext import ExactNumber, echo
from rankcore.api.params import BadParameter, check, json_int, org_list, path_int, query_int
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType, VendorError
from rankcore.loyalty import NOT_CAPTURED, CustomerProfile, Scope, ScopeKind
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.errors import TargetGroupNotFound
from rankcore.loyalty.periods import Period
from rankcore.loyalty.targets import Target, TargetGroup
from rankcore.loyalty.views import TargetLeaderboard
from rankcore.persistence.errors import JournalError

__all__ = [
    "BADGE_NOT_FOUND",
    "INVALID_INPUT",
    "OFFSET_WARNING",
    "SIZE_WARNING",
    "UNAVAILABLE",
    "badge_group",
    "badge_group_by_id",
    "badge_groups",
    "capillary_timestamp",
    "enroll",
    "error",
    "group_periods",
    "group_targets",
    "iso_seconds",
    "leaderboard",
    "target_group",
    "target_groups",
    "unenroll",
    "user_leaderboard",
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


def _one_record(
    request: Request, group: str, target: str, what: str
) -> tuple[int, int, Mapping[str, Any], int, str | None]:
    """The checked path ids and the one record of an enroll-style body (a JSON array of one
    object): the group and target ids, the record, its ``customerId`` and its
    ``periodName``. Raises :class:`BadParameter`. O(1)."""
    check(request)
    group_id = path_int(group, "targetGroupId")
    target_id = path_int(target, "targetId")
    body = request.body
    if not isinstance(body, list) or len(body) != 1 or not isinstance(body[0], Mapping):
        raise BadParameter(f"the body must be a JSON array holding one {what} object")
    record = body[0]
    customer_id = json_int(record, "customerId", required=True)
    assert customer_id is not None
    period_name = record.get("periodName")
    if period_name is not None and not isinstance(period_name, str):
        raise BadParameter("periodName must be a string")
    return group_id, target_id, record, customer_id, period_name


# -- POST /v3.1/targetGroups/{targetGroupId}/targets/{targetId}/enroll -------------------------


def enroll(engine: Engine, request: Request, group: str, target: str) -> Response:
    """Capillary's enroll / re-enroll (seed 002): a JSON array of at most one record."""
    try:
        group_id, target_id, record, customer_id, period_name = _one_record(
            request, group, target, "enrollment"
        )
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
    return Response(200, {"data": _badge(group), "errors": [], "warnings": []}, exact=True)


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


# -- POST /v3.1/targetGroups/{targetGroupId}/targets/{targetId}/unEnroll -----------------------


def unenroll(engine: Engine, request: Request, group: str, target: str) -> Response:
    """Capillary's unenroll: a JSON array of one record (``customerId``, and ``periodName``
    for milestones), answered in the enroll API's envelope."""
    try:
        group_id, target_id, _, customer_id, period_name = _one_record(
            request, group, target, "unenrollment"
        )
        engine.unenroll(_scope(request), group_id, target_id, customer_id, period_name=period_name)
    except REFUSED as exc:
        return _refusal(exc, None)
    return Response(200, {"data": customer_id, "errors": None, "warnings": None})


# -- GET .../leaderboards/user/{userId} --------------------------------------------------------

MAX_USER_TARGETS: Final = 25
"""At most this many (target group, target) pairs in one user-ranks request."""


def _wanted(body: JSON) -> list[tuple[int | None, int, int, int | None]] | None:
    if body is None:
        return None
    if not isinstance(body, list) or not body or len(body) > MAX_USER_TARGETS:
        raise BadParameter(f"the body must be a JSON array of 1 to {MAX_USER_TARGETS} objects")
    wanted: list[tuple[int | None, int, int, int | None]] = []
    for record in body:
        if not isinstance(record, Mapping):
            raise BadParameter("each entry of the body must be an object")
        group_id = json_int(record, "targetGroupId", required=True)
        target_id = json_int(record, "targetRuleId", required=True)
        assert group_id is not None and target_id is not None
        org = json_int(record, "orgId", required=False)
        period = json_int(record, "periodId", required=False)
        wanted.append((org, group_id, target_id, period))
    return wanted


def user_leaderboard(engine: Engine, request: Request, user: str) -> Response:
    """Capillary's user ranks across target groups: the customer's place on each target
    the body lists (up to 25), or on every leaderboard target in scope without a body."""
    try:
        check(request)
        customer_id = path_int(user, "userId")
        wanted = _wanted(request.body)
        rankings = engine.user_rankings(
            _scope(request), customer_id, wanted, limit=MAX_USER_TARGETS
        )
        org = engine.org(request.org)
        if org is None:
            raise BadParameter(f"org {request.org} is not registered")
    except REFUSED as exc:
        return _refusal(exc, [])
    changed = [r.changed_at for r in rankings if r.changed_at is not None]
    synced = max(changed) if changed else engine.now()
    data = {
        "lastSyncTime": capillary_time(synced.astimezone(org.zone)),
        "userId": customer_id,
        "rankings": [
            {
                "orgId": r.org,
                "targetGroupId": r.target_group_id,
                "targetGroupName": r.target_group_name,
                "periodId": r.period.id,
                "periodRefCode": r.period.ref_code,
                "targetRuleId": r.target_id,
                "targetRuleName": r.target_name,
                "rank": r.rank,
                "achievedValue": r.achieved_value,
                "lastActivityTime": (
                    None if r.last_activity_at is None else capillary_time(r.last_activity_at)
                ),
            }
            for r in rankings
        ],
    }
    return Response(200, {"data": data, "errors": [], "warnings": []})


# -- GET /api_gateway/v1/badges/group(/{groupId}) ---------------------------------------------

DEFAULT_BADGE_PAGE_SIZE: Final = 10
MAX_BADGE_PAGE_SIZE: Final = 100
BADGE_NOT_FOUND: Final = (404, "Resource not found")
"""An unknown badge group id: Capillary documents no code, so rankcore answers as for an
unknown path (status 404, the status as code)."""


def iso_seconds(seconds: float) -> str:
    """POSIX seconds as Capillary's ``createdOnISO``: UTC to the second, ``...Z``."""
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}Z"


def _badge_read(group: BadgeGroup) -> JSON:
    """A badge group as the GET endpoints show it: with ``createdOnISO`` and
    ``lastUpdatedOnISO`` after the timestamps they restate."""
    return {
        "id": group.id,
        "orgId": group.org,
        "name": group.name,
        "rank": group.rank,
        "createdBy": group.created_by,
        "createdOn": capillary_timestamp(group.created_on),
        "createdOnISO": iso_seconds(group.created_on),
        "lastUpdatedBy": group.last_updated_by,
        "lastUpdatedOn": capillary_timestamp(group.last_updated_on),
        "lastUpdatedOnISO": iso_seconds(group.last_updated_on),
        "isActive": group.active,
    }


def _order(request: Request) -> bool:
    """``order``: ``ASC`` (the default) or ``DESC``, any case; whether it is descending."""
    text = request.query.get("order", "").strip().upper() or "ASC"
    if text not in ("ASC", "DESC"):
        raise BadParameter("order must be ASC or DESC")
    return text == "DESC"


def badge_groups(engine: Engine, request: Request) -> Response:
    """Capillary's badge groups list: ``page`` (from 0) of ``size`` groups (default 10,
    capped at 100), by rank (``order`` ASC or DESC), then creation order."""
    try:
        check(request)
        size = query_int(request.query, "size", DEFAULT_BADGE_PAGE_SIZE)
        page = query_int(request.query, "page", 0)
        assert size is not None and page is not None
        if size < 1:
            raise BadParameter("size must be at least 1")
        if page < 0:
            raise BadParameter("page must not be negative")
        size = min(size, MAX_BADGE_PAGE_SIZE)
        descending = _order(request)
        groups = engine.badge_groups(_scope(request))
    except REFUSED as exc:
        return _refusal(exc, None)
    if descending:  # by rank, largest first; creation order kept inside a rank
        groups = sorted(groups, key=lambda g: -g.rank)
    chosen = groups[page * size : (page + 1) * size]
    body = {"badgeGroups": [_badge_read(g) for g in chosen]}
    return Response(200, {"data": body, "errors": None, "warnings": None}, exact=True)


def badge_group_by_id(engine: Engine, request: Request, group_id: str) -> Response:
    """Capillary's badge group by id (an unknown id: :data:`BADGE_NOT_FOUND`)."""
    try:
        check(request)
        group = engine.badge_group(_scope(request), group_id)
    except REFUSED as exc:
        return _refusal(exc, None)
    if group is None:
        return Response(404, error(*BADGE_NOT_FOUND, empty=None))
    body = {"data": _badge_read(group), "errors": None, "warnings": None}
    return Response(200, body, exact=True)


# -- GET /v3/targetGroups, /{id}, /{id}/targets, /{id}/targetPeriods --------------------------


def _flag(request: Request, name: str) -> bool:
    text = request.query.get(name, "").strip().lower() or "false"
    if text not in ("true", "false"):
        raise BadParameter(f"{name} must be true or false")
    return text == "true"


def _period_status(period: Period, now: datetime) -> str:
    if now < period.start:
        return "UPCOMING"
    return "ACTIVE" if now < period.end else "ENDED"


def _period(period: Period, zone: ZoneInfo, now: datetime) -> JSON:
    last = (period.end - timedelta(microseconds=1)).astimezone(zone)
    return {
        "id": period.id,
        "startDate": period.start.astimezone(zone).date().isoformat(),
        "endDate": last.date().isoformat(),
        "refCode": period.ref_code,
        "name": period.name,
        "periodStatus": _period_status(period, now),
        "targetGroupId": period.group_id,
        "description": "",
        "active": True,
    }


def _group(engine: Engine, group: TargetGroup, periods: bool) -> JSON:
    body: dict[str, JSON] = {
        "id": group.id,
        "orgId": group.org,
        "name": group.name,
        "description": "",
        "active": group.active,
        "leaderboardEnabled": group.leaderboard,
    }
    if periods:
        body["periods"] = _periods(engine, group)
    return body


def _periods(engine: Engine, group: TargetGroup) -> JSON:
    org = engine.org(group.org)
    assert org is not None
    now = engine.now()
    return [_period(p, org.zone, now) for p in engine.periods(group.org, group.id)]


def _target(target: Target) -> JSON:
    return {
        "id": target.id,
        "name": target.name,
        "targetGroupId": target.group_id,
        "type": target.type.value,
        "metric": target.metric,
        "value": target.value,
        "streakLength": target.streak_length,
        "leaderboardEnabled": target.leaderboard,
        "enrollment": target.enrollment.value,
        "active": True,
    }


def _listed(data: JSON) -> Response:
    return Response(200, {"data": data, "errors": [], "warnings": []})


def target_groups(engine: Engine, request: Request) -> Response:
    """Target groups in scope by id (``includeOnlyActive``, ``includePeriods``;
    ``includeUserCreatedTargetGroups`` is read and has no effect)."""
    try:
        check(request)
        active = _flag(request, "includeOnlyActive")
        periods = _flag(request, "includePeriods")
        _flag(request, "includeUserCreatedTargetGroups")
        groups = engine.target_groups(_scope(request))
    except REFUSED as exc:
        return _refusal(exc, [])
    return _listed([_group(engine, g, periods) for g in groups if g.active or not active])


def _one_group(engine: Engine, request: Request, group: str) -> TargetGroup:
    check(request)
    group_id = path_int(group, "targetGroupId")
    found = engine.target_group(_scope(request), group_id)
    if found is None:
        raise TargetGroupNotFound(f"no target group {group_id} in scope")
    return found


def target_group(engine: Engine, request: Request, group: str) -> Response:
    """One target group (``includePeriods``); 310017 if it is not in scope."""
    try:
        periods = _flag(request, "includePeriods")
        found = _one_group(engine, request, group)
    except REFUSED as exc:
        return _refusal(exc, [])
    return _listed(_group(engine, found, periods))


def group_targets(engine: Engine, request: Request, group: str) -> Response:
    """A target group's targets in creation order; 310017 if it is not in scope."""
    try:
        found = _one_group(engine, request, group)
        targets = engine.targets(found.org, found.id)
    except REFUSED as exc:
        return _refusal(exc, [])
    return _listed([_target(t) for t in targets])


def group_periods(engine: Engine, request: Request, group: str) -> Response:
    """A target group's periods in time order; 310017 if it is not in scope."""
    try:
        found = _one_group(engine, request, group)
        periods = _periods(engine, found)
    except REFUSED as exc:
        return _refusal(exc, [])
    return _listed(periods)
