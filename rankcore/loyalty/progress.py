"""Progress of customers on targets, and the per-period leaderboards it feeds.

One tracker per target keeps the mutable state:

- :class:`MilestoneTracker`: per period, each enrolled customer's achieved value;
- :class:`StreakTracker`: per customer, the streak count and the total of the latest period
  it had activity in.

Each (target, period) has a :class:`PeriodBoard`: a kernel
:class:`~rankcore.Leaderboard` of the enrolled customers (score: the achieved value, or the
streak count for streaks). Every write to a board passes the customer's latest activity
time in that period as the time its score was reached, so that ties list earlier activity
first; a write that leaves the score as it was changes nothing, so the board's reached-at
time is when the customer reached its current value (Capillary's ``lastActivityTime``).

Writes are split in two so that nothing is half-applied: ``prepare`` validates and computes
without changing anything, and ``record`` applies. Trackers know nothing of orgs or scopes;
the service resolves those first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rankcore.loyalty.errors import AlreadyEnrolled, NotEnrolled
from rankcore.loyalty.events import MilestoneReached, StreakAchieved, StreakBroken
from rankcore.loyalty.periods import Period
from rankcore.loyalty.targets import EnrollmentMode, Target
from rankcore.loyalty.views import (
    EnrollmentStatus,
    MilestoneProgress,
    StreakProgress,
)
from rankcore.persistence.codec import decode_optional_time, encode_optional_time
from rankcore.ranking.keys import check_score
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.standing import Score, Standing
from rankcore.validate import check_id

__all__ = ["MilestoneTracker", "PeriodBoard", "StreakTracker"]


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


class PeriodBoard:
    """The leaderboard of one (target, period), and when it last changed."""

    __slots__ = ("board", "changed_at")

    def __init__(self, target: Target) -> None:
        self.board = Leaderboard(order=target.order, ties=target.ties)
        self.changed_at: datetime | None = None

    def put(self, customer: int, score: Score, last_at: datetime | None, now: datetime) -> None:
        """Place ``customer`` at ``score``, reached at ``last_at``. O(log n)."""
        self.board.set(customer, score, last_at)
        self.changed_at = now

    def drop(self, customer: int, now: datetime) -> None:
        """Take ``customer`` off the board. O(log n)."""
        if self.board.remove(customer):
            self.changed_at = now

    def to_state(self) -> dict[str, object]:
        """The board and its change time as plain data. O(n)."""
        return {
            "board": self.board.to_state(),
            "changed_at": encode_optional_time(self.changed_at),
        }

    @classmethod
    def from_state(cls, target: Target, state: dict[str, Any]) -> PeriodBoard:
        """The board :meth:`to_state` described (a saved ``last_activity``, which older
        versions kept, is ignored). O(n log n)."""
        board = cls(target)
        board.board = Leaderboard.from_state(state["board"])
        board.changed_at = decode_optional_time(state["changed_at"])
        return board


class _Milestone:
    """One customer's state on a milestone in one period."""

    __slots__ = ("enrolled", "last_at", "reached", "value")

    def __init__(self, value: Score) -> None:
        self.value: Score = value
        self.last_at: datetime | None = None
        self.enrolled = True
        self.reached = False


class _Tracker:
    """What both trackers share: their target and one board per period."""

    __slots__ = ("boards", "target")

    def __init__(self, target: Target) -> None:
        self.target = target
        self.boards: dict[int, PeriodBoard] = {}

    def board(self, period_id: int) -> PeriodBoard | None:
        """The board of a period, or ``None`` if nobody was ever on it. O(1)."""
        return self.boards.get(period_id)

    def rankings(self, period_id: int, offset: int, limit: int) -> list[Standing]:
        """A page of the period's board. Each standing's ``reached_at`` is when the customer
        reached its value: the instant that orders it in its tie, and the one Capillary
        reports as ``lastActivityTime``. O(log n + limit)."""
        board = self.boards.get(period_id)
        return [] if board is None else board.board.page(offset, limit)

    def _board(self, period_id: int) -> PeriodBoard:
        board = self.boards.get(period_id)
        if board is None:
            board = self.boards[period_id] = PeriodBoard(self.target)
        return board


class MilestoneTracker(_Tracker):
    """Achieved values of one milestone target, per period and customer."""

    __slots__ = ("auto", "entries")

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.auto = target.enrollment is EnrollmentMode.AUTO
        self.entries: dict[int, dict[int, _Milestone]] = {}

    def _entry(self, customer: int, period_id: int) -> _Milestone | None:
        entries = self.entries.get(period_id)
        return None if entries is None else entries.get(customer)

    # -- activities -------------------------------------------------------------------------

    def prepare(self, customer: int, period_id: int, value: Score) -> Score | None:
        """The achieved value an activity would lead to, or ``None`` if it does not count
        (customer not enrolled). Changes nothing; raises if the total cannot be ranked. O(1).
        """
        entry = self._entry(customer, period_id)
        if entry is None:
            if not self.auto:
                return None
            return check_score(value, "the achieved value")
        if not entry.enrolled:
            return None
        return check_score(entry.value + value, "the achieved value")

    def record(
        self,
        customer: int,
        period: Period,
        total: Score,
        at: datetime,
        now: datetime,
        events: list[object],
    ) -> None:
        """Apply an activity that :meth:`prepare` accepted with result ``total``; returns
        the streak count (``None``: a milestone has none). O(log n)."""
        entries = self.entries.get(period.id)
        if entries is None:
            entries = self.entries[period.id] = {}
        entry = entries.get(customer)
        if entry is None:
            entry = entries[customer] = _Milestone(0)
        entry.value = total
        entry.last_at = _later(entry.last_at, at)
        self._board(period.id).put(customer, total, entry.last_at, now)
        if not entry.reached and total >= self.target.value:
            entry.reached = True
            events.append(self._reached(customer, period.id, total, at))
        return None

    def _reached(self, customer: int, period_id: int, value: Score, at: datetime) -> object:
        target = self.target
        return MilestoneReached(
            target.org, target.group_id, target.id, period_id, customer, value, at
        )

    # -- enrollment -------------------------------------------------------------------------

    def check_enroll(self, customer: int, period_id: int, initial: Score | None) -> None:
        """Raise if ``customer`` cannot enroll in the period now. Changes nothing. O(1)."""
        entry = self._entry(customer, period_id)
        if entry is not None and entry.enrolled:
            raise AlreadyEnrolled(
                f"customer {customer} is already enrolled in target {self.target.id}"
                f" for period {period_id}"
            )
        if initial is not None:
            check_score(initial, "initial_balance")

    def enroll(
        self,
        customer: int,
        period: Period,
        initial: Score | None,
        now: datetime,
        events: list[object],
    ) -> EnrollmentStatus:
        """Enroll (or re-enroll) ``customer`` in the period. ``initial`` sets the achieved
        value; ``None`` starts at 0, or resumes the value held at unenrollment. O(log n).
        """
        self.check_enroll(customer, period.id, initial)
        entries = self.entries.get(period.id)
        if entries is None:
            entries = self.entries[period.id] = {}
        entry = entries.get(customer)
        again = entry is not None
        if entry is None:
            entry = entries[customer] = _Milestone(0 if initial is None else initial)
        else:
            entry.enrolled = True
            if initial is not None:
                entry.value = initial
        self._board(period.id).put(customer, entry.value, entry.last_at, now)
        if not entry.reached and entry.value >= self.target.value:
            entry.reached = True
            events.append(self._reached(customer, period.id, entry.value, now))
        return self._status(customer, period.id, entry, again)

    def check_unenroll(self, customer: int, period_id: int) -> None:
        """Raise :class:`NotEnrolled` unless ``customer`` is enrolled in the period. O(1)."""
        entry = self._entry(customer, period_id)
        if entry is None or not entry.enrolled:
            raise NotEnrolled(
                f"customer {customer} is not enrolled in target {self.target.id}"
                f" for period {period_id}"
            )

    def unenroll(self, customer: int, period: Period, now: datetime) -> EnrollmentStatus:
        """Unenroll ``customer`` from the period, keeping its value for a re-enroll.

        O(log n).
        """
        self.check_unenroll(customer, period.id)
        entry = self.entries[period.id][customer]
        entry.enrolled = False
        board = self.boards.get(period.id)
        if board is not None:
            board.drop(customer, now)
        return self._status(customer, period.id, entry, True)

    def _status(
        self, customer: int, period_id: int, entry: _Milestone, again: bool
    ) -> EnrollmentStatus:
        target = self.target
        return EnrollmentStatus(
            target.org,
            target.group_id,
            target.id,
            customer,
            period_id,
            entry.enrolled,
            entry.value,
            again,
        )

    # -- reads ------------------------------------------------------------------------------

    def progress(self, customer: int, period_id: int) -> MilestoneProgress:
        """``customer``'s progress in the period. O(1)."""
        entry = self._entry(customer, period_id)
        if entry is None:
            return MilestoneProgress(
                self.target.id, period_id, customer, False, False, 0, False, None
            )
        return MilestoneProgress(
            self.target.id,
            period_id,
            customer,
            True,
            entry.enrolled,
            entry.value,
            entry.reached,
            entry.last_at,
        )

    # -- state (snapshots) ------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """Every customer's progress per period and every board, as plain data. O(size)."""
        return {
            "entries": [
                [period_id, [[c, e.value, encode_optional_time(e.last_at), e.enrolled, e.reached]
                             for c, e in entries.items()]]
                for period_id, entries in self.entries.items()
            ],
            "boards": [[period_id, b.to_state()] for period_id, b in self.boards.items()],
        }  # fmt: skip

    @classmethod
    def from_state(cls, target: Target, state: dict[str, Any]) -> MilestoneTracker:
        """The tracker :meth:`to_state` described. O(size log size)."""
        tracker = cls(target)
        for period_id, rows in state["entries"]:
            entries = tracker.entries[period_id] = {}
            for customer, value, last_at, enrolled, reached in rows:
                entry = entries[check_id(customer, "customer")] = _Milestone(check_score(value))
                entry.last_at = decode_optional_time(last_at)
                entry.enrolled = bool(enrolled)
                entry.reached = bool(reached)
        for period_id, board in state["boards"]:
            tracker.boards[period_id] = PeriodBoard.from_state(target, board)
        return tracker


class _Streak:
    """One customer's state on a streak target."""

    __slots__ = ("count", "enrolled", "last_at", "on_board", "period_id", "reached", "total")

    def __init__(self) -> None:
        self.count = 0
        self.enrolled = True
        self.period_id: int | None = None
        self.total: Score = 0
        self.reached = False
        self.last_at: datetime | None = None
        self.on_board = False

    def restart_period(self, period_id: int | None) -> None:
        self.period_id = period_id
        self.total = 0
        self.reached = False
        self.last_at = None
        self.on_board = False


class StreakTracker(_Tracker):
    """Streak counts of one streak target, per customer, and its per-period boards.

    A customer is on a period's board once it has had activity in that period while
    enrolled; its score there is its streak count.
    """

    __slots__ = ("auto", "entries", "length", "positive")

    def __init__(self, target: Target) -> None:
        assert target.streak_length is not None
        super().__init__(target)
        self.length: int = target.streak_length
        self.auto = target.enrollment is EnrollmentMode.AUTO
        self.entries: dict[int, _Streak] = {}
        # Customers whose count is above 0, in the order they got there (an ordered set).
        self.positive: dict[int, None] = {}

    # -- activities -------------------------------------------------------------------------

    def prepare(self, customer: int, period_id: int, value: Score) -> Score | None:
        """The period total an activity would lead to, or ``None`` if it does not count.

        Changes nothing. O(1).
        """
        entry = self.entries.get(customer)
        if entry is None:
            if not self.auto:
                return None
            return check_score(value, "the period total")
        if not entry.enrolled:
            return None
        base = entry.total if entry.period_id == period_id else 0
        return check_score(base + value, "the period total")

    def record(
        self,
        customer: int,
        period: Period,
        total: Score,
        at: datetime,
        now: datetime,
        events: list[object],
    ) -> int:
        """Apply an activity that :meth:`prepare` accepted with result ``total``; returns
        the streak count afterwards. O(log n)."""
        entry = self.entries.get(customer)
        if entry is None:
            entry = self.entries[customer] = _Streak()
        if entry.period_id != period.id:
            entry.restart_period(period.id)
        entry.total = total
        entry.last_at = _later(entry.last_at, at)
        if not entry.reached and total >= self.target.value:
            entry.reached = True
            entry.count += 1
            self.positive[customer] = None
            if entry.count == self.length:
                target = self.target
                events.append(
                    StreakAchieved(
                        target.org,
                        target.group_id,
                        target.id,
                        period.id,
                        customer,
                        entry.count,
                        at,
                    )
                )
        self._board(period.id).put(customer, entry.count, entry.last_at, now)
        entry.on_board = True
        return entry.count

    def close(self, period: Period, now: datetime, events: list[object]) -> None:
        """The period closed: every enrolled customer with a streak who did not reach the
        target value in it drops to 0. O(s log n) for s customers with a streak.
        """
        board = self.boards.get(period.id)
        target = self.target
        for customer in list(self.positive):
            entry = self.entries[customer]
            if not entry.enrolled or (entry.period_id == period.id and entry.reached):
                continue
            events.append(
                StreakBroken(
                    target.org,
                    target.group_id,
                    target.id,
                    period.id,
                    customer,
                    entry.count,
                    period.end,
                )
            )
            entry.count = 0
            del self.positive[customer]
            if board is not None and entry.period_id == period.id and entry.on_board:
                board.put(customer, 0, entry.last_at, now)

    # -- enrollment -------------------------------------------------------------------------

    def check_enroll(self, customer: int) -> None:
        """Raise :class:`AlreadyEnrolled` if ``customer`` is enrolled. O(1)."""
        entry = self.entries.get(customer)
        if entry is not None and entry.enrolled:
            raise AlreadyEnrolled(
                f"customer {customer} is already enrolled in target {self.target.id}"
            )

    def enroll(
        self, customer: int, reset: bool, current: Period | None, now: datetime
    ) -> EnrollmentStatus:
        """Enroll (or re-enroll) ``customer`` in every period of the streak.

        On a re-enroll, ``reset`` restarts the streak (and the current period's total) at 0;
        otherwise the streak continues from its value at unenrollment, and a customer with
        activity in the ``current`` period is back on its board. O(log n).
        """
        self.check_enroll(customer)
        entry = self.entries.get(customer)
        if entry is None:
            entry = self.entries[customer] = _Streak()
            return self._status(customer, entry, False)
        entry.enrolled = True
        if reset:
            entry.count = 0
            self.positive.pop(customer, None)
            entry.restart_period(None)
        elif current is not None and entry.period_id == current.id and entry.last_at is not None:
            self._board(current.id).put(customer, entry.count, entry.last_at, now)
            entry.on_board = True
        return self._status(customer, entry, True)

    def check_unenroll(self, customer: int) -> None:
        """Raise :class:`NotEnrolled` unless ``customer`` is enrolled. O(1)."""
        entry = self.entries.get(customer)
        if entry is None or not entry.enrolled:
            raise NotEnrolled(f"customer {customer} is not enrolled in target {self.target.id}")

    def unenroll(self, customer: int, current: Period | None, now: datetime) -> EnrollmentStatus:
        """Unenroll ``customer``: its streak is frozen until it re-enrolls, and it leaves the
        ``current`` period's board (boards of closed periods are history). O(log n).
        """
        self.check_unenroll(customer)
        entry = self.entries[customer]
        entry.enrolled = False
        if current is not None and entry.period_id == current.id and entry.on_board:
            board = self.boards.get(current.id)
            if board is not None:
                board.drop(customer, now)
            entry.on_board = False
        return self._status(customer, entry, True)

    def _status(self, customer: int, entry: _Streak, again: bool) -> EnrollmentStatus:
        target = self.target
        return EnrollmentStatus(
            target.org,
            target.group_id,
            target.id,
            customer,
            None,
            entry.enrolled,
            entry.count,
            again,
        )

    # -- reads ------------------------------------------------------------------------------

    def progress(self, customer: int) -> StreakProgress:
        """``customer``'s streak. O(1)."""
        entry = self.entries.get(customer)
        if entry is None:
            return StreakProgress(self.target.id, customer, False, False, 0, False, None, 0, False)
        return StreakProgress(
            self.target.id,
            customer,
            True,
            entry.enrolled,
            entry.count,
            entry.count >= self.length,
            entry.period_id,
            entry.total,
            entry.reached,
        )

    # -- state (snapshots) ------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """Every customer's streak, the boards and the order of positive streaks, as plain
        data. O(size)."""
        return {
            "entries": [
                [c, e.count, e.enrolled, e.period_id, e.total, e.reached,
                 encode_optional_time(e.last_at), e.on_board]
                for c, e in self.entries.items()
            ],
            "boards": [[period_id, b.to_state()] for period_id, b in self.boards.items()],
            "positive": list(self.positive),
        }  # fmt: skip

    @classmethod
    def from_state(cls, target: Target, state: dict[str, Any]) -> StreakTracker:
        """The tracker :meth:`to_state` described. O(size log size)."""
        tracker = cls(target)
        for row in state["entries"]:
            customer, count, enrolled, period_id, total, reached, last_at, on_board = row
            entry = tracker.entries[check_id(customer, "customer")] = _Streak()
            entry.count = check_id(count, "count")
            entry.enrolled = bool(enrolled)
            entry.period_id = None if period_id is None else check_id(period_id, "period_id")
            entry.total = check_score(total)
            entry.reached = bool(reached)
            entry.last_at = decode_optional_time(last_at)
            entry.on_board = bool(on_board)
        for period_id, board in state["boards"]:
            tracker.boards[period_id] = PeriodBoard.from_state(target, board)
        for customer in state["positive"]:
            if customer not in tracker.entries:
                raise ValueError(f"unknown customer {customer!r} in a streak")
            tracker.positive[customer] = None
        return tracker
