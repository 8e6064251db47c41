"""Hypothesis strategies for rankcore's inputs: scores, members, boards, worlds, event streams
and scenario files.

Everything drawn is valid unless asked otherwise: a world always builds, a scenario always
loads and replays (its refusals, such as a late event for a closed period, are output lines,
not errors). Sizes are small by default, so that examples run fast and shrink well.

>>> from hypothesis import given
>>> from rankcore.testing import boards, reference_ranks
>>> @given(boards())
... def test_ranks(board):
...     entries = [(s.member, s.score, s.reached_at) for s in board]
...     assert [s.rank for s in board] == [s.rank for s in reference_ranks(
...         entries, board.order, board.ties)]
>>> test_ranks()
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from rankcore.engine import Engine
from rankcore.errors import RankcoreError
from rankcore.ranking.keys import MAX_INT_SCORE
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.scenario.model import FORMAT

__all__ = [
    "ZONES",
    "World",
    "boards",
    "event_streams",
    "members",
    "scenarios",
    "scores",
    "worlds",
]

ZONES: Final = (
    "UTC",
    "Asia/Kolkata",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
"""The time zones :func:`worlds` draws from: whole, half-hour and 45-minute offsets, DST
changes of one hour and of half an hour."""

_LEADERBOARD: Final = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
_CAMPAIGN: Final = "/campaigns/leaderboards/"
_SOURCES: Final = ("ann", "bob", "cy", "di", "eve", "fay")
_RESETS: Final = (
    None,
    "daily",
    "daily 06:30",
    "weekly thursday 09:00",
    "monthly 15 09:00",
    "every 2h",
    "cron 0 9 * * 4",
)
_METRICS: Final = ("points", "visits")
_KEEP: Final = object()  # a write that leaves the metadata as it is
_KEEPS: Final = st.just(_KEEP)
_EDGE_SCORES: Final = (0, 1, -1, MAX_INT_SCORE, -MAX_INT_SCORE, 0.5, -0.0, 1e300, 5e-324)


# -- the kernel --------------------------------------------------------------------------------


def scores(
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    floats: bool = True,
) -> st.SearchStrategy[Score]:
    """Scores a leaderboard accepts: ints within ±2**53 and finite floats.

    ``min_value``/``max_value`` bound the ints (and then the floats too); with ``floats``
    false only ints are drawn. Small ints come often, so ties do. Edge values (±2**53,
    -0.0, the smallest subnormal) come up too when no bound is given. O(1) per draw.
    """
    low = -MAX_INT_SCORE if min_value is None else max(min_value, -MAX_INT_SCORE)
    high = MAX_INT_SCORE if max_value is None else min(max_value, MAX_INT_SCORE)
    parts: list[st.SearchStrategy[Score]] = [
        st.integers(max(low, -5), min(high, 5)) if max(low, -5) <= min(high, 5) else st.nothing(),
        st.integers(low, high),
    ]
    if floats:
        parts.append(
            st.floats(low, high, allow_nan=False, allow_infinity=False)
            if min_value is not None or max_value is not None
            else st.floats(allow_nan=False, allow_infinity=False)
        )
    if min_value is None and max_value is None:
        parts.append(st.sampled_from([s for s in _EDGE_SCORES if floats or isinstance(s, int)]))
    return st.one_of(parts)


_default_scores = scores


def members(*, ints: bool = True, text: bool = True) -> st.SearchStrategy[Hashable]:
    """Member ids: short strings and/or small non-negative ints (few distinct ones, so that
    the same member is written again often). O(1) per draw."""
    parts: list[st.SearchStrategy[Hashable]] = []
    if text:
        parts.append(st.text(st.characters(codec="utf-8"), min_size=1, max_size=3))
    if ints:
        parts.append(st.integers(0, 30))
    if not parts:
        raise ValueError("members() needs ints or text")
    return st.one_of(parts)


_default_members = members


_TIMES: Final = st.one_of(
    st.none(),
    st.datetimes(
        datetime(2024, 1, 1), datetime(2024, 1, 2), timezones=st.just(UTC)
    ),  # a narrow range, so that equal times (ties of reached-at) come up
    st.sampled_from([datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 12, tzinfo=UTC)]),
)


_SETTINGS: Final = st.sampled_from([None, Order.DESC, Order.ASC])
_META: Final = st.one_of(st.just(_KEEP), st.none(), st.integers(0, 3), st.just({"team": "red"}))


@st.composite
def _boards(
    draw: st.DrawFn,
    member_ids: st.SearchStrategy[Hashable],
    values: st.SearchStrategy[Score],
    order: Order | None,
    ties: TiePolicy | None,
    subscore: st.SearchStrategy[Order | None],
    meta: bool,
    max_writes: int,
) -> Leaderboard[Hashable]:
    sub = draw(subscore)
    board: Leaderboard[Hashable] = Leaderboard(
        order if order is not None else draw(st.sampled_from(list(Order))),
        ties if ties is not None else draw(st.sampled_from(list(TiePolicy))),
        subscore=sub,
    )
    operators = st.sampled_from(["set", "incr", "best", "remove"])
    subscores = st.none() if sub is None else values
    writes = draw(
        st.lists(
            st.tuples(operators, member_ids, values, _TIMES, subscores, _META if meta else _KEEPS),
            max_size=max_writes,
        )
    )
    for operator, member, score, at, subscore_value, meta_value in writes:
        extra: dict[str, Any] = {"subscore": subscore_value}
        if meta_value is not _KEEP:
            extra["meta"] = meta_value
        try:
            if operator == "remove":
                board.remove(member)
            else:
                getattr(board, operator)(member, score, at, **extra)
        except RankcoreError:
            pass  # an increment past 2**53, say: refused, and the board is unchanged
    return board


def boards(
    *,
    members: st.SearchStrategy[Hashable] | None = None,
    scores: st.SearchStrategy[Score] | None = None,
    order: Order | str | None = None,
    ties: TiePolicy | str | None = None,
    subscore: Order | str | bool | None = False,
    meta: bool = True,
    max_writes: int = 30,
) -> st.SearchStrategy[Leaderboard[Hashable]]:
    """Leaderboards with random settings and content, built by up to ``max_writes`` random
    ``set``/``incr``/``best``/``remove`` calls (with and without reached-at times, and with
    ``meta``, with and without metadata).

    ``order`` and ``ties`` fix a setting instead of drawing it. ``subscore``: ``False`` (the
    default) for boards without a subscore, an order for boards with one, ``None`` to draw
    either. ``members`` and ``scores`` replace the default strategies (:func:`members`, and
    :func:`scores` with small ints more often, so that ties are common).
    O(max_writes log max_writes) per draw.
    """
    fixed_order = None if order is None else Order.parse(order, "order")
    fixed_ties = None if ties is None else TiePolicy.parse(ties, "ties")
    if subscore is None:
        subscores: st.SearchStrategy[Order | None] = _SETTINGS
    elif subscore is False:
        subscores = st.none()
    elif subscore is True:
        raise ValueError("subscore must be False, None or an order ('desc' or 'asc')")
    else:
        subscores = st.just(Order.parse(subscore, "subscore"))
    member_ids = _default_members() if members is None else members
    values = st.one_of(st.integers(-3, 3), _default_scores()) if scores is None else scores
    return _boards(member_ids, values, fixed_order, fixed_ties, subscores, meta, max_writes)


# -- worlds ------------------------------------------------------------------------------------


@attrs.frozen
class World:
    """A valid world: the world part of a scenario document, as JSON-ready values.

    ``orgs``, ``customers``, ``target_groups``, ``campaigns`` and ``boards`` are the lists
    of the same name in a scenario file (see ``docs/scenarios.md``); ``start`` is when it
    begins and ``horizon`` a time by which every period and campaign of it is over (boards
    may run on).
    """

    start: datetime
    horizon: datetime
    orgs: tuple[Mapping[str, Any], ...]
    customers: tuple[Mapping[str, Any], ...] = ()
    target_groups: tuple[Mapping[str, Any], ...] = ()
    campaigns: tuple[Mapping[str, Any], ...] = ()
    seed: int = 0
    boards: tuple[Mapping[str, Any], ...] = ()

    def document(self, steps: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """This world with ``steps`` as a scenario document for :func:`rankcore.scenario.load`
        or, written as JSON, for ``rankcore replay``. O(size of the world + steps)."""
        return {
            "format": FORMAT,
            "start": self.start.isoformat(),
            "seed": self.seed,
            "orgs": [dict(org) for org in self.orgs],
            "customers": [dict(customer) for customer in self.customers],
            "target_groups": [dict(group) for group in self.target_groups],
            "campaigns": [dict(campaign) for campaign in self.campaigns],
            "boards": [dict(board) for board in self.boards],
            "steps": [dict(step) for step in steps],
        }

    def engine(self) -> Engine:
        """A new engine holding this world, on a manual clock at :attr:`start`.
        O(size of the world)."""
        from rankcore.scenario.loader import load
        from rankcore.scenario.replay import Replayer

        return Replayer(load(self.document())).build()

    def customer_ids(self) -> list[tuple[int, int]]:
        """``(org, customer id)`` of every customer. O(customers)."""
        return [(customer["org"], customer["id"]) for customer in self.customers]

    def targets(self) -> list[tuple[int, int, Mapping[str, Any]]]:
        """``(org, target group id, target)`` of every target. O(targets)."""
        return [
            (group["org"], group["id"], target)
            for group in self.target_groups
            for target in group["targets"]
        ]


@st.composite
def _worlds(
    draw: st.DrawFn,
    zones: Sequence[str],
    max_orgs: int,
    max_customers: int,
    max_groups: int,
    max_campaigns: int,
    max_boards: int,
) -> World:
    start = draw(
        st.datetimes(datetime(2023, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
    ).replace(second=0, microsecond=0)
    ids = iter(draw(st.lists(st.integers(1, 10**9), min_size=200, max_size=200, unique=True)))
    org_count = draw(st.integers(1, max_orgs))
    org_ids = [next(ids) for _ in range(org_count)]
    orgs = []
    for index, org_id in enumerate(org_ids):
        others = [other for other in org_ids[:index]]
        connected = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
        orgs.append(
            {
                "id": org_id,
                "timezone": draw(st.sampled_from(list(zones))),
                # the first org always has leaderboards, so campaigns have a home
                "leaderboards": index == 0 or draw(st.booleans().filter(bool) | st.booleans()),
                "connected": connected,
            }
        )
    customers = []
    for _ in range(draw(st.integers(0, max_customers))):
        customer: dict[str, Any] = {"org": draw(st.sampled_from(org_ids)), "id": next(ids)}
        for name in draw(st.sets(st.sampled_from(["first_name", "last_name", "email"]))):
            customer[name] = draw(st.sampled_from(["Ada", "Lin", "Öz", "a@example.com"]))
        customers.append(customer)
    horizon = start + timedelta(days=1)
    groups: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, max_groups))):
        cursor = start - timedelta(hours=draw(st.integers(0, 24)))
        periods = []
        for index in range(draw(st.integers(1, 4))):
            begin = cursor + timedelta(hours=draw(st.integers(0, 12)))
            cursor = begin + timedelta(hours=draw(st.integers(1, 72)))
            period_id = next(ids)
            periods.append(
                {
                    "id": period_id,
                    "ref_code": f"ref_{period_id}",
                    "name": f"PERIOD_{index}",
                    "start": begin.isoformat(),
                    "end": cursor.isoformat(),
                }
            )
        horizon = max(horizon, cursor)
        targets = []
        for index in range(draw(st.integers(1, 3))):
            streak = draw(st.booleans())
            target: dict[str, Any] = {
                "id": next(ids),
                "name": f"target_{index}",
                "type": "STREAK" if streak else "MILESTONE",
                "metric": draw(st.sampled_from(_METRICS)),
                "value": draw(st.integers(1, 1000)),
                "leaderboard": draw(st.booleans().filter(bool) | st.booleans()),
                "ties": draw(st.sampled_from([policy.value for policy in TiePolicy])),
                "enrollment": draw(st.sampled_from(["auto", "explicit"])),
                "order": draw(st.sampled_from(["desc", "asc"])),
            }
            if streak:
                target["streak_length"] = draw(st.integers(1, 4))
            targets.append(target)
        groups.append(
            {
                "org": draw(st.sampled_from(org_ids)),
                "id": next(ids),
                "name": f"group_{len(groups)}",
                "active": draw(st.booleans().filter(bool) | st.booleans()),
                "leaderboard": True,
                "periods": periods,
                "targets": targets,
            }
        )
    campaigns = []
    for index in range(draw(st.integers(0, max_campaigns))):
        begin = start + timedelta(minutes=draw(st.integers(-600, 600)))
        end = begin + timedelta(hours=draw(st.integers(1, 24 * 10)))
        horizon = max(horizon, end)
        first = 1
        brackets = []
        for _ in range(draw(st.integers(0, 3))):
            width = draw(st.integers(0, 3))
            bracket: dict[str, Any] = {
                "position": str(first) if width == 0 else f"{first}-{first + width}",
                "reward_value": str(draw(st.integers(1, 100))),
            }
            if draw(st.booleans()):
                bracket["min_value"] = draw(st.integers(0, 50))
            brackets.append(bracket)
            first += width + 1 + draw(st.integers(0, 2))
        campaigns.append(
            {
                "org": draw(st.sampled_from([org["id"] for org in orgs if org["leaderboards"]])),
                "id": f"camp_{index}_{next(ids)}",
                "recurrence": draw(
                    st.sampled_from(["daily", "weekly", "monthly", "campaign_duration"])
                ),
                "start": begin.isoformat(),
                "end": end.isoformat(),
                "reward_brackets": brackets,
                "ties": draw(st.sampled_from([policy.value for policy in TiePolicy])),
                "order": draw(st.sampled_from(["desc", "asc"])),
            }
        )
    boards = []
    for index in range(draw(st.integers(0, max_boards))):
        board: dict[str, Any] = {
            "org": draw(st.sampled_from([org["id"] for org in orgs if org["leaderboards"]])),
            "id": f"board-{index}.{next(ids)}",
            "order": draw(st.sampled_from(["desc", "asc"])),
            "ties": draw(st.sampled_from([policy.value for policy in TiePolicy])),
            "subscore": draw(st.sampled_from([None, "desc", "asc"])),
            "operator": draw(st.sampled_from(["best", "set", "incr"])),
            "reset": draw(st.sampled_from(_RESETS)),
            "reward_brackets": [{"position": "1", "reward_value": "gold"}]
            if draw(st.booleans())
            else [],
            "join_required": draw(st.booleans().filter(lambda b: not b) | st.booleans()),
            "grace": draw(st.sampled_from([0, 0, 60, 3600])),
        }
        for name, limits in (("capacity", (1, 4)), ("max_submissions", (1, 4))):
            if draw(st.booleans().filter(lambda b: not b) | st.booleans()):
                board[name] = draw(st.integers(*limits))
        if draw(st.booleans()):
            board["start"] = (start + timedelta(minutes=draw(st.integers(-600, 600)))).isoformat()
        if draw(st.booleans()):
            begin = datetime.fromisoformat(board.get("start", start.isoformat()))
            board["end"] = (begin + timedelta(hours=draw(st.integers(1, 24 * 10)))).isoformat()
        boards.append(board)
    return World(
        start=start,
        horizon=horizon + timedelta(hours=1),
        orgs=tuple(orgs),
        customers=tuple(customers),
        target_groups=tuple(groups),
        campaigns=tuple(campaigns),
        seed=draw(st.integers(0, 2**32 - 1)),
        boards=tuple(boards),
    )


def worlds(
    *,
    zones: Sequence[str] = ZONES,
    max_orgs: int = 3,
    max_customers: int = 6,
    max_groups: int = 2,
    max_campaigns: int = 2,
    max_boards: int = 2,
) -> st.SearchStrategy[World]:
    """Valid worlds: orgs (time zones from ``zones``, connections between them), customers,
    target groups with periods (gaps between them allowed) and milestone and streak targets
    under every tie policy and order, Rehook campaigns of every recurrence with reward
    brackets, and boards (tournaments: every operator, subscores, resets, joining,
    capacities, submission limits, grace). Every id is unique. O(size of the world) per draw.
    """
    if not zones:
        raise ValueError("worlds() needs at least one time zone")
    return _worlds(tuple(zones), max_orgs, max_customers, max_groups, max_campaigns, max_boards)


_default_worlds = worlds


# -- event streams -----------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@st.composite
def _streams(
    draw: st.DrawFn, world: World, min_size: int, max_size: int, bad: bool, requests: bool
) -> list[dict[str, Any]]:
    customers = world.customer_ids()
    targets = world.targets()
    kinds = ["tick"]
    if customers:
        kinds += ["activity", "activity", "activity", "duplicate"]
    if world.campaigns:
        kinds += ["points", "points", "duplicate"]
    if requests and world.target_groups:
        kinds += ["leaderboard"]
    if requests and world.campaigns:
        kinds += ["campaign"]
    if world.boards:
        kinds += ["submit", "submit", "submit"]
        if any(board["join_required"] for board in world.boards):
            kinds += ["join"]
    if requests and targets and customers:
        kinds += ["enroll"]
    if bad:
        kinds += ["bad"]
    late_kinds = [
        kind
        for kind, present in (
            ("activity", customers),
            ("points", world.campaigns),
            ("submit", world.boards),
        )
        if present
    ]
    if late_kinds:
        kinds += ["late"]
    count = draw(st.integers(min_size, max_size))
    span = world.horizon - world.start
    stride = max(1, int(span.total_seconds() // 60) * 2 // max(count, 1))
    clock = world.start
    steps: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []  # activity and points steps, to repeat
    for serial in range(1, count + 1):
        clock += timedelta(minutes=draw(st.integers(0, stride)))
        kind = draw(st.sampled_from(kinds))
        if kind == "duplicate" and not events:
            kind = "tick"
        if kind == "late":
            kind = draw(st.sampled_from(late_kinds))
            at = clock - timedelta(minutes=draw(st.integers(1, 3 * stride)))
            at = max(at, world.start)
        else:
            at = clock
        step: dict[str, Any]
        if kind == "tick":
            step = {"at": _iso(at), "tick": True}
        elif kind == "activity":
            org, customer = draw(st.sampled_from(customers))
            activity: dict[str, Any] = {
                "org": org,
                "customer": customer,
                "metric": draw(st.sampled_from(_METRICS)),
                "value": draw(st.integers(0, 500)),
            }
            if draw(st.booleans()):
                activity["event_id"] = f"e-{serial}"
            step = {"at": _iso(at), "activity": activity}
            events.append(step)
        elif kind == "points":
            points: dict[str, Any] = {
                "campaign": draw(st.sampled_from(world.campaigns))["id"],
                "source_id": draw(st.sampled_from(_SOURCES)),
                "points": draw(st.integers(0, 50)),
            }
            if draw(st.booleans()):
                points["event_id"] = f"p-{serial}"
            step = {"at": _iso(at), "points": points}
            events.append(step)
        elif kind == "submit":
            board = draw(st.sampled_from(world.boards))
            submit: dict[str, Any] = {
                "org": board["org"],
                "board": board["id"],
                "member": draw(st.sampled_from(_SOURCES)),
                "score": draw(st.one_of(st.integers(0, 50), _default_scores(floats=False))),
            }
            if board["subscore"] is not None:
                submit["subscore"] = draw(st.integers(0, 5))
            if draw(st.booleans()):
                submit["meta"] = draw(st.sampled_from([{"team": "red"}, "x", 1, None]))
            if draw(st.booleans()):
                submit["event_id"] = f"b-{serial}"
            step = {"at": _iso(at), "submit": submit}
            events.append(step)
        elif kind == "join":
            board = draw(st.sampled_from([b for b in world.boards if b["join_required"]]))
            member = draw(st.sampled_from(_SOURCES))
            step = {
                "at": _iso(at),
                "join": {"org": board["org"], "board": board["id"], "member": member},
            }
        elif kind == "duplicate":
            step = dict(draw(st.sampled_from(events)))  # the same event again, time included
        elif kind == "leaderboard":
            group = draw(st.sampled_from(world.target_groups))
            query = {"targetId": str(draw(st.sampled_from(group["targets"]))["id"])}
            if draw(st.booleans()):
                query["pageSize"] = str(draw(st.integers(1, 20)))
            step = {
                "at": _iso(at),
                "request": _call(group["org"], "GET", _LEADERBOARD + str(group["id"]), query),
            }
        elif kind == "campaign":
            campaign = draw(st.sampled_from(world.campaigns))
            query = {}
            if draw(st.booleans()):
                query["source_id"] = draw(st.sampled_from(_SOURCES))
            step = {
                "at": _iso(at),
                "request": _call(campaign["org"], "GET", _CAMPAIGN + campaign["id"], query),
            }
        elif kind == "enroll":
            org, group_id, target = draw(st.sampled_from(targets))
            group = next(g for g in world.target_groups if g["id"] == group_id)
            record: dict[str, Any] = {"customerId": draw(st.sampled_from(customers))[1]}
            if target["type"] == "MILESTONE":
                record["periodName"] = draw(st.sampled_from(group["periods"]))["name"]
                if draw(st.booleans()):
                    record["initialBalance"] = draw(st.integers(0, 100))
            elif draw(st.booleans()):
                record["resetStreakStatus"] = draw(st.booleans())
            path = f"/v3.1/targetGroups/{group_id}/targets/{target['id']}/enroll"
            step = {"at": _iso(at), "request": _call(org, "POST", path, {}, [record])}
        else:
            step = {"at": _iso(at), **draw(_bad_event(world, serial, events))}
        steps.append(step)
    return steps


def _call(
    org: int, method: str, path: str, query: Mapping[str, str], body: Any = None
) -> dict[str, Any]:
    return {
        "org": org,
        "user": 1,
        "method": method,
        "path": path,
        "query": dict(query),
        "headers": {},
        "body": body,
    }


def _bad_event(
    world: World, serial: int, events: list[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """An event the domain refuses (or a request it answers with an error): still a valid
    step, so the replay goes on."""
    org = world.orgs[0]["id"]
    options: list[st.SearchStrategy[dict[str, Any]]] = [
        st.just({"activity": {"org": org, "customer": 0, "metric": "points", "value": 1}}),
        st.just({"points": {"campaign": "camp_missing", "source_id": "ann", "points": 1}}),
        st.just({"request": _call(org, "GET", _LEADERBOARD + "0", {"targetId": "x"})}),
        st.just({"request": _call(org, "GET", _CAMPAIGN + "camp_missing", {})}),
    ]
    if world.boards:
        missing = {"org": world.boards[0]["org"], "board": "missing", "member": "ann", "score": 1}
        options.append(st.just({"submit": missing}))
    timed = [event for event in events if "event_id" in event.get("activity", {})]
    if timed:  # an event id reused with another value: a conflict
        options.append(
            st.sampled_from(timed).map(
                lambda event: {"activity": {**event["activity"], "value": -1 - serial}}
            )
        )
    return st.one_of(options)


def event_streams(
    world: World,
    *,
    min_size: int = 0,
    max_size: int = 40,
    bad: bool = False,
    requests: bool = True,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Timed steps for ``world``, in the scenario file's step format: activities (with and
    without event ids), campaign points, board submissions (and joins), ticks, and (with
    ``requests``) leaderboard reads and enrollments through the vendor API. Duplicates
    repeat an earlier event exactly; late events carry a time before the clock (out of
    order, possibly in a closed period or interval). With ``bad``, events the domain refuses
    are mixed in too: unknown customers, campaigns and boards, event-id conflicts, requests
    for missing entities. Either way every step is
    valid for ``rankcore replay``. O(max_size) per draw.
    """
    return _streams(world, min_size, max_size, bad, requests)


@st.composite
def _scenarios(
    draw: st.DrawFn, world_strategy: st.SearchStrategy[World], max_steps: int, bad: bool
) -> dict[str, Any]:
    world = draw(world_strategy)
    return world.document(draw(event_streams(world, max_size=max_steps, bad=bad)))


def scenarios(
    *, worlds: st.SearchStrategy[World] | None = None, max_steps: int = 40, bad: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Scenario documents (JSON-ready dicts): a world from ``worlds`` (default
    :func:`worlds`) plus an :func:`event_streams` of up to ``max_steps`` steps. Written
    with :func:`json.dumps`, each is a file that ``rankcore replay`` accepts.
    O(size of the document) per draw.
    """
    strategy = _default_worlds() if worlds is None else worlds
    return _scenarios(strategy, max_steps, bad)
