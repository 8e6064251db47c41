"""Reading a scenario document into checked :mod:`rankcore.scenario.model` values.

Everything is validated here, before anything runs: JSON syntax, the ``format``, every
field's presence and type, unknown fields, the one kind per step, references between world
entries, and the order of step times. Each error is a :class:`ScenarioError` naming the
place, such as ``steps[3].activity.value`` or ``target_groups[0].periods[1].end``.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rankcore.campaigns.brackets import Bracket
from rankcore.errors import RankcoreError
from rankcore.loyalty.customers import PROFILE_FIELDS
from rankcore.loyalty.targets import EnrollmentMode, TargetType
from rankcore.ranking.keys import check_score
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.scenario.model import (
    FORMAT,
    Action,
    Activity,
    Call,
    CampaignSpec,
    CustomerSpec,
    OrgSpec,
    PeriodSpec,
    Points,
    Scenario,
    ScenarioError,
    Step,
    TargetGroupSpec,
    TargetSpec,
    Tick,
)
from rankcore.timeline.recurrence import Recurrence, Schedule

__all__ = ["load", "loads", "parse"]

_T = TypeVar("_T")
_MISSING: Any = object()
_STEP_KINDS = ("activity", "points", "tick", "request")
_MAX_COUNT = 10_000_000


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """Load a scenario from a JSON file (a path) or from an already parsed JSON object.

    Raises :class:`ScenarioError` naming the place of the first problem; an unreadable file
    is a :class:`ScenarioError` too. O(size of the document).
    """
    if isinstance(source, Mapping):
        return parse(source)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("", f"cannot read {os.fspath(source)!s}: {exc}") from exc
    return loads(text)


def loads(text: str) -> Scenario:
    """Load a scenario from JSON text (see :func:`load`). O(size of the text)."""
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            "", f"bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except _BadJSON as exc:
        raise ScenarioError("", f"bad JSON: {exc}") from None
    return parse(document)


def parse(document: object) -> Scenario:
    """Check a parsed JSON document and build the :class:`Scenario`. O(size)."""
    top = _Object(document, "", _TOP_FIELDS)
    version = top.take("format", _str)
    if version != FORMAT:
        _fail("format", f"must be {FORMAT!r}, got {version!r}")
    start = top.take("start", _time)
    seed = top.take("seed", _int, 0)
    description = top.take("description", _str, None)
    orgs = top.take_list("orgs", _org, ())
    zones = _org_zones(orgs)
    customers = top.take_list("customers", _customer, ())
    groups = top.take_list("target_groups", _target_group, ())
    campaigns = top.take_list("campaigns", lambda v, w: _campaign(v, w, zones), ())
    steps = top.take_list("steps", _step, ())
    _check_world(zones, customers, groups, campaigns)
    _check_times(start, steps)
    return Scenario(
        start=start,
        orgs=orgs,
        customers=customers,
        target_groups=groups,
        campaigns=campaigns,
        steps=steps,
        seed=seed,
        description=description,
    )


# -- reading JSON values -------------------------------------------------------------------------


class _BadJSON(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadJSON(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise _BadJSON(f"{name} is not a JSON number")


def _fail(where: str, problem: str) -> NoReturn:
    raise ScenarioError(where, problem)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


class _Object:
    """One JSON object being read; refuses fields it does not know."""

    def __init__(self, value: object, where: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            _fail(where, f"must be an object, got {_json_type(value)}")
        for key in value:
            if key not in allowed:
                _fail(_join(where, str(key)), f"unknown field (known: {', '.join(allowed)})")
        self.value: Mapping[str, Any] = value
        self.where = where

    def has(self, key: str) -> bool:
        return key in self.value

    def take(self, key: str, read: Callable[[object, str], _T], default: Any = _MISSING) -> _T:
        where = _join(self.where, key)
        if key not in self.value:
            if default is _MISSING:
                _fail(where, "is missing")
            return default  # type: ignore[no-any-return]
        return read(self.value[key], where)

    def take_list(
        self, key: str, read: Callable[[object, str], _T], default: Any = _MISSING
    ) -> tuple[_T, ...]:
        where = _join(self.where, key)
        if key not in self.value:
            if default is _MISSING:
                _fail(where, "is missing")
            return tuple(default)
        items = self.value[key]
        if not isinstance(items, list):
            _fail(where, f"must be an array, got {_json_type(items)}")
        return tuple(read(item, f"{where}[{i}]") for i, item in enumerate(items))


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(where, f"must be an integer, got {_json_type(value)}")
    return value


def _id(value: object, where: str) -> int:
    number = _int(value, where)
    if number < 0:
        _fail(where, f"must not be negative, got {number}")
    return number


def _count(value: object, where: str) -> int:
    number = _int(value, where)
    if not 1 <= number <= _MAX_COUNT:
        _fail(where, f"must be between 1 and {_MAX_COUNT}, got {number}")
    return number


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a string, got {_json_type(value)}")
    return value


def _text(value: object, where: str) -> str:
    text = _str(value, where)
    if not text:
        _fail(where, "must not be empty")
    return text


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, f"must be true or false, got {_json_type(value)}")
    return value


def _score(value: object, where: str) -> Score:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"must be a number, got {_json_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(where, f"must be finite, got {value}")
    try:
        return check_score(value, where)
    except RankcoreError:
        _fail(where, f"{value} is too large to rank exactly (integers must lie within ±2**53)")


def _time(value: object, where: str) -> datetime:
    text = _str(value, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(where, f"must be an ISO 8601 time such as 2024-06-01T00:00:00+05:30, got {text!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        _fail(where, f"must carry a UTC offset (such as +05:30 or Z), got {text!r}")
    return moment


def _strings(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        _fail(where, f"must be an object of strings, got {_json_type(value)}")
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str):
            _fail(
                f"{where}.{key}",
                f"must be a string (as HTTP delivers it), got {_json_type(item)}",
            )
        result[str(key)] = item
    return result


def _choice(kind: type[Any]) -> Callable[[object, str], Any]:
    def read(value: object, where: str) -> Any:
        text = _str(value, where)
        for member in kind:
            if member.value == text:
                return member
        allowed = ", ".join(str(member.value) for member in kind)
        _fail(where, f"must be one of {allowed}, got {text!r}")

    return read


# -- the world ------------------------------------------------------------------------------------

_TOP_FIELDS = (
    "format",
    "start",
    "seed",
    "description",
    "orgs",
    "customers",
    "target_groups",
    "campaigns",
    "steps",
)


def _org(value: object, where: str) -> OrgSpec:
    entry = _Object(value, where, ("id", "timezone", "leaderboards", "connected"))
    org_id = entry.take("id", _id)
    timezone = entry.take("timezone", _text)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail(f"{where}.timezone", f"{timezone!r} is not a known IANA time zone")
    return OrgSpec(
        org_id,
        timezone,
        entry.take("leaderboards", _bool, True),
        entry.take_list("connected", _id, ()),
    )


def _org_zones(orgs: tuple[OrgSpec, ...]) -> dict[int, ZoneInfo]:
    zones: dict[int, ZoneInfo] = {}
    for i, org in enumerate(orgs):
        if org.id in zones:
            _fail(f"orgs[{i}].id", f"org {org.id} appears twice")
        zones[org.id] = ZoneInfo(org.timezone)
    return zones


def _customer(value: object, where: str) -> CustomerSpec:
    entry = _Object(value, where, ("org", "id", "count", *PROFILE_FIELDS))
    profile = {name: entry.take(name, _str, None) for name in PROFILE_FIELDS}
    return CustomerSpec(
        org=entry.take("org", _id),
        id=entry.take("id", _id),
        count=entry.take("count", _count, 1),
        **profile,
    )


def _period(value: object, where: str) -> PeriodSpec:
    entry = _Object(value, where, ("id", "ref_code", "name", "start", "end"))
    period = PeriodSpec(
        entry.take("id", _id),
        entry.take("ref_code", _text),
        entry.take("name", _text),
        entry.take("start", _time),
        entry.take("end", _time),
    )
    if not period.start < period.end:
        _fail(f"{where}.end", "must be later than start")
    return period


_TARGET_FIELDS = (
    "id",
    "name",
    "type",
    "metric",
    "value",
    "streak_length",
    "leaderboard",
    "ties",
    "enrollment",
    "order",
)


def _target(value: object, where: str) -> TargetSpec:
    entry = _Object(value, where, _TARGET_FIELDS)
    kind = entry.take("type", _choice(TargetType))
    streak_length = entry.take("streak_length", _count, None)
    if kind is TargetType.STREAK and streak_length is None:
        _fail(f"{where}.streak_length", "is missing (a STREAK target needs it)")
    if kind is TargetType.MILESTONE and streak_length is not None:
        _fail(f"{where}.streak_length", "is only for STREAK targets")
    return TargetSpec(
        id=entry.take("id", _id),
        name=entry.take("name", _text),
        type=kind,
        metric=entry.take("metric", _text),
        value=entry.take("value", _score),
        streak_length=streak_length,
        leaderboard=entry.take("leaderboard", _bool, True),
        ties=entry.take("ties", _choice(TiePolicy), TiePolicy.COMPETITION),
        enrollment=entry.take("enrollment", _choice(EnrollmentMode), EnrollmentMode.AUTO),
        order=entry.take("order", _choice(Order), Order.DESC),
    )


def _target_group(value: object, where: str) -> TargetGroupSpec:
    fields = ("org", "id", "name", "active", "leaderboard", "periods", "targets")
    entry = _Object(value, where, fields)
    return TargetGroupSpec(
        org=entry.take("org", _id),
        id=entry.take("id", _id),
        name=entry.take("name", _text),
        active=entry.take("active", _bool, True),
        leaderboard=entry.take("leaderboard", _bool, True),
        periods=entry.take_list("periods", _period, ()),
        targets=entry.take_list("targets", _target, ()),
    )


def _bracket(value: object, where: str) -> Bracket:
    entry = _Object(value, where, ("position", "reward_value", "min_value"))
    position = entry.take("position", _str)
    reward = entry.take("reward_value", _str)
    minimum = entry.take("min_value", _score, None)
    try:
        return Bracket(position, reward, minimum)
    except RankcoreError as exc:
        _fail(where, str(exc))


_CAMPAIGN_FIELDS = (
    "org",
    "id",
    "recurrence",
    "start",
    "end",
    "reward_brackets",
    "ties",
    "order",
    "activity_ids",
)


def _campaign(value: object, where: str, zones: Mapping[int, ZoneInfo]) -> CampaignSpec:
    entry = _Object(value, where, _CAMPAIGN_FIELDS)
    org = entry.take("org", _id)
    if org not in zones:
        _fail(f"{where}.org", f"org {org} is not in orgs")
    campaign = CampaignSpec(
        org=org,
        id=entry.take("id", _text),
        recurrence=entry.take("recurrence", _choice(Recurrence)),
        start=entry.take("start", _time),
        end=entry.take("end", _time),
        reward_brackets=entry.take_list("reward_brackets", _bracket, ()),
        ties=entry.take("ties", _choice(TiePolicy), TiePolicy.COMPETITION),
        order=entry.take("order", _choice(Order), Order.DESC),
        activity_ids=entry.take_list("activity_ids", _text, ()),
    )
    try:
        schedule = Schedule.of(campaign.recurrence, campaign.start, campaign.end, zones[org])
    except RankcoreError as exc:
        _fail(f"{where}.end", str(exc))
    if len(set(campaign.activity_ids)) != len(campaign.activity_ids):
        _fail(f"{where}.activity_ids", "holds the same id twice")
    if len(campaign.activity_ids) > schedule.last_sequence:
        _fail(
            f"{where}.activity_ids",
            f"holds {len(campaign.activity_ids)} ids but the campaign has at most "
            f"{schedule.last_sequence} intervals",
        )
    return campaign


def _check_world(
    zones: Mapping[int, ZoneInfo],
    customers: tuple[CustomerSpec, ...],
    groups: tuple[TargetGroupSpec, ...],
    campaigns: tuple[CampaignSpec, ...],
) -> None:
    for i, customer in enumerate(customers):
        if customer.org not in zones:
            _fail(f"customers[{i}].org", f"org {customer.org} is not in orgs")
    for i, group in enumerate(groups):
        if group.org not in zones:
            _fail(f"target_groups[{i}].org", f"org {group.org} is not in orgs")
    seen: set[str] = set()
    for i, campaign in enumerate(campaigns):
        if campaign.id in seen:
            _fail(f"campaigns[{i}].id", f"campaign {campaign.id!r} appears twice")
        seen.add(campaign.id)


# -- the steps ------------------------------------------------------------------------------------


def _activity(value: object, where: str) -> Activity:
    fields = ("org", "customer", "metric", "value", "event_id", "count")
    entry = _Object(value, where, fields)
    event_id: str | int | None = None
    if entry.has("event_id"):
        raw = entry.value["event_id"]
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            _fail(f"{where}.event_id", f"must be a string or an integer, got {_json_type(raw)}")
        event_id = raw
    return Activity(
        org=entry.take("org", _id),
        customer=entry.take("customer", _id),
        metric=entry.take("metric", _text),
        value=entry.take("value", _score),
        event_id=event_id,
        count=entry.take("count", _count, 1),
    )


def _points(value: object, where: str) -> Points:
    entry = _Object(value, where, ("campaign", "source_id", "points", "event_id"))
    return Points(
        campaign=entry.take("campaign", _text),
        source_id=entry.take("source_id", _text),
        points=entry.take("points", _score),
        event_id=entry.take("event_id", _text, None),
    )


def _tick(value: object, where: str) -> Tick:
    if value is not True:
        _fail(where, f"must be true, got {json.dumps(value)}")
    return Tick()


def _request(value: object, where: str) -> Call:
    fields = ("org", "user", "method", "path", "query", "headers", "body", "id")
    entry = _Object(value, where, fields)
    path = entry.take("path", _text)
    if not path.startswith("/"):
        _fail(f"{where}.path", f"must start with '/', got {path!r}")
    return Call(
        org=entry.take("org", _id),
        user=entry.take("user", _id),
        method=entry.take("method", _text),
        path=path,
        query=entry.take("query", _strings, {}),
        headers=entry.take("headers", _strings, {}),
        body=copy.deepcopy(entry.value.get("body")),
        id=entry.take("id", _text, None),
    )


_ACTIONS: dict[str, Callable[[object, str], Action]] = {
    "activity": _activity,
    "points": _points,
    "tick": _tick,
    "request": _request,
}


def _step(value: object, where: str) -> Step:
    entry = _Object(value, where, ("at", "note", *_STEP_KINDS))
    kinds = [kind for kind in _STEP_KINDS if entry.has(kind)]
    if not kinds:
        _fail(where, f"has no action: give exactly one of {', '.join(_STEP_KINDS)}")
    if len(kinds) > 1:
        _fail(f"{where}.{kinds[1]}", f"a step does one thing, and this one also has {kinds[0]!r}")
    at = entry.take("at", _time)
    note = entry.take("note", _str, None)
    action = entry.take(kinds[0], _ACTIONS[kinds[0]])
    index = int(where[where.rindex("[") + 1 : -1])
    return Step(index, at, action, note)


def _check_times(start: datetime, steps: tuple[Step, ...]) -> None:
    """The clock never goes back: a tick or request step may not be earlier than the clock.

    (An activity or points step may be: it is a late event, and the engine decides whether
    its period or interval is still open.)
    """
    clock = start
    for step in steps:
        if step.at >= clock:
            clock = step.at
        elif isinstance(step.action, (Tick, Call)):
            _fail(
                f"steps[{step.index}].at",
                f"{step.at.isoformat()} is earlier than the clock ({clock.isoformat()}); "
                f"time never goes back, and only activity and points steps may be late",
            )
