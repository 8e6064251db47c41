"""The loyalty domain service: orgs' customers, target groups, activities, enrollments,
leaderboards and badge groups, behind data scopes.

Plain, single-threaded state; the engine serialises calls, passes in the current time and
publishes the events each call returns. Every method resolves its data scope first (see
:mod:`rankcore.loyalty.scope`) and validates everything before it changes anything.

Ids of target groups, targets and periods are unique across the whole service (as database
ids are), so an id names at most one entity; whether the caller may see it is then a
question of scope alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final, cast

from rankcore.errors import EventIdConflict, InvalidArgument, InvalidArgumentType, RankcoreError
from rankcore.ids import IdGenerator
from rankcore.loyalty.badges import BadgeGroup, BadgeGroups
from rankcore.loyalty.customers import Customer, CustomerProfile, Customers
from rankcore.loyalty.errors import (
    CustomerNotFound,
    InvalidInput,
    LeaderboardNotEnabled,
    LeaderboardsNotEnabled,
    PeriodClosed,
    TargetGroupNotFound,
    TargetNotFound,
    TargetNotInGroup,
    TargetPeriodNotFound,
    TargetPeriodNotFoundForTarget,
)
from rankcore.loyalty.periods import Period, PeriodCalendar, make_period
from rankcore.loyalty.progress import MilestoneTracker, PeriodBoard, StreakTracker
from rankcore.loyalty.scope import Scope, resolve_one, resolve_scope
from rankcore.loyalty.targets import (
    EnrollmentMode,
    Target,
    TargetGroup,
    TargetType,
    check_metric,
    make_target,
    make_target_group,
)
from rankcore.loyalty.views import (
    ActivityResult,
    BatchResult,
    EnrollmentStatus,
    MilestoneProgress,
    RankingEntry,
    StreakProgress,
    TargetLeaderboard,
    TargetUpdate,
    UserRanking,
)
from rankcore.persistence.codec import decode_time, encode_time
from rankcore.ranking.keys import MAX_INT_SCORE, check_score
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.tenancy import Tenants
from rankcore.timeline.clock import plainly_aware, require_aware
from rankcore.validate import (
    MAX_ID,
    MAX_KEY_LENGTH,
    check_event_id,
    check_id,
    check_text,
    fingerprint,
    same_event,
    saved_fingerprint,
)

__all__ = ["LoyaltyService"]

Tracker = MilestoneTracker | StreakTracker
ScopeArg = Scope | int


_Seen = tuple[Any, ...]
"""A remembered event id: ``(forget_at, at, customer, metric, value)``, when it is forgotten
and what its event was (the instant it counted at, and its payload), to tell a retry from
a reuse; or ``(forget_at, at, fingerprint)`` as a snapshot saves it (``fingerprint`` is
``None`` for ids saved by versions that did not keep one). A tuple of plain values, so that
the garbage collector stops tracking it: an engine remembers ids by the hundred thousand,
and every full collection would walk them all."""


def _fingerprint_of(record: _Seen) -> int | None:
    """The fingerprint of a remembered event's payload (computed when a retry or a snapshot
    asks: most ids are never read again). O(1)."""
    return fingerprint(*record[2:]) if len(record) == 5 else cast(int | None, record[2])


class _Deferred:
    """Stands in for a period board's :class:`~rankcore.Leaderboard` while a batch runs:
    keeps its writes, in order and three values each in one flat list, to be applied
    together at the end (as :meth:`~rankcore.Leaderboard.load` would)."""

    __slots__ = ("writes",)

    def __init__(self) -> None:
        self.writes: list[Any] = []

    def set(self, member: int, score: Score, at: datetime | None = None) -> None:
        """Keep one write. O(1)."""
        self.writes += (member, score, at)


class _Group:
    """A target group with its periods and the trackers of its targets."""

    __slots__ = ("calendar", "info", "trackers")

    def __init__(self, info: TargetGroup) -> None:
        self.info = info
        self.calendar = PeriodCalendar()
        self.trackers: dict[int, Tracker] = {}


class LoyaltyService:
    """The Capillary-style loyalty domain. Not thread-safe: the engine serialises access."""

    def __init__(self, tenants: Tenants, ids: IdGenerator) -> None:
        self._tenants = tenants
        self._customers = Customers()
        self._badges = BadgeGroups(ids)
        self._groups: dict[int, _Group] = {}
        self._targets: dict[int, int] = {}  # target id -> group id
        self._periods: dict[int, int] = {}  # period id -> group id
        self._by_metric: dict[tuple[int, str], list[tuple[_Group, Tracker]]] = {}
        # Remembered event ids per org (see record_activity). The ids to forget at one
        # instant (most share it: a period's end plus its length) are listed together, by
        # (forget at, org), and a heap of (forget at, seq, org) forgets the lists in order.
        self._event_ids: dict[int, dict[str, _Seen]] = {}
        self._forget: list[tuple[datetime, int, int]] = []
        self._forget_ids: dict[tuple[datetime, int], list[str]] = {}
        self._due: list[tuple[datetime, int, int, int]] = []  # (end, seq, group id, period id)
        self._due_seq = 0

    # -- customers --------------------------------------------------------------------------

    def add_customer(self, scope: ScopeArg, customer_id: int, profile: CustomerProfile) -> Customer:
        """Register a customer in the scope's org. O(1)."""
        org = resolve_one(self._tenants, scope)
        return self._customers.add(org, customer_id, profile)

    def update_customer(
        self, scope: ScopeArg, customer_id: int, profile: CustomerProfile
    ) -> Customer:
        """Replace the profile of a customer of the scope's org. O(1)."""
        org = resolve_one(self._tenants, scope)
        customer_id = check_id(customer_id, "customer_id")
        if self._customers.profile(org, customer_id) is None:
            raise CustomerNotFound(f"customer {customer_id} does not exist in org {org}")
        return self._customers.update(org, customer_id, profile)

    def customer(self, scope: ScopeArg, customer_id: int) -> Customer | None:
        """The customer with this id in the scope (lowest org id first), or ``None``. O(k)."""
        orgs = resolve_scope(self._tenants, scope)
        return self._customers.find(orgs, check_id(customer_id, "customer_id"))

    def customers(self, scope: ScopeArg, offset: int, limit: int) -> list[Customer]:
        """A page of the scope's org's customers in registration order (``OTHER`` must name
        one org; ``ALL`` is refused). O(offset + limit)."""
        org = resolve_one(self._tenants, scope)
        return self._customers.listed(org, check_id(offset, "offset"), check_id(limit, "limit"))

    # -- target groups, periods, targets ----------------------------------------------------

    def create_target_group(
        self, scope: ScopeArg, group_id: int, name: str, *, active: bool, leaderboard: bool
    ) -> TargetGroup:
        """Create a target group in the scope's org. O(1)."""
        org = resolve_one(self._tenants, scope)
        info = make_target_group(org, group_id, name, active, leaderboard)
        if info.id in self._groups:
            raise InvalidArgument(f"target group {info.id} already exists")
        self._groups[info.id] = _Group(info)
        return info

    def set_target_group_active(self, scope: ScopeArg, group_id: int, active: bool) -> TargetGroup:
        """Activate or deactivate a target group. A deactivated group counts no activity,
        refuses enrollment and leaderboard reads, and its closing periods break no streak.
        O(1).
        """
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        if not isinstance(active, bool):
            raise InvalidArgumentType(f"active must be a bool, not {type(active).__name__}")
        info = group.info
        group.info = TargetGroup(info.org, info.id, info.name, active, info.leaderboard)
        return group.info

    def target_group(self, scope: ScopeArg, group_id: int) -> TargetGroup | None:
        """The target group with this id in the scope (active or not), or ``None``. O(k)."""
        orgs = resolve_scope(self._tenants, scope)
        group = self._groups.get(check_id(group_id, "group_id"))
        return group.info if group is not None and group.info.org in orgs else None

    def target_groups(self, scope: ScopeArg) -> list[TargetGroup]:
        """The target groups in the scope (active or not), by id. O(g log g) for the g
        groups of the service."""
        orgs = resolve_scope(self._tenants, scope)
        found = [group.info for group in self._groups.values() if group.info.org in orgs]
        return sorted(found, key=lambda info: info.id)

    def add_period(
        self,
        scope: ScopeArg,
        group_id: int,
        period_id: int,
        *,
        ref_code: str,
        name: str,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> Period:
        """Add a period ``[start, end)`` to a target group; it must not overlap another.

        A period that has already ended when it is added is closed from the start: nothing
        can be recorded in it and it breaks no streak. O(p) for p periods of the group.
        """
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        period = make_period(period_id, group.info.id, ref_code, name, start, end)
        if period.id in self._periods:
            raise InvalidArgument(f"period {period.id} already exists")
        group.calendar.add(period)
        self._periods[period.id] = group.info.id
        if period.end > now:
            self._due_seq += 1
            heapq.heappush(self._due, (period.end, self._due_seq, group.info.id, period.id))
        return period

    def periods(self, scope: ScopeArg, group_id: int) -> list[Period]:
        """The periods of a target group in time order. O(p)."""
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        return list(group.calendar)

    def current_period(self, scope: ScopeArg, group_id: int, now: datetime) -> Period | None:
        """The period of the group containing ``now``, or ``None``. O(log p)."""
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        return group.calendar.at(now)

    def add_target(
        self,
        scope: ScopeArg,
        group_id: int,
        target_id: int,
        *,
        name: str,
        type: TargetType | str,
        metric: str,
        value: Score,
        streak_length: int | None = None,
        leaderboard: bool = True,
        ties: object = TiePolicy.ORDINAL,
        order: object = Order.DESC,
        enrollment: object = EnrollmentMode.AUTO,
    ) -> Target:
        """Add a milestone or streak target to a target group. O(1).

        ``ties`` defaults to ordinal: target leaderboards are served in Capillary's shape,
        which lists and ranks equal values by when they were reached (1, 2, 3).
        """
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        target = make_target(
            group.info,
            target_id,
            name=name,
            type=type,
            metric=metric,
            value=value,
            streak_length=streak_length,
            leaderboard=leaderboard,
            ties=ties,
            order=order,
            enrollment=enrollment,
        )
        if target.id in self._targets:
            raise InvalidArgument(f"target {target.id} already exists")
        tracker: Tracker = (
            StreakTracker(target) if target.type is TargetType.STREAK else MilestoneTracker(target)
        )
        group.trackers[target.id] = tracker
        self._targets[target.id] = group.info.id
        self._by_metric.setdefault((target.org, target.metric), []).append((group, tracker))
        return target

    def targets(self, scope: ScopeArg, group_id: int) -> list[Target]:
        """The targets of a target group, in creation order. O(t)."""
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        return [tracker.target for tracker in group.trackers.values()]

    # -- activities -------------------------------------------------------------------------

    def record_activity(
        self,
        scope: ScopeArg,
        customer_id: int,
        metric: str,
        value: Score,
        at: datetime | None,
        event_id: str | int | None,
        now: datetime,
    ) -> tuple[ActivityResult, list[object]]:
        """Count one activity of a customer of the scope's org.

        It counts towards every target of the org tracking ``metric`` (in active groups)
        in which the customer is enrolled (or, for ``auto`` targets, never was: it enrolls),
        in the period containing ``at`` (default: now). Refused, changing nothing, if ``at``
        is in the future or falls in a closed period. O(t log n) for t targets on the metric.

        ``event_id`` (a str, or an int meaning its decimal string) is an idempotency key: the
        same event again (same customer, metric and value, and no ``at`` or the same instant)
        is a duplicate that changes nothing; the id reused for another payload raises
        :class:`~rankcore.errors.EventIdConflict`, changing nothing.

        An ``event_id`` is remembered until one period's length after the latest period
        the activity fell in has closed (``end + (end - start)``); an activity that fell in
        no period changes nothing and is not remembered. Memory for event ids is so bounded
        by the activity of recent periods; a forgotten event retried with its own time is
        refused (its period is closed), so it is never counted twice.
        """
        org = resolve_one(self._tenants, scope)
        customer = check_id(customer_id, "customer_id")
        metric = check_metric(metric)
        value = check_score(value, "value")
        given = at
        if at is None:
            at = now
        else:
            require_aware(at, "at")
            if at > now:
                raise InvalidArgument(
                    f"at ({at.isoformat()}) is later than the engine's time ({now.isoformat()})"
                )
        key = None if event_id is None else check_event_id(event_id)
        if self._customers.profile(org, customer) is None:
            raise CustomerNotFound(f"customer {customer} does not exist in org {org}")
        seen = self._event_ids.get(org)
        if key is not None:
            earlier = None if seen is None else seen.get(key)
            if earlier is not None:
                digest = fingerprint(customer, metric, value)
                if same_event(_fingerprint_of(earlier), earlier[1], digest, given):
                    return ActivityResult(True), []
                raise _conflict(key)
        route = self._by_metric.get((org, metric), ())
        plan, forget_at = _plan(route, customer, value, at, now, key is not None, {})
        events: list[object] = []
        updates: list[TargetUpdate] = []
        for tracker, period, total in plan:
            streak = tracker.record(customer, period, total, at, now, events)
            updates.append(TargetUpdate(tracker.target.id, period.id, total, streak))
        if key is not None and forget_at is not None:
            if seen is None:
                seen = self._event_ids[org] = {}
            seen[key] = (forget_at, at, customer, metric, value)
            self._forgotten_at(forget_at, org).append(key)
        return ActivityResult(False, tuple(updates)), events

    def _forgotten_at(self, when: datetime, org: int) -> list[str]:
        """The list of ``org``'s event ids to forget at ``when``, to append to. O(1), or
        O(log f) for f instants when ``when`` is new."""
        ids = self._forget_ids.get((when, org))
        if ids is None:
            ids = self._forget_ids[(when, org)] = []
            self._due_seq += 1
            heapq.heappush(self._forget, (when, self._due_seq, org))
        return ids

    def record_activities(
        self,
        scope: ScopeArg,
        activities: Sequence[Sequence[Any]],
        now: datetime,
    ) -> tuple[BatchResult, list[object]]:
        """Count a batch of activities ``(customer, metric, value, at, event_id)`` of the
        scope's org, in order, each exactly as :meth:`record_activity` would count it after
        the ones before it.

        Every activity's shape (types and bounds of each field) is checked first: one that
        is malformed raises :class:`~rankcore.InvalidArgument` (or
        :class:`~rankcore.InvalidArgumentType`) naming its position, and nothing changes.
        An activity the domain refuses (unknown customer, closed period, a time after
        ``now``, a reused event id, a total that cannot be ranked) changes nothing and is
        reported by position; the others are applied. Returns the batch's result and the
        events. O(b t log n) for b activities and t targets on their metrics.
        """
        org = resolve_one(self._tenants, scope)
        checked = _check_batch(activities)
        customers = self._customers.profile
        seen = self._event_ids.get(org)
        by_metric = self._by_metric
        routes: dict[str, list[tuple[_Group, Tracker]]] = {}  # metric -> its targets
        keeps: dict[int, datetime] = {}  # id(period) -> when its event ids are forgotten
        rows: list[Any] = []  # per activity: see _activity_results
        counted = duplicates = 0
        refusals: list[tuple[int, RankcoreError]] = []
        events: list[object] = []
        known: set[int] = set()  # customers found in this batch already
        forget_last: datetime | None = None  # when the ids of forget_ids are forgotten
        forget_ids: list[str] = []
        # Board writes wait for the end of the batch: each board applies its own together
        # (equal to setting each in turn), a member's time packed once and one sort.
        deferred: dict[int, tuple[PeriodBoard, Leaderboard[Any], _Deferred]] = {}
        try:
            fields = iter(checked)  # five at a time; zip reuses its tuple
            rows_in = zip(fields, fields, fields, fields, fields, strict=True)
            for position, (customer, metric, value, given, key) in enumerate(rows_in):
                at = now if given is None else given
                try:
                    if at > now:
                        raise InvalidArgument(
                            f"at ({at.isoformat()}) is later than the engine's time"
                            f" ({now.isoformat()})"
                        )
                    if customer not in known:
                        if customers(org, customer) is None:
                            raise CustomerNotFound(
                                f"customer {customer} does not exist in org {org}"
                            )
                        known.add(customer)
                    if key is not None:
                        earlier = None if seen is None else seen.get(key)
                        if earlier is not None:
                            digest = fingerprint(customer, metric, value)
                            if same_event(_fingerprint_of(earlier), earlier[1], digest, given):
                                rows.append(_REPEATED)
                                duplicates += 1
                                continue
                            raise _conflict(key)
                    route = routes.get(metric)
                    if route is None:
                        route = routes[metric] = by_metric.get((org, metric), [])
                    plan, forget_at = _plan(route, customer, value, at, now, key is not None, keeps)
                except RankcoreError as exc:
                    rows.append(None)
                    refusals.append((position, exc))
                    continue
                rows.append(len(plan))
                for tracker, period, total in plan:
                    board = tracker.board(period.id)
                    if board is not None and id(board) not in deferred:
                        recorder = _Deferred()
                        deferred[id(board)] = (board, board.board, recorder)
                        board.board = cast(Leaderboard[Any], recorder)
                    streak = tracker.record(customer, period, total, at, now, events)
                    rows += (tracker.target.id, period.id, total, streak)
                if key is not None and forget_at is not None:
                    if seen is None:
                        seen = self._event_ids[org] = {}
                    seen[key] = (forget_at, at, customer, metric, value)
                    if forget_at is not forget_last:
                        forget_last, forget_ids = forget_at, self._forgotten_at(forget_at, org)
                    forget_ids.append(key)
                counted += 1
        finally:
            for board, real, recorder in deferred.values():
                board.board = real
                real._load_checked(recorder.writes)
        result = BatchResult.from_rows(
            rows, _activity_results, counted, duplicates, tuple(refusals)
        )
        return result, events

    # -- enrollment -------------------------------------------------------------------------

    def _enrollment_target(
        self, scope: ScopeArg, group_id: int, target_id: int, customer_id: int
    ) -> tuple[_Group, Tracker, int]:
        check_id(group_id, "group_id")
        check_id(target_id, "target_id")
        customer = check_id(customer_id, "customer_id")
        orgs = resolve_scope(self._tenants, scope, allow_all=False)
        group = self._group(orgs, group_id, active_only=True)
        tracker = group.trackers.get(target_id)
        if tracker is None:
            raise TargetNotFound(f"target {target_id} is not in target group {group_id}")
        if self._customers.profile(group.info.org, customer) is None:
            raise CustomerNotFound(f"customer {customer} does not exist in org {group.info.org}")
        return group, tracker, customer

    @staticmethod
    def _milestone_period(group: _Group, period_name: object, now: datetime) -> Period:
        if period_name is None:
            raise InvalidInput("period_name is required for a milestone")
        period = group.calendar.by_name(check_text(period_name, "period_name"))
        if period is None:
            raise TargetPeriodNotFound(
                f"target group {group.info.id} has no period named {period_name!r}"
            )
        if now >= period.end:
            raise PeriodClosed(f"period {period_name!r} closed at {period.end.isoformat()}")
        return period

    def enroll(
        self,
        scope: ScopeArg,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None,
        initial_balance: Score | None,
        reset_streak: bool | None,
        now: datetime,
    ) -> tuple[EnrollmentStatus, list[object]]:
        """Enroll, or re-enroll, a customer in a target (Capillary's semantics).

        Milestones: per period (``period_name`` required); ``initial_balance`` sets the
        achieved value, and on a re-enroll ``None`` resumes from the value at unenrollment.
        Streaks: every period; ``reset_streak`` restarts a re-enrolled streak at 0, else it
        continues. ``DATA-SCOPE: ALL`` is refused (310141). O(log n).
        """
        if initial_balance is not None:
            initial_balance = check_score(initial_balance, "initial_balance")
        if reset_streak is not None and not isinstance(reset_streak, bool):
            raise InvalidArgumentType(
                f"reset_streak must be a bool or None, not {type(reset_streak).__name__}"
            )
        group, tracker, customer = self._enrollment_target(scope, group_id, target_id, customer_id)
        events: list[object] = []
        if isinstance(tracker, MilestoneTracker):
            period = self._milestone_period(group, period_name, now)
            tracker.check_enroll(customer, period.id, initial_balance)
            status = tracker.enroll(customer, period, initial_balance, now, events)
        else:
            tracker.check_enroll(customer)
            current = group.calendar.at(now)
            status = tracker.enroll(customer, bool(reset_streak), current, now)
        return status, events

    def unenroll(
        self,
        scope: ScopeArg,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None,
        now: datetime,
    ) -> EnrollmentStatus:
        """Unenroll a customer from a target (a milestone: from the named period).

        The customer leaves the open board and accrues nothing until re-enrolled; its value
        (or streak) is kept for a re-enroll. ``DATA-SCOPE: ALL`` is refused. O(log n).
        """
        group, tracker, customer = self._enrollment_target(scope, group_id, target_id, customer_id)
        if isinstance(tracker, MilestoneTracker):
            period = self._milestone_period(group, period_name, now)
            tracker.check_unenroll(customer, period.id)
            return tracker.unenroll(customer, period, now)
        tracker.check_unenroll(customer)
        return tracker.unenroll(customer, group.calendar.at(now), now)

    # -- progress ---------------------------------------------------------------------------

    def _tracker(self, scope: ScopeArg, group_id: int, target_id: int) -> tuple[_Group, Tracker]:
        check_id(target_id, "target_id")
        group = self._group(resolve_scope(self._tenants, scope), group_id, active_only=False)
        tracker = group.trackers.get(target_id)
        if tracker is None:
            raise TargetNotFound(f"target {target_id} is not in target group {group_id}")
        return group, tracker

    def milestone_progress(
        self, scope: ScopeArg, group_id: int, target_id: int, customer_id: int, period_id: int
    ) -> MilestoneProgress:
        """A customer's progress on a milestone target in one period. O(1)."""
        customer = check_id(customer_id, "customer_id")
        check_id(period_id, "period_id")
        group, tracker = self._tracker(scope, group_id, target_id)
        if not isinstance(tracker, MilestoneTracker):
            raise InvalidArgument(f"target {target_id} is a streak, not a milestone")
        if group.calendar.by_id(period_id) is None:
            raise TargetPeriodNotFoundForTarget(
                f"period {period_id} is not in target group {group_id}"
            )
        return tracker.progress(customer, period_id)

    def streak_progress(
        self, scope: ScopeArg, group_id: int, target_id: int, customer_id: int
    ) -> StreakProgress:
        """A customer's streak on a streak target. O(1)."""
        customer = check_id(customer_id, "customer_id")
        _group, tracker = self._tracker(scope, group_id, target_id)
        if not isinstance(tracker, StreakTracker):
            raise InvalidArgument(f"target {target_id} is a milestone, not a streak")
        return tracker.progress(customer)

    # -- leaderboards -----------------------------------------------------------------------

    def target_leaderboard(
        self,
        scope: ScopeArg,
        group_id: int,
        target_id: int,
        *,
        period_id: int | None,
        offset: int,
        limit: int,
        now: datetime,
    ) -> TargetLeaderboard:
        """A page of the leaderboard of a target in a period (default: the group's current
        period), with Capillary's checks in Capillary's order: 310133, 310017, 310134,
        310079, 310118. O(log n + limit).
        """
        check_id(group_id, "group_id")
        check_id(target_id, "target_id")
        if period_id is not None:
            check_id(period_id, "period_id")
        offset = check_id(offset, "offset")
        limit = check_id(limit, "limit")
        orgs = resolve_scope(self._tenants, scope)
        group = self._groups.get(group_id)
        if group is None or group.info.org not in orgs:
            disabled = [org for org in orgs if not self._leaderboards(org)]
            if len(disabled) == len(orgs):
                raise LeaderboardsNotEnabled(disabled)
            raise TargetGroupNotFound(f"no target group {group_id} in scope")
        info = group.info
        if not self._leaderboards(info.org):
            raise LeaderboardsNotEnabled([info.org])
        if not info.active:
            raise TargetGroupNotFound(f"target group {group_id} is deactivated")
        if not info.leaderboard:
            raise LeaderboardNotEnabled(f"leaderboard is not enabled for target group {group_id}")
        tracker = group.trackers.get(target_id)
        if tracker is None:
            raise TargetNotInGroup(f"target {target_id} is not in target group {group_id}")
        target = tracker.target
        if not target.leaderboard:
            raise LeaderboardNotEnabled(f"leaderboard is not enabled for target {target_id}")
        period = group.calendar.at(now) if period_id is None else group.calendar.by_id(period_id)
        if period is None:
            raise TargetPeriodNotFoundForTarget(
                f"target group {group_id} has no current period"
                if period_id is None
                else f"period {period_id} is not in target group {group_id}"
            )
        org = self._tenants.get(info.org)
        assert org is not None
        zone = org.zone
        board: PeriodBoard | None = tracker.board(period.id)
        rankings: list[RankingEntry] = []
        total = 0
        changed = now
        if board is not None:
            total = len(board.board)
            changed = board.changed_at or now
            profile_of = self._customers.profile
            owner = info.org
            for standing in tracker.rankings(period.id, offset, limit):
                member = standing.member
                assert isinstance(member, int)
                profile = profile_of(owner, member)
                assert profile is not None
                reached = standing.reached_at
                rankings.append(
                    RankingEntry(
                        standing.rank,
                        member,
                        standing.score,
                        None if reached is None else reached.astimezone(zone),
                        profile,
                    )
                )
        return TargetLeaderboard(
            org=info.org,
            zone=zone,
            target_group_id=info.id,
            target_group_name=info.name,
            period=period,
            target_id=target.id,
            target_name=target.name,
            target_type=target.type,
            offset=offset,
            limit=limit,
            total=total,
            last_sync_time=changed.astimezone(zone),
            rankings=tuple(rankings),
        )

    def user_rankings(
        self,
        scope: ScopeArg,
        customer_id: int,
        wanted: list[tuple[int | None, int, int, int | None]] | None,
        *,
        limit: int,
        now: datetime,
    ) -> list[UserRanking]:
        """A customer's places on target leaderboards: on each ``(org or None, group id,
        target id, period id or None)`` of ``wanted``, checked as :meth:`target_leaderboard`
        checks (an org that is not the group's is "not found"); or, ``wanted`` being
        ``None``, on every leaderboard-enabled target of every active, leaderboard-enabled
        group in scope, in the group's current period (by group id, then target creation),
        at most ``limit`` of them. Boards the customer is not on are left out.
        Raises :class:`CustomerNotFound` (310011) for a customer not in scope.
        O(w log n) for w boards looked at.
        """
        customer = check_id(customer_id, "customer_id")
        orgs = resolve_scope(self._tenants, scope)
        if self._customers.find(orgs, customer) is None:
            raise CustomerNotFound(f"customer {customer} does not exist in scope")
        boards: list[tuple[_Group, Tracker, Period]] = []
        if wanted is None:
            for group in sorted(self._groups.values(), key=lambda g: g.info.id):
                info = group.info
                if info.org not in orgs or not info.active or not info.leaderboard:
                    continue
                if not self._leaderboards(info.org):
                    continue
                period = group.calendar.at(now)
                if period is None:
                    continue
                for tracker in group.trackers.values():
                    if tracker.target.leaderboard:
                        boards.append((group, tracker, period))
        else:
            for org_id, group_id, target_id, period_id in wanted:
                board = self.target_leaderboard(
                    scope, group_id, target_id, period_id=period_id, offset=0, limit=0, now=now
                )
                if org_id is not None and org_id != board.org:
                    raise TargetGroupNotFound(f"target group {group_id} is not org {org_id}'s")
                group = self._groups[group_id]
                boards.append((group, group.trackers[target_id], board.period))
        found: list[UserRanking] = []
        for group, tracker, period in boards:
            if len(found) >= limit:
                break
            period_board = tracker.board(period.id)
            standing = None if period_board is None else period_board.board.get(customer)
            if period_board is None or standing is None:
                continue
            owner = self._tenants.get(group.info.org)
            assert owner is not None
            zone = owner.zone
            reached = standing.reached_at
            found.append(
                UserRanking(
                    org=group.info.org,
                    target_group_id=group.info.id,
                    target_group_name=group.info.name,
                    period=period,
                    target_id=tracker.target.id,
                    target_name=tracker.target.name,
                    rank=standing.rank,
                    achieved_value=standing.score,
                    last_activity_at=None if reached is None else reached.astimezone(zone),
                    changed_at=period_board.changed_at,
                )
            )
        return found

    def _leaderboards(self, org_id: int) -> bool:
        org = self._tenants.get(org_id)
        return org is not None and org.leaderboards

    # -- badge groups -----------------------------------------------------------------------

    def create_badge_group(
        self, scope: ScopeArg, name: str | None, rank: int | None, user: int, now: datetime
    ) -> BadgeGroup:
        """Create a badge group in the scope's org (733 duplicate name, 732 no rank). O(1)."""
        org = resolve_one(self._tenants, scope)
        return self._badges.create(org, name, rank, user, now)

    def badge_groups(self, scope: ScopeArg) -> list[BadgeGroup]:
        """The badge groups in scope, by rank (then org id, then creation). O(g log g)."""
        return self._badges.listed(resolve_scope(self._tenants, scope))

    def badge_group(self, scope: ScopeArg, group_id: str) -> BadgeGroup | None:
        """The badge group with this id in the scope, or ``None``. O(g)."""
        if not isinstance(group_id, str):
            raise InvalidArgumentType(f"group_id must be a str, not {type(group_id).__name__}")
        return self._badges.get(sorted(resolve_scope(self._tenants, scope)), group_id)

    # -- time -------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        """The earliest instant at which :meth:`close_due` would change something (close a
        period, forget an event id), or ``None``. O(1)."""
        heads = [queue[0][0] for queue in (self._due, self._forget) if queue]
        return min(heads) if heads else None

    def close_due(self, now: datetime) -> list[object]:
        """Close every period that ended by ``now``, in order of end; returns the events
        (streaks broken). O(c + s log n) for c periods closed and s streaks concerned.
        """
        forget = self._forget
        while forget and forget[0][0] <= now:
            when, _seq, org = heapq.heappop(forget)
            ids = self._forget_ids.pop((when, org))
            seen = self._event_ids.get(org)
            if seen is not None:
                for event_id in ids:
                    record = seen.get(event_id)
                    if record is not None and record[0] == when:
                        del seen[event_id]
        events: list[object] = []
        due = self._due
        while due and due[0][0] <= now:
            _end, _seq, group_id, period_id = heapq.heappop(due)
            group = self._groups[group_id]
            if not group.info.active:
                continue
            period = group.calendar.by_id(period_id)
            assert period is not None
            for tracker in group.trackers.values():
                if isinstance(tracker, StreakTracker):
                    tracker.close(period, now, events)
        return events

    # -- state (snapshots) ------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """Everything the service holds, as plain JSON-ready data (see
        ``docs/durability.md``): customers, badge groups, target groups with their periods,
        targets (in creation order) with their progress and boards, remembered event ids and
        the periods still to close. O(size).
        """
        groups = []
        for group in self._groups.values():
            info = group.info
            groups.append(
                {
                    "org": info.org,
                    "id": info.id,
                    "name": info.name,
                    "active": info.active,
                    "leaderboard": info.leaderboard,
                    "periods": [
                        [p.id, p.ref_code, p.name, encode_time(p.start), encode_time(p.end)]
                        for p in group.calendar
                    ],
                }
            )
        targets = []
        for target_id, group_id in self._targets.items():
            tracker = self._groups[group_id].trackers[target_id]
            t = tracker.target
            targets.append(
                {
                    "group": group_id,
                    "id": t.id,
                    "name": t.name,
                    "type": t.type.value,
                    "metric": t.metric,
                    "value": t.value,
                    "streak_length": t.streak_length,
                    "leaderboard": t.leaderboard,
                    "ties": t.ties.value,
                    "order": t.order.value,
                    "enrollment": t.enrollment.value,
                    "progress": tracker.to_state(),
                }
            )
        return {
            "customers": self._customers.to_state(),
            "badges": self._badges.to_state(),
            "groups": groups,
            "targets": targets,
            "event_ids": [
                [org, [_seen_state(event_id, record) for event_id, record in seen.items()]]
                for org, seen in self._event_ids.items()
            ],
            "forget": [
                [encode_time(t), org, e]
                for t, _, org in sorted(self._forget)
                for e in self._forget_ids[(t, org)]
            ],
            "due": [[encode_time(t), g, p] for t, _, g, p in sorted(self._due)],
        }

    @classmethod
    def from_state(
        cls, state: dict[str, Any], tenants: Tenants, ids: IdGenerator
    ) -> LoyaltyService:
        """The service :meth:`to_state` described, over ``tenants`` and ``ids``. Raises
        ``ValueError``/``TypeError``/``KeyError`` on malformed state. O(size log size)."""
        service = cls(tenants, ids)
        service._customers = Customers.from_state(state["customers"])
        service._badges = BadgeGroups.from_state(state["badges"], ids)
        for item in state["groups"]:
            if item["org"] not in tenants or item["id"] in service._groups:
                raise ValueError(f"malformed target group {item['id']!r}")
            info = make_target_group(
                item["org"], item["id"], item["name"], item["active"], item["leaderboard"]
            )
            group = service._groups[info.id] = _Group(info)
            for period_id, ref_code, name, start, end in item["periods"]:
                period = make_period(
                    period_id, info.id, ref_code, name, decode_time(start), decode_time(end)
                )
                group.calendar.add(period)
                service._periods[period.id] = info.id
        for item in state["targets"]:
            group = service._groups[item["group"]]
            target = make_target(
                group.info,
                item["id"],
                name=item["name"],
                type=item["type"],
                metric=item["metric"],
                value=item["value"],
                streak_length=item["streak_length"],
                leaderboard=item["leaderboard"],
                ties=item["ties"],
                order=item["order"],
                enrollment=item["enrollment"],
            )
            if target.id in service._targets:
                raise ValueError(f"duplicate target {target.id}")
            tracker: Tracker = (
                StreakTracker.from_state(target, item["progress"])
                if target.type is TargetType.STREAK
                else MilestoneTracker.from_state(target, item["progress"])
            )
            group.trackers[target.id] = tracker
            service._targets[target.id] = group.info.id
            service._by_metric.setdefault((target.org, target.metric), []).append((group, tracker))
        for org, rows in state["event_ids"]:
            service._event_ids[org] = dict(_seen_from(row) for row in rows)
        for t, org, event_id in state["forget"]:
            when, key = decode_time(t), check_event_id(event_id)
            service._forgotten_at(when, check_id(org, "org")).append(key)
        seq = service._due_seq
        for t, group_id, period_id in state["due"]:
            if service._periods.get(period_id) != group_id:
                raise ValueError(f"unknown period {period_id!r} in the due list")
            seq += 1
            service._due.append((decode_time(t), seq, group_id, period_id))
        service._due_seq = seq
        heapq.heapify(service._due)
        return service

    # -- lookups ----------------------------------------------------------------------------

    def _group(self, orgs: frozenset[int], group_id: object, *, active_only: bool) -> _Group:
        """The group with this id if its org is in ``orgs`` (and, if asked, it is active);
        anything else is "not found" (310017). O(1).
        """
        group = self._groups.get(check_id(group_id, "group_id"))
        if group is None or group.info.org not in orgs:
            raise TargetGroupNotFound(f"no target group {group_id} in scope")
        if active_only and not group.info.active:
            raise TargetGroupNotFound(f"target group {group_id} is deactivated")
        return group


def _seen_state(event_id: str, record: _Seen) -> list[object]:
    at = None if record[1] is None else encode_time(record[1])
    return [event_id, encode_time(record[0]), _fingerprint_of(record), at]


def _seen_from(row: list[Any]) -> tuple[str, _Seen]:
    """A remembered event id from its saved row; rows saved without a fingerprint (older
    versions) match any retry."""
    event_id, forget_at, *payload = row
    digest, at = payload if payload else (None, None)
    when = None if at is None else decode_time(at)
    return check_event_id(event_id), (decode_time(forget_at), when, saved_fingerprint(digest))


_DUPLICATE: Final = ActivityResult(True)
_REPEATED: Final = -1
"""A batch row: the activity was a duplicate."""


def _activity_results(rows: list[Any]) -> tuple[ActivityResult | None, ...]:
    """The results of a batch from its rows: per activity ``None`` (refused),
    :data:`_REPEATED` (a duplicate), or ``n`` followed by the ``(target_id, period_id,
    achieved_value, streak_count)`` of its ``n`` updates. O(rows)."""
    results: list[ActivityResult | None] = []
    append, position, end = results.append, 0, len(rows)
    while position < end:
        count = rows[position]
        position += 1
        if count is None:
            append(None)
        elif count == _REPEATED:
            append(_DUPLICATE)
        else:
            stop = position + 4 * count
            updates = [TargetUpdate(*rows[i : i + 4]) for i in range(position, stop, 4)]
            append(ActivityResult(False, tuple(updates)))
            position = stop
    return tuple(results)


_CHECKED_METRICS: Final[dict[str, str]] = {}  # metric names already checked, by themselves


def _check_batch(activities: Sequence[Sequence[Any]]) -> list[Any]:
    """The fields of each activity of a batch, checked as :meth:`LoyaltyService.
    record_activity` checks them (an int event id as its text), in one flat list (five
    values an activity: no container per activity lives while the batch runs); or raise
    naming the first malformed one's position and field. Common values take a fast path.
    O(batch)."""
    checked: list[Any] = []
    metrics = _CHECKED_METRICS
    for position, item in enumerate(activities):
        if type(item) is not tuple or len(item) != 5:
            raise InvalidArgumentType(
                f"activities[{position}] must be a (customer, metric, value, at, event_id)"
                f" tuple, not {type(item).__name__}"
            )
        customer, metric, value, at, event_id = item
        if type(customer) is not int or not 0 <= customer <= MAX_ID:
            customer = check_id(customer, f"activities[{position}].customer")
        name = metrics.get(metric) if type(metric) is str else None
        if name is None:
            name = check_text(
                metric, f"activities[{position}].metric", max_length=MAX_KEY_LENGTH, blank=False
            )
            if len(metrics) < 1024:
                metrics[name] = name
        if type(value) is not int or not -MAX_INT_SCORE <= value <= MAX_INT_SCORE:
            value = check_score(value, f"activities[{position}].value")
        if at is not None and not plainly_aware(at):
            at = require_aware(at, f"activities[{position}].at")
        key: str | None
        if event_id is None:
            key = None
        elif type(event_id) is int and -MAX_ID - 1 <= event_id <= MAX_ID:
            key = str(event_id)
        elif (
            type(event_id) is str
            and len(event_id) <= MAX_KEY_LENGTH
            and event_id.isascii()
            and event_id.strip()
        ):
            key = event_id
        else:
            key = check_event_id(event_id, f"activities[{position}].event_id")
        checked += (customer, name, value, at, key)
    return checked


def _conflict(key: str) -> EventIdConflict:
    return EventIdConflict(
        f"event_id {key!r} was already counted for another activity (customer,"
        " metric, value or at differ); an event id names one event"
    )


def _plan(
    route: Iterable[tuple[_Group, Tracker]],
    customer: int,
    value: Score,
    at: datetime,
    now: datetime,
    with_id: bool,
    keeps: dict[int, datetime],
) -> tuple[list[tuple[Tracker, Period, Score]], datetime | None]:
    """What an activity at ``at`` moves among the targets of its metric (``route``): each
    tracker with its period and new total; and, for an activity ``with_id``, when its event
    id may be forgotten (a period's end plus its length, the latest of them; ``keeps``
    caches them by period). Changes nothing; raises :class:`PeriodClosed` when ``at`` falls
    in a period that closed. O(targets)."""
    plan: list[tuple[Tracker, Period, Score]] = []
    forget_at: datetime | None = None
    for group, tracker in route:
        if not group.info.active:
            continue
        period = group.calendar.at(at)
        if period is None:
            continue
        if now >= period.end:
            raise PeriodClosed(
                f"at ({at.isoformat()}) falls in period {period.id} of target group"
                f" {group.info.id}, which closed at {period.end.isoformat()}"
            )
        if with_id:
            keep = keeps.get(id(period))
            if keep is None:
                keep = keeps[id(period)] = period.end + (period.end - period.start)
            if forget_at is None or keep > forget_at:
                forget_at = keep
        total = tracker.prepare(customer, period.id, value)
        if total is not None:
            plan.append((tracker, period, total))
    return plan, forget_at
