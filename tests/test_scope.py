"""Data scopes: resolution rules, and isolation of orgs under random scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import Engine, InvalidArgument, InvalidArgumentType, ManualClock, RankcoreError
from rankcore.loyalty import (
    ConnectedOrgsNotSet,
    Scope,
    ScopeAllNotSupported,
    ScopeKind,
    TargetGroupNotFound,
    resolve_scope,
)
from rankcore.tenancy import Tenants

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _tenants() -> Tenants:
    tenants = Tenants()
    tenants.add(2)
    tenants.add(3)
    tenants.add(1, connected=[2, 3])
    tenants.add(4)
    return tenants


def test_scope_values_are_checked_and_normalised() -> None:
    assert Scope(1, "other", [2]).kind is ScopeKind.OTHER
    assert Scope.other(1, [2, 3]).orgs == frozenset({2, 3})
    assert Scope.own(1) == Scope(1)
    assert Scope.all_connected(1).kind is ScopeKind.ALL
    with pytest.raises(InvalidArgument, match="SELF, OTHER, ALL"):
        Scope(1, "EVERYONE")
    with pytest.raises(InvalidArgumentType):
        Scope("1")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType):
        Scope(1, "OTHER", ["2"])
    with pytest.raises(InvalidArgumentType):
        Scope(1, "OTHER", "2")


def test_resolution_rules() -> None:
    tenants = _tenants()
    assert resolve_scope(tenants, 1) == {1}
    assert resolve_scope(tenants, Scope(1, "SELF", [4])) == {1}  # the list is ignored
    assert resolve_scope(tenants, Scope.other(1, [2, 3])) == {2, 3}
    assert resolve_scope(tenants, Scope.other(2, [1, 2])) == {1, 2}  # connections go both ways
    assert resolve_scope(tenants, Scope.all_connected(1)) == {1, 2, 3}
    assert resolve_scope(tenants, Scope.all_connected(4)) == {4}
    with pytest.raises(ConnectedOrgsNotSet) as not_connected:
        resolve_scope(tenants, Scope.other(1, [4]))
    assert not_connected.value.code == 310144
    assert not_connected.value.message == "Connected Orgs not set properly in Headers"
    with pytest.raises(ConnectedOrgsNotSet):
        resolve_scope(tenants, Scope.other(1, [99]))  # unknown org
    with pytest.raises(ConnectedOrgsNotSet):
        resolve_scope(tenants, Scope(1, "OTHER"))  # no org listed
    with pytest.raises(ScopeAllNotSupported) as refused:
        resolve_scope(tenants, Scope.all_connected(1), allow_all=False)
    assert refused.value.code == 310141
    with pytest.raises(InvalidArgument, match="not registered"):
        resolve_scope(tenants, 99)


# -- isolation property -----------------------------------------------------------------------


def _build(n: int, links: list[tuple[int, int]]) -> Engine:
    """Orgs 1..n; org o has customers 1 and 10*o, group 100+o with one period, auto milestone
    200+o on metric "m", one activity of value o by customer 1, and a badge group "B"."""
    engine = Engine(clock=ManualClock(T0 + timedelta(hours=1)))
    for org in range(1, n + 1):
        connected = [b for a, b in links if a == org] + [a for a, b in links if b == org]
        # an org names only orgs already registered; the later one completes each link
        engine.add_org(org, "UTC", connected=[o for o in connected if o < org])
    for org in range(1, n + 1):
        engine.add_customer(org, 1, first_name=f"one-of-{org}")
        engine.add_customer(org, 10 * org)
        engine.create_target_group(org, 100 + org, f"g{org}")
        engine.add_period(org, 100 + org, 300 + org, ref_code="r", name="P",
                          start=T0, end=T0 + timedelta(days=1))  # fmt: skip
        engine.add_target(org, 100 + org, 200 + org, name="t", type="MILESTONE", metric="m",
                          value=1000)  # fmt: skip
        engine.record_activity(org, 1, "m", org)
        engine.create_badge_group(org, "B", org, user=5)
    return engine


def _snapshot(engine: Engine, n: int) -> dict[int, Any]:
    """Everything of every org, read through each org's own SELF scope."""
    state: dict[int, Any] = {}
    for org in range(1, n + 1):
        board = engine.target_leaderboard(org, 100 + org, 200 + org, limit=100)
        state[org] = (
            [(r.rank, r.customer_id, r.achieved_value) for r in board.rankings],
            [
                engine.milestone_progress(org, 100 + org, 200 + org, c, 300 + org)
                for c in (1, 10 * org)
            ],
            engine.badge_groups(org),
        )
    return state


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except RankcoreError as error:
        return ("error", type(error), getattr(error, "code", None))


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(2, 4),
    links=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), max_size=5),
    actor=st.integers(1, 4),
    kind=st.sampled_from(["SELF", "OTHER", "ALL"]),
    listed=st.frozensets(st.integers(1, 5), max_size=3),
    target_org=st.integers(1, 4),
)
def test_every_operation_sees_exactly_the_scope(
    n: int,
    links: list[tuple[int, int]],
    actor: int,
    kind: str,
    listed: frozenset[int],
    target_org: int,
) -> None:
    links = [(a, b) for a, b in links if a <= n and b <= n and a != b]
    actor = min(actor, n)
    owner = min(target_org, n)
    engine = _build(n, links)
    scope = Scope(actor, kind, listed)

    # The plain model of what this scope may touch (None: the scope itself is refused).
    connected = {b for a, b in links if a == actor} | {a for a, b in links if b == actor}
    allowed: set[int] | None
    if kind == "SELF":
        allowed = {actor}
    elif kind == "ALL":
        allowed = {actor} | connected
    elif listed and all(o == actor or o in connected for o in listed):
        allowed = set(listed)
    else:
        allowed = None
    scope_error = ConnectedOrgsNotSet if allowed is None else None

    before = _snapshot(engine, n)
    missing = _outcome(lambda: engine.target_leaderboard(actor, 999, 200 + owner))

    # Reads: an out-of-scope group is exactly a missing one.
    got = _outcome(lambda: engine.target_leaderboard(scope, 100 + owner, 200 + owner))
    if scope_error is not None:
        assert got[:2] == ("error", scope_error)
    elif owner in allowed:  # type: ignore[operator]
        assert got[0] == "ok" and got[1].rankings[0].achieved_value == owner
    else:
        assert got == missing
    group = _outcome(lambda: engine.target_group(scope, 100 + owner))
    if allowed is not None:
        assert (group[1] is not None) == (owner in allowed)
        found = engine.customer(scope, 10 * owner)
        assert (found is not None) == (owner in allowed)
        shared = engine.customer(scope, 1)
        assert shared is not None and shared.org == min(allowed)
        assert {g.org for g in engine.badge_groups(scope)} == allowed
    assert _snapshot(engine, n) == before

    # Enrollment: ALL refused; out of scope is "not found"; only the owner's state changes.
    enrolled = _outcome(
        lambda: engine.enroll(scope, 100 + owner, 200 + owner, 10 * owner, period_name="P")
    )
    if kind == "ALL":
        assert enrolled[:2] == ("error", ScopeAllNotSupported)
    elif scope_error is not None:
        assert enrolled[:2] == ("error", scope_error)
    elif owner not in allowed:  # type: ignore[operator]
        assert enrolled[:2] == ("error", TargetGroupNotFound)
    else:
        assert enrolled[0] == "ok"
    after = _snapshot(engine, n)
    for org in range(1, n + 1):
        if org != owner or enrolled[0] != "ok":
            assert after[org] == before[org]
        else:
            assert after[org][1][1].enrolled and after[org][1][1].value == 0

    # Activities act on exactly one org: SELF's actor or OTHER's single listed org.
    acted = _outcome(lambda: engine.record_activity(scope, 1, "m", 100))
    single = None
    if kind == "SELF":
        single = actor
    elif kind == "OTHER" and allowed is not None and len(allowed) == 1:
        single = next(iter(allowed))
    final = _snapshot(engine, n)
    for org in range(1, n + 1):
        if org == single:
            assert acted[0] == "ok"
            assert final[org][1][0].value == after[org][1][0].value + 100
        else:
            assert final[org] == after[org]
    if single is None:
        assert acted[0] == "error"
        assert acted[1] in (ScopeAllNotSupported, ConnectedOrgsNotSet)
