"""Reading a scenario document into checked :mod:`rankcore.scenario.model` values.

Everything is validated here, before anything runs: the file's encoding (UTF-8), JSON
syntax, the ``format``, every field's presence and type, unknown fields, the one kind per
step, references between world entries, and the order of step times. So are the limits that
keep every later stage total: text is valid Unicode (no lone surrogates), integers lie within
±(2**63 - 1), numbers are finite, times lie within :data:`EARLIEST` and :data:`LATEST`, time
zones are IANA names, and request bodies nest at most :data:`MAX_DEPTH` deep. Each error is a
:class:`ScenarioError` naming the place, such as ``steps[3].activity.value`` or
``target_groups[0].periods[1].end`` (``""``: the document as a whole).
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.views import Operator
from rankcore.errors import InvalidArgument, RankcoreError
from rankcore.loyalty.customers import PROFILE_FIELDS
from rankcore.loyalty.targets import EnrollmentMode, TargetType
from rankcore.ranking.keys import MAX_INT_SCORE, check_score
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.scenario.model import (
    FORMAT,
    Action,
    Activity,
    BoardSpec,
    Call,
    CampaignSpec,
    CustomerSpec,
    Join,
    OrgSpec,
    PeriodSpec,
    Points,
    Scenario,
    ScenarioError,
    Step,
    Submit,
    TargetGroupSpec,
    TargetSpec,
    Tick,
)
from rankcore.timeline.clock import EARLIEST, LATEST
from rankcore.timeline.recurrence import Recurrence, Schedule
from rankcore.timeline.reset import Reset
from rankcore.validate import parse_enum

__all__ = ["EARLIEST", "LATEST", "MAX_DEPTH", "MAX_INT", "load", "loads", "parse"]

_T = TypeVar("_T")
_MISSING: Any = object()
_STEP_KINDS = ("activity", "points", "tick", "request", "submit", "join")
_MAX_COUNT = 10_000_000

MAX_INT: Final = 2**63 - 1
"""Every integer of a scenario lies within ``-MAX_INT`` and ``MAX_INT`` (ids from 0)."""
MAX_DEPTH: Final = 64
"""How deep a request body may nest arrays and objects."""
_SHOWN = 60
"""Characters of a refused value that an error message repeats."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """Load a scenario from a JSON file (a path) or from an already parsed JSON object.

    Raises :class:`ScenarioError` naming the place of the first problem; a file that cannot
    be read (missing, a directory, not permitted, not UTF-8) is a :class:`ScenarioError`
    whose ``where`` is ``""``. O(size of the document).
    """
    if isinstance(source, Mapping):
        return parse(source)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise ScenarioError("", f"cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a path holding a NUL character
        raise ScenarioError("", f"cannot read: {exc}") from exc
    return loads(data)


def loads(text: str | bytes) -> Scenario:
    """Load a scenario from JSON text, or from its UTF-8 bytes (see :func:`load`).
    O(size of the text)."""
    if isinstance(text, bytes):
        text = _decode(text)
    try:
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            "", f"bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except _BadJSON as exc:
        raise ScenarioError("", f"bad JSON: {exc}") from None
    except RecursionError:
        raise ScenarioError(
            "", f"bad JSON: arrays and objects nest too deeply (at most {MAX_DEPTH} levels)"
        ) from None
    return parse(document)


def _decode(data: bytes) -> str:
    """The text of a scenario file: strict UTF-8 (a byte order mark is a JSON error)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            "", f"cannot read: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse(document: object) -> Scenario:
    """Check a parsed JSON document and build the :class:`Scenario`. O(size)."""
    top = _Object(document, "", _TOP_FIELDS)
    version = top.take("format", _str)
    if version != FORMAT:
        _fail("format", f"must be {FORMAT!r}, got {_shown(version)}")
    start = top.take("start", _time)
    seed = top.take("seed", _int, 0)
    description = top.take("description", _str, None)
    orgs = top.take_list("orgs", _org, ())
    zones = _org_zones(orgs)
    customers = top.take_list("customers", _customer, ())
    groups = top.take_list("target_groups", _target_group, ())
    campaigns = top.take_list("campaigns", lambda v, w: _campaign(v, w, zones), ())
    boards = top.take_list("boards", lambda v, w: _board(v, w, zones), ())
    steps = top.take_list("steps", _step, ())
    _check_world(zones, customers, groups, campaigns)
    _check_boards(campaigns, boards)
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
        boards=boards,
    )


# -- reading JSON values -------------------------------------------------------------------------


class _BadJSON(ValueError):
    pass


class _LongInteger:
    """A JSON integer with more digits than Python converts (``sys.get_int_max_str_digits``):
    kept as its length, so that the reader of its field refuses it naming the place."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _LongInteger:
    try:
        return int(text)
    except ValueError:
        return _LongInteger(len(text.lstrip("-")))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadJSON(f"the key {_shown(key)} appears twice in one object")
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
    if isinstance(value, (int, float, _LongInteger)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _join(where: str, key: object) -> str:
    """The place of ``key`` inside ``where``: ``where.key`` for a plain name, else a quoted,
    escaped and shortened ``where["key"]`` (so a place is always one short line)."""
    if isinstance(key, str) and _NAME.fullmatch(key):
        return f"{where}.{key}" if where else key
    return f"{where}[{_shown(key)}]"


def _shown(value: object) -> str:
    """``value`` as an error message repeats it: JSON-quoted with every non-ASCII character
    escaped (lone surrogates included), and cut short after :data:`_SHOWN` characters."""
    if isinstance(value, str):
        if len(value) > _SHOWN:
            return json.dumps(value[:_SHOWN])[:-1] + '..."'
        return json.dumps(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value)
    return _json_type(value)


def _number(value: int | float | _LongInteger) -> str:
    """An integer as a message shows it: its digits, or how many digits it has when there are
    too many to show (or to convert: ``str`` refuses more than 4,300)."""
    if isinstance(value, _LongInteger):
        return f"an integer of {value.digits:,} digits"
    if isinstance(value, float) or abs(value) < 10**_SHOWN:
        return str(value)
    estimate = int(value.bit_length() * math.log10(2))
    digits = estimate + 1 if abs(value) >= 10**estimate else estimate
    return f"an integer of {digits:,} digits"


class _Object:
    """One JSON object being read; refuses fields it does not know."""

    def __init__(self, value: object, where: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            _fail(where, f"must be an object, got {_json_type(value)}")
        for key in value:
            if key not in allowed:
                _fail(_join(where, key), f"unknown field (known: {', '.join(allowed)})")
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
    if isinstance(value, _LongInteger) or (isinstance(value, int) and abs(value) > MAX_INT):
        _fail(where, f"must lie within ±(2**63 - 1), got {_number(value)}")
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
        _fail(where, f"must be between 1 and {_MAX_COUNT}, got {_number(number)}")
    return number


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a string, got {_json_type(value)}")
    _check_unicode(value, where)
    return value


def _check_unicode(text: str, where: str) -> None:
    """Refuse a string that is not Unicode text: one holding a lone surrogate (a ``\\ud800``
    escape in the JSON), which no UTF-8 output can carry."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        _fail(
            where,
            f"must be Unicode text, but holds the lone surrogate \\u{code:04x} "
            f"at character {exc.start}",
        )


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
    too_large = "is too large to rank exactly (integers must lie within ±2**53), got"
    if isinstance(value, _LongInteger):
        _fail(where, f"{too_large} {_number(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"must be a number, got {_json_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(where, f"must be finite, got {value} (a JSON number beyond ±1.8e308 reads as inf)")
    if isinstance(value, int) and abs(value) > MAX_INT_SCORE:
        _fail(where, f"{too_large} {_number(value)}")
    try:
        return check_score(value, where)
    except RankcoreError as exc:
        _fail(where, str(exc))


def _time(value: object, where: str) -> datetime:
    text = _str(value, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(
            where,
            f"must be an ISO 8601 time such as 2024-06-01T00:00:00+05:30, got {_shown(text)}",
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        _fail(where, f"must carry a UTC offset (such as +05:30 or Z), got {_shown(text)}")
    if not EARLIEST <= moment < LATEST:  # compares instants: never overflows
        _fail(
            where,
            f"must be at or after {EARLIEST:%Y-%m-%dT%H:%M:%SZ} and before "
            f"{LATEST:%Y-%m-%dT%H:%M:%SZ}, got {_shown(text)}",
        )
    return moment


def _strings(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        _fail(where, f"must be an object of strings, got {_json_type(value)}")
    result: dict[str, str] = {}
    for key, item in value.items():
        place = _join(where, key)
        if not isinstance(key, str):
            _fail(place, f"must be named by a string, got {_json_type(key)}")
        _check_unicode(key, place)
        if not isinstance(item, str):
            _fail(place, f"must be a string (as HTTP delivers it), got {_json_type(item)}")
        _check_unicode(item, place)
        result[key] = item
    return result


def _body(value: object, where: str) -> Any:
    """A request body: any JSON value that every later stage can handle, copied.

    Its strings (keys included) are Unicode text, its integers lie within ±(2**63 - 1), its
    numbers are finite, and it nests at most :data:`MAX_DEPTH` arrays and objects. A
    hand-built body must also be a tree, as parsed JSON is: an array or object that appears
    twice in it (or inside itself) is refused. Walked in document order with an explicit
    stack, so no body exhausts Python's. O(size of the body).
    """
    pending: list[tuple[object, str, int]] = [(value, where, 0)]
    seen: set[int] = set()
    while pending:
        item, place, depth = pending.pop()
        if isinstance(item, (Mapping, list, tuple)):
            if depth == MAX_DEPTH:
                _fail(place, f"nests arrays and objects too deeply (at most {MAX_DEPTH} levels)")
            if id(item) in seen:
                _fail(place, "is an array or object that appears twice (JSON is a tree)")
            seen.add(id(item))
            children: list[tuple[object, str, int]] = []
            if isinstance(item, Mapping):
                for key, inner in item.items():
                    inner_place = _join(place, key)
                    if not isinstance(key, str):
                        _fail(inner_place, f"must be named by a string, got {_json_type(key)}")
                    _check_unicode(key, inner_place)
                    children.append((inner, inner_place, depth + 1))
            else:
                children = [(inner, f"{place}[{i}]", depth + 1) for i, inner in enumerate(item)]
            pending.extend(reversed(children))
        elif isinstance(item, str):
            _check_unicode(item, place)
        elif isinstance(item, float):
            if not math.isfinite(item):
                _fail(place, f"must be finite, got {item}")
        elif isinstance(item, (int, _LongInteger)) and not isinstance(item, bool):
            _int(item, place)
        elif item is not None and not isinstance(item, bool):
            _fail(place, f"must be a JSON value, got {_json_type(item)}")
    return copy.deepcopy(value)


def _choice(kind: type[Any]) -> Callable[[object, str], Any]:
    def read(value: object, where: str) -> Any:
        text = _str(value, where)
        try:
            return parse_enum(kind, text, where)
        except InvalidArgument:
            allowed = ", ".join(str(member.value) for member in kind)
            _fail(where, f"must be one of {allowed} (in any case), got {_shown(text)}")

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
    "boards",
    "steps",
)


@functools.cache
def _iana_zones() -> frozenset[str]:
    """The IANA zone names rankcore knows: those of the ``tzdata`` package it depends on
    (the same everywhere, unlike the host's zone files, which also hold names such as
    ``localtime`` or ``posixrules`` that are no zone), else the host's."""
    try:
        names = importlib.resources.files("tzdata").joinpath("zones").read_text("utf-8")
    except (ImportError, OSError):
        return frozenset(available_timezones() - {"localtime", "posixrules"})
    return frozenset(names.split())


def _timezone(value: object, where: str) -> str:
    name = _text(value, where)
    if name not in _iana_zones():
        _fail(where, f"{_shown(name)} is not an IANA time zone name (such as Asia/Kolkata)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        _fail(where, f"time zone {_shown(name)} cannot be loaded: {exc}")
    return name


def _org(value: object, where: str) -> OrgSpec:
    entry = _Object(value, where, ("id", "timezone", "leaderboards", "connected"))
    org_id = entry.take("id", _id)
    timezone = entry.take("timezone", _timezone)
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
    customer = CustomerSpec(
        org=entry.take("org", _id),
        id=entry.take("id", _id),
        count=entry.take("count", _count, 1),
        **profile,
    )
    _check_last_id(customer.id, customer.count, f"{where}.count")
    return customer


def _check_last_id(first: int, count: int, where: str) -> None:
    if first + count - 1 > MAX_INT:
        _fail(where, f"{count} consecutive ids from {first} go past 2**63 - 1")


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
        ties=entry.take("ties", _choice(TiePolicy), TiePolicy.ORDINAL),
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
    except OverflowError as exc:  # cannot happen within EARLIEST and LATEST; kept total
        _fail(f"{where}.end", f"the campaign's intervals cannot be computed: {exc}")
    if len(set(campaign.activity_ids)) != len(campaign.activity_ids):
        _fail(f"{where}.activity_ids", "holds the same id twice")
    last = schedule.last_sequence
    assert last is not None  # a campaign always has an end
    if len(campaign.activity_ids) > last:
        _fail(
            f"{where}.activity_ids",
            f"holds {len(campaign.activity_ids)} ids but the campaign has at most {last} intervals",
        )
    return campaign


_BOARD_FIELDS = (
    "org",
    "id",
    "order",
    "ties",
    "subscore",
    "operator",
    "reset",
    "reward_brackets",
    "join_required",
    "capacity",
    "max_submissions",
    "grace",
    "start",
    "end",
    "retention",
)


def _optional(read: Callable[[object, str], _T]) -> Callable[[object, str], _T | None]:
    """``read``, except that JSON ``null`` is ``None``."""

    def optional(value: object, where: str) -> _T | None:
        return None if value is None else read(value, where)

    return optional


def _seconds(value: object, where: str) -> float:
    seconds = _score(value, where)
    if seconds < 0:
        _fail(where, f"must not be negative, got {seconds}")
    if seconds > 10 * 366 * 86400:
        _fail(where, f"must be at most ten years (in seconds), got {_number(seconds)}")
    return seconds


def _reset(value: object, where: str) -> str:
    text = _text(value, where)
    try:
        Reset.parse(text, where)
    except RankcoreError as exc:
        _fail(where, str(exc))
    return text


def _board(value: object, where: str, zones: Mapping[int, ZoneInfo]) -> BoardSpec:
    entry = _Object(value, where, _BOARD_FIELDS)
    org = entry.take("org", _id)
    if org not in zones:
        _fail(f"{where}.org", f"org {org} is not in orgs")
    board = BoardSpec(
        org=org,
        id=entry.take("id", _text),
        order=entry.take("order", _choice(Order), Order.DESC),
        ties=entry.take("ties", _choice(TiePolicy), TiePolicy.COMPETITION),
        subscore=entry.take("subscore", _optional(_choice(Order)), None),
        operator=entry.take("operator", _choice(Operator), Operator.BEST),
        reset=entry.take("reset", _optional(_reset), None),
        reward_brackets=entry.take_list("reward_brackets", _bracket, ()),
        join_required=entry.take("join_required", _bool, False),
        capacity=entry.take("capacity", _optional(_count), None),
        max_submissions=entry.take("max_submissions", _optional(_count), None),
        grace=entry.take("grace", _seconds, 0),
        start=entry.take("start", _optional(_time), None),
        end=entry.take("end", _optional(_time), None),
        retention=entry.take("retention", _optional(_count), None),
    )
    if board.start is not None and board.end is not None and board.end <= board.start:
        _fail(f"{where}.end", "must be later than start")
    return board


def _check_boards(campaigns: tuple[CampaignSpec, ...], boards: tuple[BoardSpec, ...]) -> None:
    taken = {campaign.id for campaign in campaigns}
    for i, board in enumerate(boards):
        if board.id in taken:
            _fail(f"boards[{i}].id", f"board {_shown(board.id)} appears twice (or is a campaign)")
        taken.add(board.id)


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
            _fail(f"campaigns[{i}].id", f"campaign {_shown(campaign.id)} appears twice")
        seen.add(campaign.id)


# -- the steps ------------------------------------------------------------------------------------


def _activity(value: object, where: str) -> Activity:
    fields = ("org", "customer", "metric", "value", "event_id", "count")
    entry = _Object(value, where, fields)
    activity = Activity(
        org=entry.take("org", _id),
        customer=entry.take("customer", _id),
        metric=entry.take("metric", _text),
        value=entry.take("value", _score),
        event_id=entry.take("event_id", _event_id, None),
        count=entry.take("count", _count, 1),
    )
    _check_last_id(activity.customer, activity.count, f"{where}.count")
    return activity


def _event_id(value: object, where: str) -> str | int:
    if isinstance(value, str):
        return _str(value, where)
    if isinstance(value, bool) or not isinstance(value, (int, _LongInteger)):
        _fail(where, f"must be a string or an integer, got {_json_type(value)}")
    return _int(value, where)


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
        _fail(where, f"must be true, got {'false' if value is False else _json_type(value)}")
    return Tick()


def _request(value: object, where: str) -> Call:
    fields = ("org", "user", "method", "path", "query", "headers", "body", "id")
    entry = _Object(value, where, fields)
    path = entry.take("path", _text)
    if not path.startswith("/"):
        _fail(f"{where}.path", f"must start with '/', got {_shown(path)}")
    return Call(
        org=entry.take("org", _id),
        user=entry.take("user", _id),
        method=entry.take("method", _text),
        path=path,
        query=entry.take("query", _strings, {}),
        headers=entry.take("headers", _strings, {}),
        body=entry.take("body", _body, None),
        id=entry.take("id", _text, None),
    )


def _submit(value: object, where: str) -> Submit:
    fields = ("org", "board", "member", "score", "subscore", "meta", "event_id")
    entry = _Object(value, where, fields)
    return Submit(
        org=entry.take("org", _id),
        board=entry.take("board", _text),
        member=entry.take("member", _text),
        score=entry.take("score", _score),
        subscore=entry.take("subscore", _optional(_score), None),
        meta=entry.take("meta", _body, None),
        event_id=entry.take("event_id", _event_id, None),
    )


def _join_step(value: object, where: str) -> Join:
    entry = _Object(value, where, ("org", "board", "member"))
    return Join(
        org=entry.take("org", _id),
        board=entry.take("board", _text),
        member=entry.take("member", _text),
    )


_ACTIONS: dict[str, Callable[[object, str], Action]] = {
    "activity": _activity,
    "points": _points,
    "tick": _tick,
    "request": _request,
    "submit": _submit,
    "join": _join_step,
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
    """The clock never goes back: a tick, request or join step may not be earlier than the
    clock.

    (An activity, points or submit step may be: it is a late event, and the engine decides
    whether its period or interval is still open.)
    """
    clock = start
    for step in steps:
        if step.at >= clock:
            clock = step.at
        elif isinstance(step.action, (Tick, Call, Join)):
            _fail(
                f"steps[{step.index}].at",
                f"{step.at.isoformat()} is earlier than the clock ({clock.isoformat()}); "
                f"time never goes back, and only activity, points and submit steps may be late",
            )
