"""One leaderboard campaign's state: its schedule, brackets and the intervals so far.

Plain, inspectable structures; no locking and no clock (the service passes ``now``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from rankcore.campaigns.brackets import RewardTable
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    CampaignEntry,
    CampaignInfo,
    IntervalInfo,
    IntervalStatus,
)
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import TiePolicy
from rankcore.timeline.recurrence import Interval, Recurrence, Schedule

__all__ = ["EVENT_ID_WINDOW", "Campaign", "IntervalState", "Remembered"]

EVENT_ID_WINDOW: Final[Mapping[Recurrence, timedelta]] = MappingProxyType(
    {
        Recurrence.DAILY: timedelta(days=2),
        Recurrence.WEEKLY: timedelta(days=8),
        Recurrence.MONTHLY: timedelta(days=32),
        Recurrence.CAMPAIGN_DURATION: timedelta(days=1),
    }
)
"""How far behind the engine's time an award may be stamped, and so how long its event id
is remembered at most, per recurrence.

A recurring campaign's window is longer than any of its intervals (DST days included), so
an award for the open interval is never too late; a ``campaign_duration`` campaign has one
interval as long as the campaign, so its window (one day) is what bounds the memory.
"""

_COMPETITION = TiePolicy.COMPETITION
_CHUNK = 256


class IntervalState:
    """One interval: its span, its leaderboard (created on the first award), whether it has
    closed, its payouts once closed, and the event ids counted in it that are remembered
    (an ordered set, kept in step with :attr:`Campaign.seen`)."""

    __slots__ = ("activity_id", "board", "closed", "event_ids", "payouts", "span")

    def __init__(self, activity_id: str, span: Interval) -> None:
        self.activity_id = activity_id
        self.span = span
        self.board: Leaderboard | None = None
        self.closed = False
        self.payouts: tuple[Payout, ...] = ()
        self.event_ids: dict[str, None] = {}

    def __len__(self) -> int:
        return 0 if self.board is None else len(self.board)


class Remembered:
    """A remembered event id: the interval it counted in, the source id, the payload's
    fingerprint (``None``: saved by an older version) and the instant it counted at."""

    __slots__ = ("at", "fingerprint", "source_id", "state")

    def __init__(
        self,
        state: IntervalState,
        source_id: str,
        fingerprint: int | None,
        at: datetime | None,
    ) -> None:
        self.state = state
        self.source_id = source_id
        self.fingerprint = fingerprint
        self.at = at


class Campaign:
    """A campaign: settings (:class:`CampaignInfo`), its :class:`Schedule` and
    :class:`RewardTable`, the retained intervals (oldest first) and the seen event ids."""

    __slots__ = (
        "closed_count",
        "given_ids",
        "grace",
        "info",
        "intervals",
        "last_span",
        "open",
        "schedule",
        "seen",
        "table",
        "window",
    )

    def __init__(self, info: CampaignInfo, schedule: Schedule, table: RewardTable) -> None:
        self.info = info
        self.schedule = schedule
        self.table = table
        self.intervals: dict[str, IntervalState] = {}
        """Retained intervals by activity id, in order; only the last may be open."""
        self.open: IntervalState | None = None
        """The interval taking points now, if any."""
        self.last_span: Interval | None = None
        """The span of the latest interval opened (kept even if retention dropped it)."""
        self.seen: dict[str, Remembered] = {}
        """Remembered event ids: those of the open interval and of the last closed one, if
        retained (see :meth:`close_open`), and at most :attr:`window` behind the clock."""
        self.window: timedelta = EVENT_ID_WINDOW[info.recurrence]
        """How far behind the clock an award may be stamped (:data:`EVENT_ID_WINDOW`)."""
        self.grace: IntervalState | None = None
        """The last closed interval, whose event ids are remembered until the next closes."""
        self.closed_count = 0
        self.given_ids: list[str] = []
        """Activity ids supplied at creation, still to hand out to the next intervals."""

    # -- lifecycle ----------------------------------------------------------------------------

    def next_span(self) -> Interval | None:
        """The span of the next interval to open, or ``None`` after the last. O(1)."""
        if self.last_span is None:
            return self.schedule.first()
        return self.schedule.after(self.last_span)

    def open_next(self, activity_id: str) -> IntervalState:
        """Open the next interval under ``activity_id``. O(1)."""
        span = self.next_span()
        assert span is not None and self.open is None
        state = IntervalState(activity_id, span)
        self.intervals[activity_id] = state
        self.open = state
        self.last_span = span
        return state

    def close_open(self) -> IntervalClosed:
        """Close the open interval: freeze it, compute its payouts, apply retention.

        Event ids are remembered (a retry is a ``duplicate``) while their interval is open
        and until the *next* interval closes, and never once their award time is more than
        :attr:`window` behind the clock (the book forgets those); so memory holds at most two
        intervals', and at most one window's, worth of ids. A forgotten event's retry with
        its own time is refused (its interval is closed, or it is too late), so it is never
        counted twice.
        O(log n + k) for k participants rewarded (ties at the last rewarded rank included).
        """
        state = self.open
        assert state is not None
        state.closed = True
        state.payouts = self.payouts_of(state)
        self.open = None
        self.closed_count += 1
        info = self.info
        event = IntervalClosed(
            campaign_id=info.id,
            org=info.org,
            activity_id=state.activity_id,
            recurrence=info.recurrence,
            sequence=state.span.sequence,
            start=state.span.start,
            end=state.span.end,
            participants=len(state),
            payouts=state.payouts,
            final=state.span.end == info.end,
        )
        if self.grace is not None:
            self.forget(self.grace)
        self.grace = state
        retention = info.retention
        if retention is not None:
            while len(self.intervals) > retention:
                oldest = next(iter(self.intervals.values()))
                if not oldest.closed:
                    break
                del self.intervals[oldest.activity_id]
                self.forget(oldest)
        return event

    def remember(self, event_id: str, record: Remembered) -> None:
        """Remember ``event_id`` (not remembered yet) as ``record``. O(1)."""
        self.seen[event_id] = record
        record.state.event_ids[event_id] = None

    def forget_id(self, event_id: str, record: Remembered) -> None:
        """Forget ``event_id`` if it is still remembered as ``record``. O(1)."""
        if self.seen.get(event_id) is record:
            del self.seen[event_id]
            del record.state.event_ids[event_id]

    def forget(self, state: IntervalState) -> None:
        """Forget the event ids counted in ``state``. O(ids of ``state``)."""
        seen = self.seen
        for event_id in state.event_ids:
            del seen[event_id]
        state.event_ids = {}

    # -- reads --------------------------------------------------------------------------------

    def payouts_of(self, state: IntervalState) -> tuple[Payout, ...]:
        """Who earns what in ``state``, in listing order. O(log n + k)."""
        board = state.board
        deepest = self.table.deepest
        if board is None or deepest == 0:
            return ()
        table = self.table
        payouts: list[Payout] = []
        offset = 0
        while True:
            chunk = board.page(offset, _CHUNK, ties=_COMPETITION)
            for standing in chunk:
                if standing.rank > deepest:
                    return tuple(payouts)
                bracket = table.bracket_for(standing.rank, standing.score)
                if bracket is not None:
                    payouts.append(
                        Payout(
                            str(standing.member),
                            standing.rank,
                            standing.score,
                            bracket.reward_value,
                        )
                    )
            if len(chunk) < _CHUNK:
                return tuple(payouts)
            offset += _CHUNK

    def interval_info(self, state: IntervalState) -> IntervalInfo:
        """The public view of ``state``. O(1)."""
        return IntervalInfo(
            campaign_id=self.info.id,
            activity_id=state.activity_id,
            recurrence=self.info.recurrence,
            sequence=state.span.sequence,
            start=state.span.start,
            end=state.span.end,
            status=IntervalStatus.INACTIVE if state.closed else IntervalStatus.ACTIVE,
            reward_given=state.closed,
            participants=len(state),
        )

    def shown(self, activity_id: str | None) -> IntervalState | None:
        """The interval named by ``activity_id``, or (``None``) the latest retained one. O(1)."""
        if activity_id is None:
            if self.open is not None:
                return self.open
            return next(reversed(self.intervals.values()), None)
        return self.intervals.get(activity_id)

    def entries(self, state: IntervalState, offset: int, limit: int) -> tuple[CampaignEntry, ...]:
        """Entries ``[offset, offset + limit)`` of ``state`` in rank order. O(log n + limit)."""
        board = state.board
        if board is None:
            return ()
        by_competition = board.page(offset, limit, ties=_COMPETITION)
        shown = by_competition if board.ties is _COMPETITION else board.page(offset, limit)
        reward = self.table.reward
        return tuple(
            CampaignEntry(str(c.member), s.rank, c.score, reward(c.rank, c.score))
            for c, s in zip(by_competition, shown, strict=True)
        )

    def entry(self, state: IntervalState, source_id: str) -> CampaignEntry | None:
        """``source_id``'s entry in ``state``, or ``None`` without points there. O(log n)."""
        board = state.board
        if board is None:
            return None
        standing = board.get(source_id)
        if standing is None:
            return None
        rank = standing.rank
        if board.ties is not _COMPETITION:
            rank = board.rank(source_id, ties=_COMPETITION)
        return CampaignEntry(
            source_id, standing.rank, standing.score, self.table.reward(rank, standing.score)
        )

    def __iter__(self) -> Iterator[IntervalState]:
        """The retained intervals, oldest first."""
        return iter(self.intervals.values())
