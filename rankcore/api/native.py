"""rankcore's native JSON API under ``/rankcore/v1/``: what the vendors do in dashboards.

Create and list orgs, customers, target groups with their periods and targets, and
leaderboard campaigns (optionally tracking an event name for ``POST /events/invoke``);
record activities, one or a batch; create boards (tournaments), submit scores to them (one
or a batch), join, ban, end and delete, and read their pages, neighbourhoods, ranks and
intervals. Bodies and answers are plain JSON objects with rankcore's own field names (the
keyword arguments of the :class:`~rankcore.Engine` methods). Times are ISO 8601 with an
offset; answers give them in the owning org's zone. A batch answers by position: what was
applied, and each refused item's error; the rest of the batch is applied.

A request acts as its principal's org: everything is created in it and read from it (an org
is created only as the caller itself or connected to it). Refusals are the Python API's
errors, as ``{"error": {"type": <the exception class>, "message": <its text>}}``: 404 for
what does not exist (in the caller's reach), 409 for what exists already, 400 for anything
else the caller sent, 503 for a dead engine. Every check is made before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any, Final

from rankcore.api.http import JSON, Request, Response
from rankcore.api.jsontext import echo
from rankcore.api.params import BadParameter, check, path_int, query_int
from rankcore.campaigns import CampaignExists, CampaignInfo, CampaignNotFound, SourceNotFound
from rankcore.campaigns.errors import BoardNotFound
from rankcore.campaigns.events import IntervalClosed
from rankcore.campaigns.views import BoardInfo, BoardInterval, BoardStanding
from rankcore.commands import BatchResult, EventRule, make_event_rule
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, MemberNotFound, RankcoreError
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import PROFILE_FIELDS, Customer
from rankcore.loyalty.errors import (
    AlreadyEnrolled,
    BadgeGroupNameTaken,
    CustomerNotFound,
    TargetGroupNotFound,
    TargetNotFound,
    TargetNotInGroup,
    TargetPeriodNotFound,
    TargetPeriodNotFoundForTarget,
)
from rankcore.loyalty.periods import Period
from rankcore.loyalty.targets import Target, TargetGroup
from rankcore.loyalty.views import ActivityResult
from rankcore.persistence.errors import JournalError
from rankcore.ranking.standing import Score, Standing
from rankcore.tenancy import Org

__all__ = ["PREFIX", "ROUTES", "error", "failure"]

PREFIX: Final = "/rankcore/v1"
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000

NOT_FOUND: Final = (
    BoardNotFound,
    CampaignNotFound,
    SourceNotFound,
    MemberNotFound,
    CustomerNotFound,
    TargetGroupNotFound,
    TargetNotFound,
    TargetNotInGroup,
    TargetPeriodNotFound,
    TargetPeriodNotFoundForTarget,
)
"""Refusals answered 404."""
CONFLICT: Final = (CampaignExists, BadgeGroupNameTaken, AlreadyEnrolled)
"""Refusals answered 409."""

_ROUTER_TYPES: Final = {
    400: "InvalidArgument",
    404: "NotFound",
    405: "MethodNotAllowed",
    500: "InternalError",
    503: "Unavailable",
}


def error(status: int, kind: str, message: str) -> Response:
    """The native error body: ``{"error": {"type": kind, "message": message}}``."""
    return Response(status, {"error": {"type": kind, "message": echo(message, 500)}})


def failure(request: Request, status: int, detail: str = "") -> Response:
    """The router's own answers (404, 405, 400, 500, 503) in the native shape."""
    messages = {
        404: f"no route {echo(request.path)}",
        405: f"{echo(request.method)} is not allowed on {echo(request.path)}",
        500: "internal error",
        503: "the engine cannot answer now (its journal failed or was closed)",
    }
    return error(status, _ROUTER_TYPES[status], detail or messages.get(status, "bad request"))


def _refused(exc: Exception) -> Response:
    if isinstance(exc, JournalError):
        return failure(Request("", "", 0, 0), 503)
    status = 404 if isinstance(exc, NOT_FOUND) else 409 if isinstance(exc, CONFLICT) else 400
    return error(status, type(exc).__name__, str(exc))


def _endpoint(
    handler: Callable[..., tuple[int, JSON]],
) -> Callable[..., Response]:
    """An endpoint from ``handler(engine, request, *path) -> (status, body)``: the request
    is checked first, and every rankcore refusal becomes its native error answer."""

    def endpoint(engine: Engine, request: Request, *path: str) -> Response:
        try:
            check(request)
            status, body = handler(engine, request, *path)
        except (RankcoreError, JournalError) as exc:
            return _refused(exc)
        return Response(status, body)

    endpoint.__name__ = handler.__name__
    endpoint.__qualname__ = handler.__qualname__
    endpoint.__doc__ = handler.__doc__
    return endpoint


# -- reading bodies ---------------------------------------------------------------------------


def _body(request: Request, fields: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    body = request.body
    if not isinstance(body, Mapping):
        raise BadParameter("the body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise BadParameter(f"unknown field {echo(unknown[0])}; fields: {', '.join(fields)}")
    for name in required:
        if body.get(name) is None:
            raise BadParameter(f"{name} is required")
    return {name: body[name] for name in fields if body.get(name) is not None}


def _time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadParameter(f"{name} must be an ISO 8601 time with an offset")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name} is not an ISO 8601 time: {echo(value)}") from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise BadParameter(f"{name} must carry an offset (2024-06-01T00:00:00+05:30)")
    return t


def _page(request: Request) -> tuple[int, int]:
    offset = query_int(request.query, "offset", 0)
    limit = query_int(request.query, "limit", DEFAULT_LIMIT)
    assert offset is not None and limit is not None
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"offset must be 0 or more and limit 1 to {MAX_LIMIT}")
    return offset, limit


def _zone_of(engine: Engine, org: int) -> Org:
    found = engine.org(org)
    if found is None:
        raise InvalidArgument(f"org {org} is not registered")
    return found


# -- writing answers --------------------------------------------------------------------------


def _org(org: Org) -> JSON:
    return {
        "id": org.id,
        "timezone": org.zone.key,
        "leaderboards": org.leaderboards,
        "connected": sorted(org.connected),
    }


def _customer(customer: Customer) -> JSON:
    return {"org": customer.org, "id": customer.id, **dict(customer.profile.items())}


def _group(group: TargetGroup) -> JSON:
    return {
        "org": group.org,
        "id": group.id,
        "name": group.name,
        "active": group.active,
        "leaderboard": group.leaderboard,
    }


def _period(period: Period, org: Org) -> JSON:
    return {
        "id": period.id,
        "target_group": period.group_id,
        "ref_code": period.ref_code,
        "name": period.name,
        "start": period.start.astimezone(org.zone).isoformat(),
        "end": period.end.astimezone(org.zone).isoformat(),
    }


def _target(target: Target) -> JSON:
    return {
        "id": target.id,
        "target_group": target.group_id,
        "name": target.name,
        "type": target.type.value,
        "metric": target.metric,
        "value": target.value,
        "streak_length": target.streak_length,
        "leaderboard": target.leaderboard,
        "ties": target.ties.value,
        "order": target.order.value,
        "enrollment": target.enrollment.value,
    }


def _rule(rule: EventRule | None) -> JSON:
    if rule is None:
        return None
    return {"name": rule.event_name, "points": rule.points, "points_field": rule.points_field}


def _campaign(info: CampaignInfo, rule: EventRule | None) -> JSON:
    return {
        "org": info.org,
        "id": info.id,
        "recurrence": info.recurrence.value,
        "start": info.start.astimezone(info.zone).isoformat(),
        "end": info.end.astimezone(info.zone).isoformat(),
        "reward_brackets": [
            {"position": b.position, "reward_value": b.reward_value, "min_value": b.minimum}
            for b in info.brackets
        ],
        "order": info.order.value,
        "ties": info.ties.value,
        "retention": info.retention,
        "event": _rule(rule),
    }


def _activity(result: ActivityResult) -> JSON:
    return {
        "duplicate": result.duplicate,
        "updates": [
            {
                "target_id": u.target_id,
                "period_id": u.period_id,
                "achieved_value": u.achieved_value,
                "streak_count": u.streak_count,
            }
            for u in result.updates
        ],
    }


def _badge(group: BadgeGroup) -> JSON:
    return {"id": group.id, "org": group.org, "name": group.name, "rank": group.rank}


# -- orgs -------------------------------------------------------------------------------------


def create_org(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/orgs``: the caller's own org, or one connected to it (``connected`` must
    then hold the caller). O(connections)."""
    fields = _body(request, ("id", "timezone", "leaderboards", "connected"), ("id",))
    org_id = fields["id"]
    connected = fields.get("connected", [])
    if not isinstance(connected, list):
        raise BadParameter("connected must be a list of org ids")
    if org_id != request.org and request.org not in connected:
        raise BadParameter(f"an org other than {request.org} must be connected to it")
    org = engine.add_org(
        org_id,
        fields.get("timezone", "UTC"),
        leaderboards=fields.get("leaderboards", True),
        connected=connected,
    )
    return 201, _org(org)


def list_orgs(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/orgs``: the caller's org and the orgs connected to it, by id. O(k)."""
    own = engine.org(request.org)
    if own is None:
        return 200, []
    orgs = [own, *(o for o in map(engine.org, own.connected) if o is not None)]
    return 200, [_org(o) for o in sorted(orgs, key=lambda o: o.id)]


# -- customers --------------------------------------------------------------------------------


def create_customer(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/customers``: ``id`` and the optional profile fields. O(1)."""
    fields = _body(request, ("id", *PROFILE_FIELDS), ("id",))
    customer_id = fields.pop("id")
    return 201, _customer(engine.add_customer(request.org, customer_id, **fields))


def list_customers(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/customers?offset=&limit=``: in registration order. O(offset + limit)."""
    offset, limit = _page(request)
    return 200, [_customer(c) for c in engine.customers(request.org, offset=offset, limit=limit)]


def get_customer(engine: Engine, request: Request, customer: str) -> tuple[int, JSON]:
    """GET ``/customers/{id}``. O(1)."""
    customer_id = path_int(customer, "customer id")
    found = engine.customer(request.org, customer_id)
    if found is None:
        raise CustomerNotFound(f"customer {customer_id} does not exist in org {request.org}")
    return 200, _customer(found)


# -- target groups, periods, targets ----------------------------------------------------------


def create_target_group(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/target-groups``: ``id``, ``name``, ``active``, ``leaderboard``. O(1)."""
    fields = _body(request, ("id", "name", "active", "leaderboard"), ("id", "name"))
    group = engine.create_target_group(
        request.org,
        fields["id"],
        fields["name"],
        active=fields.get("active", True),
        leaderboard=fields.get("leaderboard", True),
    )
    return 201, _group(group)


def list_target_groups(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/target-groups``: by id. O(g log g)."""
    return 200, [_group(g) for g in engine.target_groups(request.org)]


def _group_id(engine: Engine, request: Request, group: str) -> int:
    group_id = path_int(group, "target group id")
    if engine.target_group(request.org, group_id) is None:
        raise TargetGroupNotFound(f"no target group {group_id} in org {request.org}")
    return group_id


def get_target_group(engine: Engine, request: Request, group: str) -> tuple[int, JSON]:
    """GET ``/target-groups/{id}``. O(1)."""
    found = engine.target_group(request.org, path_int(group, "target group id"))
    if found is None:
        raise TargetGroupNotFound(f"no target group {group} in org {request.org}")
    return 200, _group(found)


def create_period(engine: Engine, request: Request, group: str) -> tuple[int, JSON]:
    """POST ``/target-groups/{id}/periods``: ``id``, ``ref_code``, ``name``, ``start``,
    ``end``. O(periods of the group)."""
    group_id = _group_id(engine, request, group)
    fields = _body(request, ("id", "ref_code", "name", "start", "end"), ("id", "ref_code", "name"))
    start = _time(fields.get("start"), "start")
    end = _time(fields.get("end"), "end")
    period = engine.add_period(
        request.org,
        group_id,
        fields["id"],
        ref_code=fields["ref_code"],
        name=fields["name"],
        start=start,
        end=end,
    )
    return 201, _period(period, _zone_of(engine, request.org))


def list_periods(engine: Engine, request: Request, group: str) -> tuple[int, JSON]:
    """GET ``/target-groups/{id}/periods``: in time order. O(periods)."""
    group_id = _group_id(engine, request, group)
    org = _zone_of(engine, request.org)
    return 200, [_period(p, org) for p in engine.periods(request.org, group_id)]


_TARGET: Final = (
    "id",
    "name",
    "type",
    "metric",
    "value",
    "streak_length",
    "leaderboard",
    "ties",
    "order",
    "enrollment",
)


def create_target(engine: Engine, request: Request, group: str) -> tuple[int, JSON]:
    """POST ``/target-groups/{id}/targets``: the keyword arguments of
    :meth:`~rankcore.Engine.add_target`, and ``id``. O(1)."""
    group_id = _group_id(engine, request, group)
    fields = _body(request, _TARGET, ("id", "name", "type", "metric", "value"))
    target_id = fields.pop("id")
    return 201, _target(engine.add_target(request.org, group_id, target_id, **fields))


def list_targets(engine: Engine, request: Request, group: str) -> tuple[int, JSON]:
    """GET ``/target-groups/{id}/targets``: in creation order. O(targets)."""
    group_id = _group_id(engine, request, group)
    return 200, [_target(t) for t in engine.targets(request.org, group_id)]


# -- campaigns --------------------------------------------------------------------------------

_CAMPAIGN: Final = (
    "id",
    "recurrence",
    "start",
    "end",
    "reward_brackets",
    "order",
    "ties",
    "retention",
    "event",
)


def _event(value: object) -> tuple[str, Score | None, str | None] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) - {"name", "points", "points_field"}:
        raise BadParameter("event must be an object with name and points or points_field")
    name, points, field = value.get("name"), value.get("points"), value.get("points_field")
    if not isinstance(name, str) or not (field is None or isinstance(field, str)):
        raise BadParameter("event.name and event.points_field must be strings")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int | float)):
        raise BadParameter("event.points must be a number")
    return name, points, field


def create_campaign(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/campaigns``: a leaderboard campaign, and the event it tracks (``event``:
    ``name`` and ``points`` or ``points_field``). The event rule is checked before the
    campaign is created. O(b log b) for b brackets."""
    fields = _body(request, _CAMPAIGN, ("recurrence", "start", "end"))
    event = _event(fields.get("event"))
    if event is not None:
        make_event_rule(request.org, fields.get("id", "camp_"), *event)  # check it first
    brackets = fields.get("reward_brackets", [])
    if not isinstance(brackets, list):
        raise BadParameter("reward_brackets must be a list")
    info = engine.create_campaign(
        request.org,
        recurrence=fields["recurrence"],
        start=_time(fields["start"], "start"),
        end=_time(fields["end"], "end"),
        brackets=brackets,
        order=fields.get("order", "desc"),
        ties=fields.get("ties", "competition"),
        campaign_id=fields.get("id"),
        retention=fields.get("retention"),
    )
    rule = None
    if event is not None:
        name, points, points_field = event
        rule = engine.track_event(
            request.org, info.id, name, points=points, points_field=points_field
        )
    return 201, _campaign(info, rule)


def _rules(engine: Engine, org: int) -> dict[str, EventRule]:
    return {rule.campaign_id: rule for rule in engine.event_rules(org)}


def list_campaigns(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/campaigns``: in creation order. O(campaigns)."""
    rules = _rules(engine, request.org)
    return 200, [_campaign(c, rules.get(c.id)) for c in engine.campaigns(request.org)]


def get_campaign(engine: Engine, request: Request, campaign: str) -> tuple[int, JSON]:
    """GET ``/campaigns/{id}``. O(1)."""
    info = engine.campaign(request.org, campaign)
    if info is None:
        raise CampaignNotFound(campaign)
    return 200, _campaign(info, _rules(engine, request.org).get(info.id))


# -- activities -------------------------------------------------------------------------------


def record_activity(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/activities``: ``customer``, ``metric``, ``value``, optional ``at`` and
    ``event_id``. O(t log n) for t targets on the metric."""
    fields = _body(
        request, ("customer", "metric", "value", "at", "event_id"), ("customer", "metric")
    )
    if "value" not in fields:
        raise BadParameter("value is required")
    at = None if "at" not in fields else _time(fields["at"], "at")
    result = engine.record_activity(
        request.org,
        fields["customer"],
        fields["metric"],
        fields["value"],
        at,
        fields.get("event_id"),
    )
    return 200, _activity(result)


# -- badge groups (read) ----------------------------------------------------------------------


def list_badge_groups(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/badge-groups``: by rank, then creation order. O(g log g)."""
    return 200, [_badge(g) for g in engine.badge_groups(request.org)]


# -- batches of activities --------------------------------------------------------------------

_ACTIVITY: Final = ("customer", "metric", "value", "at", "event_id")


def _items(request: Request, key: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects of list ``key`` of the body, each with only ``fields`` and its ``at``
    read as a time; anything malformed refuses the whole request, naming the position."""
    listed = _body(request, (key,), (key,))[key]
    if not isinstance(listed, list):
        raise BadParameter(f"{key} must be a list of objects")
    items: list[dict[str, Any]] = []
    for position, item in enumerate(listed):
        if not isinstance(item, Mapping):
            raise BadParameter(f"{key}[{position}] must be an object")
        unknown = sorted(set(item) - set(fields))
        if unknown:
            raise BadParameter(f"{key}[{position}]: unknown field {echo(unknown[0])}")
        entry = {name: item[name] for name in fields if item.get(name) is not None}
        if "at" in entry:
            entry["at"] = _time(entry["at"], f"{key}[{position}].at")
        items.append(entry)
    return items


def _refusals(refusals: tuple[tuple[int, RankcoreError], ...]) -> JSON:
    return [
        {"position": position, "type": type(exc).__name__, "message": echo(str(exc), 500)}
        for position, exc in refusals
    ]


def _batch(result: BatchResult) -> JSON:
    return {
        "results": [None if r is None else _activity(r) for r in result.results],
        "refusals": _refusals(result.refusals),
    }


def record_activities(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/activities/batch``: ``{"activities": [...]}``, each with the fields of
    ``POST /activities``; answers each position's result (``null`` where refused) and the
    refusals by position. O(b t log n) for b activities and t targets on their metrics."""
    activities = _items(request, "activities", _ACTIVITY)
    for position, activity in enumerate(activities):
        if "value" not in activity:
            raise BadParameter(f"activities[{position}].value is required")
    return 200, _batch(engine.record_activities(request.org, activities))


# -- boards -----------------------------------------------------------------------------------

_BOARD: Final = (
    "board_id",
    "order",
    "ties",
    "subscore",
    "operator",
    "reset",
    "brackets",
    "join_required",
    "capacity",
    "max_submissions",
    "grace",
    "start",
    "end",
    "retention",
)
_SUBMISSION: Final = ("member", "score", "subscore", "meta", "at", "event_id")


def _when(value: datetime | None, zone: tzinfo) -> JSON:
    return None if value is None else value.astimezone(zone).isoformat()


def _board(info: BoardInfo) -> JSON:
    return {
        "org": info.org,
        "id": info.id,
        "order": info.order.value,
        "ties": info.ties.value,
        "subscore": None if info.subscore is None else info.subscore.value,
        "operator": info.operator.value,
        "reset": info.reset,
        "brackets": [
            {"position": b.position, "reward_value": b.reward_value, "min_value": b.minimum}
            for b in info.brackets
        ],
        "join_required": info.join_required,
        "capacity": info.capacity,
        "max_submissions": info.max_submissions,
        "grace": info.grace.total_seconds(),
        "start": _when(info.start, info.zone),
        "end": _when(info.end, info.zone),
        "retention": info.retention,
        "campaign": info.campaign,
    }


def _standing(standing: Standing[str] | None, zone: tzinfo) -> JSON:
    if standing is None:
        return None
    return {
        "member": standing.member,
        "rank": standing.rank,
        "score": standing.score,
        "subscore": standing.subscore,
        "meta": standing.meta,
        "reached_at": _when(standing.reached_at, zone),
        "submissions": standing.submissions if isinstance(standing, BoardStanding) else None,
    }


def _interval(interval: BoardInterval, zone: tzinfo) -> JSON:
    return {
        "activity_id": interval.activity_id,
        "sequence": interval.sequence,
        "start": _when(interval.start, zone),
        "end": _when(interval.end, zone),
        "status": interval.status.value,
        "reward_given": interval.reward_given,
        "participants": interval.participants,
        "joined": interval.joined,
    }


def _closing(closed: IntervalClosed, zone: tzinfo) -> JSON:
    return {
        "activity_id": closed.activity_id,
        "sequence": closed.sequence,
        "start": _when(closed.start, zone),
        "end": _when(closed.end, zone),
        "participants": closed.participants,
        "final": closed.final,
        "payouts": [
            {"member": p.source_id, "rank": p.rank, "points": p.points, "reward": p.reward_value}
            for p in closed.payouts
        ],
    }


def _board_of(engine: Engine, request: Request, board: str) -> BoardInfo:
    found = engine.board(request.org, board)
    if found is None:
        raise BoardNotFound(request.org, board)
    return found


def create_board(engine: Engine, request: Request) -> tuple[int, JSON]:
    """POST ``/boards``: the keyword arguments of :meth:`~rankcore.Engine.create_board` and
    ``board_id``; ``reset`` as ``Reset.parse`` reads it, ``grace`` in seconds, ``start``
    and ``end`` ISO 8601. O(b log b) for b brackets."""
    fields = _body(request, _BOARD, ("board_id",))
    board_id = fields.pop("board_id")
    for name in ("start", "end"):
        if name in fields:
            fields[name] = _time(fields[name], name)
    if "reset" in fields and not isinstance(fields["reset"], str):
        raise BadParameter("reset must be a string such as 'weekly thursday 09:00'")
    if "grace" in fields:
        grace = fields["grace"]
        if isinstance(grace, bool) or not isinstance(grace, int | float) or grace < 0:
            raise BadParameter("grace must be a number of seconds, 0 or more")
        try:
            fields["grace"] = timedelta(seconds=grace)
        except OverflowError:
            raise BadParameter("grace is out of range") from None
    if not isinstance(fields.get("brackets", []), list):
        raise BadParameter("brackets must be a list")
    return 201, _board(engine.create_board(request.org, board_id, **fields))


def list_boards(engine: Engine, request: Request) -> tuple[int, JSON]:
    """GET ``/boards``: every board of the org, campaigns included, in creation order.
    O(boards)."""
    return 200, [_board(b) for b in engine.boards(request.org)]


def get_board(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}``. O(1)."""
    return 200, _board(_board_of(engine, request, board))


def delete_board(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """DELETE ``/boards/{id}``: forget the board and everything it holds.
    O(boards + event ids)."""
    _board_of(engine, request, board)
    return 200, {"deleted": engine.delete_board(request.org, board)}


def submit(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """POST ``/boards/{id}/submissions``: ``member``, ``score`` and optional ``subscore``,
    ``meta``, ``at``, ``event_id``; answers the member's standing after it. O(log n)."""
    info = _board_of(engine, request, board)
    fields = _body(request, _SUBMISSION, ("member", "score"))
    member, score = fields.pop("member"), fields.pop("score")
    if "at" in fields:
        fields["at"] = _time(fields["at"], "at")
    return 200, _standing(engine.submit(request.org, board, member, score, **fields), info.zone)


def submit_many(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """POST ``/boards/{id}/submissions/batch``: ``{"entries": [...]}``, each with the fields
    of one submission; answers each position's standing (``null`` where refused) and the
    refusals by position, the other entries applied. O(k log n) for k entries."""
    info = _board_of(engine, request, board)
    entries = _items(request, "entries", _SUBMISSION)
    result = engine.submit_many(request.org, board, entries)
    return 200, {
        "applied": result.applied,
        "standings": [_standing(s, info.zone) for s in result.standings],
        "refusals": _refusals(result.refusals),
    }


def join(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """POST ``/boards/{id}/members``: ``member`` joins the current interval (``joined``:
    whether it was new). O(1)."""
    _board_of(engine, request, board)
    member = _body(request, ("member",), ("member",))["member"]
    return 200, {"member": member, "joined": engine.join(request.org, board, member)}


def remove(engine: Engine, request: Request, board: str, member: str) -> tuple[int, JSON]:
    """DELETE ``/boards/{id}/members/{member}``: take the member off the intervals that
    have not closed (``removed``: whether it was there). O(log n)."""
    _board_of(engine, request, board)
    return 200, {"member": member, "removed": engine.remove(request.org, board, member)}


def end_board(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """POST ``/boards/{id}/end``: close the board now; answers the intervals it closed with
    their payouts. O(log n + payouts)."""
    info = _board_of(engine, request, board)
    if request.body is not None:
        _body(request, (), ())
    closed = engine.end_board(request.org, board)
    return 200, {"closed": [_closing(c, info.zone) for c in closed]}


def _interval_query(request: Request) -> str | None:
    value = request.query.get("interval")
    return value or None


def _count(request: Request, name: str, default: int) -> int:
    value = query_int(request.query, name, default)
    assert value is not None
    if not 0 <= value <= MAX_LIMIT:
        raise BadParameter(f"{name} must be 0 to {MAX_LIMIT}")
    return value


def board_page(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}/entries?offset=&limit=&interval=``: standings in rank order
    (``interval``: an activity id; default the current one). O(log n + limit)."""
    info = _board_of(engine, request, board)
    offset, limit = _page(request)
    page = engine.board_page(request.org, board, offset, limit, interval=_interval_query(request))
    return 200, [_standing(s, info.zone) for s in page]


def board_around(engine: Engine, request: Request, board: str, member: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}/entries/around/{member}?before=&after=&interval=``: the member's
    standing with up to ``before`` (default 5) above and ``after`` (default 5) below
    (``[]`` without a score). O(log n + before + after)."""
    info = _board_of(engine, request, board)
    before, after = _count(request, "before", 5), _count(request, "after", 5)
    around = engine.board_around(
        request.org, board, member, before, after, interval=_interval_query(request)
    )
    return 200, [_standing(s, info.zone) for s in around]


def board_among(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}/entries/among?members=a,b&interval=``: the standings of those
    members (separated by commas) with a score, in rank order. O(m + k log n)."""
    info = _board_of(engine, request, board)
    text = request.query.get("members", "")
    members = list(dict.fromkeys(m for m in text.split(",") if m))
    if len(members) > MAX_LIMIT:
        raise BadParameter(f"members lists at most {MAX_LIMIT} members")
    among = engine.board_among(request.org, board, members, interval=_interval_query(request))
    return 200, [_standing(s, info.zone) for s in among]


def board_rank(engine: Engine, request: Request, board: str, member: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}/rank/{member}?interval=``: the member's standing; 404 without a
    score. O(log n)."""
    info = _board_of(engine, request, board)
    found = engine.board_rank(request.org, board, member, interval=_interval_query(request))
    if found is None:
        raise MemberNotFound(member)
    return 200, _standing(found, info.zone)


def board_intervals(engine: Engine, request: Request, board: str) -> tuple[int, JSON]:
    """GET ``/boards/{id}/intervals``: the retained intervals, oldest first.
    O(intervals)."""
    info = _board_of(engine, request, board)
    return 200, [_interval(i, info.zone) for i in engine.board_intervals(request.org, board)]


_P: Final = r"/rankcore/v1"
_SEGMENT: Final = r"([^/]*)"

ROUTES: Final = (
    ("POST", rf"{_P}/orgs", _endpoint(create_org)),
    ("GET", rf"{_P}/orgs", _endpoint(list_orgs)),
    ("POST", rf"{_P}/customers", _endpoint(create_customer)),
    ("GET", rf"{_P}/customers", _endpoint(list_customers)),
    ("GET", rf"{_P}/customers/{_SEGMENT}", _endpoint(get_customer)),
    ("POST", rf"{_P}/target-groups", _endpoint(create_target_group)),
    ("GET", rf"{_P}/target-groups", _endpoint(list_target_groups)),
    ("GET", rf"{_P}/target-groups/{_SEGMENT}", _endpoint(get_target_group)),
    ("POST", rf"{_P}/target-groups/{_SEGMENT}/periods", _endpoint(create_period)),
    ("GET", rf"{_P}/target-groups/{_SEGMENT}/periods", _endpoint(list_periods)),
    ("POST", rf"{_P}/target-groups/{_SEGMENT}/targets", _endpoint(create_target)),
    ("GET", rf"{_P}/target-groups/{_SEGMENT}/targets", _endpoint(list_targets)),
    ("POST", rf"{_P}/campaigns", _endpoint(create_campaign)),
    ("GET", rf"{_P}/campaigns", _endpoint(list_campaigns)),
    ("GET", rf"{_P}/campaigns/{_SEGMENT}", _endpoint(get_campaign)),
    ("POST", rf"{_P}/activities", _endpoint(record_activity)),
    ("POST", rf"{_P}/activities/batch", _endpoint(record_activities)),
    ("POST", rf"{_P}/boards", _endpoint(create_board)),
    ("GET", rf"{_P}/boards", _endpoint(list_boards)),
    ("GET", rf"{_P}/boards/{_SEGMENT}", _endpoint(get_board)),
    ("DELETE", rf"{_P}/boards/{_SEGMENT}", _endpoint(delete_board)),
    ("POST", rf"{_P}/boards/{_SEGMENT}/submissions", _endpoint(submit)),
    ("POST", rf"{_P}/boards/{_SEGMENT}/submissions/batch", _endpoint(submit_many)),
    ("POST", rf"{_P}/boards/{_SEGMENT}/members", _endpoint(join)),
    ("DELETE", rf"{_P}/boards/{_SEGMENT}/members/{_SEGMENT}", _endpoint(remove)),
    ("POST", rf"{_P}/boards/{_SEGMENT}/end", _endpoint(end_board)),
    ("GET", rf"{_P}/boards/{_SEGMENT}/entries", _endpoint(board_page)),
    ("GET", rf"{_P}/boards/{_SEGMENT}/entries/around/{_SEGMENT}", _endpoint(board_around)),
    ("GET", rf"{_P}/boards/{_SEGMENT}/entries/among", _endpoint(board_among)),
    ("GET", rf"{_P}/boards/{_SEGMENT}/rank/{_SEGMENT}", _endpoint(board_rank)),
    ("GET", rf"{_P}/boards/{_SEGMENT}/intervals", _endpoint(board_intervals)),
    ("GET", rf"{_P}/badge-groups", _endpoint(list_badge_groups)),
)
"""``(method, path pattern, endpoint)`` of the native API, for the router."""
