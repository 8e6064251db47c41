"""One board's state: its schedule, brackets and the intervals so far.

A board is a named leaderboard of one org that may reset on a schedule; each interval is a
fresh leaderboard, closed (and paid by its reward brackets) when it ends, or once its grace
has passed. A Rehook campaign is a board with the ``incr`` operator: one implementation of
intervals, closing, payouts and retention serves both.

Plain, inspectable structures; no locking and no clock (the book passes ``now``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Protocol

from rankcore.campaigns.brackets import RewardTable
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    BoardInfo,
    BoardInterval,
    BoardStanding,
    CampaignEntry,
    CampaignInfo,
    IntervalInfo,
    IntervalStatus,
)
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import TiePolicy
from rankcore.ranking.standing import Standing
from rankcore.timeline.recurrence import Interval, Recurrence

__all__ = ["EVENT_ID_WINDOW", "Board", "Campaign", "IntervalState", "Remembered", "Spans"]

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
interval as long as the campaign, so its window (one day) is what bounds the memory. A board
adds its grace to the window of its reset.
"""

_COMPETITION = TiePolicy.COMPETITION
_NEVER: Final = datetime.max.replace(tzinfo=UTC)
_CHUNK = 256


class Spans(Protocol):
    """What a board needs of its schedule: the intervals in order and the one at a time."""

    @property
    def start(self) -> datetime: ...

    def first(self) -> Interval: ...

    def after(self, interval: Interval) -> Interval | None: ...

    def at(self, t: datetime) -> Interval | None: ...


class IntervalState:
    """One interval: its span, its leaderboard (created on the first submission), whether it
    has closed, its payouts once closed, the event ids counted in it that are remembered (an
    ordered set, kept in step with :attr:`Board.seen`), from when on they need no timed
    forgetting (see :meth:`Board.untimed_from`) and, on boards other than campaigns, each
    member's submission count and (on a board that needs joining) who joined."""

    __slots__ = (
        "activity_id",
        "board",
        "closed",
        "event_ids",
        "joined",
        "payouts",
        "span",
        "submissions",
        "untimed_from",
    )

    def __init__(self, activity_id: str, span: Interval) -> None:
        self.activity_id = activity_id
        self.span = span
        self.board: Leaderboard[str] | None = None
        self.closed = False
        self.payouts: tuple[Payout, ...] = ()
        self.event_ids: dict[str, None] = {}
        self.submissions: dict[str, int] = {}
        self.joined: dict[str, None] = {}
        self.untimed_from: datetime | None = None
        """:meth:`Board.untimed_from` for this interval, once computed."""

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


class Board:
    """A board: settings (:class:`BoardInfo`, and :class:`CampaignInfo` for a campaign), its
    schedule and :class:`RewardTable`, the retained intervals (oldest first), the intervals
    closed but still in their grace, and the seen event ids."""

    __slots__ = (
        "closed_count",
        "ended",
        "given_ids",
        "info",
        "intervals",
        "last_span",
        "late",
        "open",
        "previous",
        "schedule",
        "seen",
        "settings",
        "table",
        "window",
    )

    def __init__(
        self,
        settings: BoardInfo,
        schedule: Spans,
        table: RewardTable,
        window: timedelta,
        info: CampaignInfo | None = None,
    ) -> None:
        self.settings = settings
        self.info = info
        """A campaign's Rehook settings (``None`` for other boards)."""
        self.schedule = schedule
        self.table = table
        self.intervals: dict[str, IntervalState] = {}
        """Retained intervals by activity id, in order; only the last ones may be open."""
        self.open: IntervalState | None = None
        """The current interval (the one the clock is in), if any."""
        self.late: list[IntervalState] = []
        """Intervals that ended but still take submissions stamped before their end (grace),
        in the order they ended."""
        self.last_span: Interval | None = None
        """The span of the latest interval opened (kept even if retention dropped it)."""
        self.seen: dict[str, Remembered] = {}
        """Remembered event ids: those of the open intervals and of the last closed one, if
        retained (see :meth:`close`), and at most :attr:`window` behind the clock."""
        self.window: timedelta = window
        """How far behind the clock a submission may be stamped."""
        self.previous: IntervalState | None = None
        """The last closed interval, whose event ids are remembered until the next closes."""
        self.closed_count = 0
        self.ended = False
        """Whether :meth:`end` closed the board before its schedule ran out."""
        self.given_ids: list[str] = []
        """Activity ids supplied at creation, still to hand out to the next intervals."""

    @property
    def key(self) -> tuple[int, str]:
        """``(org, board id)``. O(1)."""
        return self.settings.org, self.settings.id

    @property
    def campaign(self) -> bool:
        """Whether the board was made by ``create_campaign``. O(1)."""
        return self.info is not None

    # -- lifecycle ----------------------------------------------------------------------------

    def next_span(self) -> Interval | None:
        """The span of the next interval to open, or ``None`` after the last. O(1)."""
        if self.ended:
            return None
        if self.last_span is None:
            return self.schedule.first()
        return self.schedule.after(self.last_span)

    def next_moment(self) -> datetime | None:
        """When :meth:`step` next has something to do, or ``None`` when never again. O(1)."""
        moments: list[datetime] = []
        if self.late:
            moments.append(self.late[0].span.end + self.settings.grace)
        if self.open is not None:
            moments.append(self.open.span.end)
        elif self.last_span is None and not self.ended:
            moments.append(self.schedule.first().start)
        return min(moments) if moments else None

    def step(self, make_id: Callable[[Board], str]) -> IntervalClosed | None:
        """Do the one thing due at :meth:`next_moment`: close the interval whose grace ran
        out, or end the open interval (closing it, or putting it in grace) and open the next,
        or open the first. Returns the closing, if one happened. O(log n + payouts)."""
        grace = self.settings.grace
        event: IntervalClosed | None = None
        if self.late and (self.open is None or self.late[0].span.end + grace <= self.open.span.end):
            return self.close(self.late.pop(0))
        if self.open is not None:
            state, self.open = self.open, None
            if grace:
                self.late.append(state)
            else:
                event = self.close(state)
        if self.next_span() is not None:
            self.open_next(make_id(self))
        return event

    def open_next(self, activity_id: str) -> IntervalState:
        """Open the next interval under ``activity_id``. O(1)."""
        span = self.next_span()
        assert span is not None and self.open is None
        state = IntervalState(activity_id, span)
        self.intervals[activity_id] = state
        self.open = state
        self.last_span = span
        return state

    def end(self, now: datetime) -> list[IntervalClosed]:
        """Close the board at ``now``: every interval in grace, then the open one (cut short at
        ``now``), paying each; no interval opens after. O(log n + payouts) per interval."""
        self.ended = True
        events: list[IntervalClosed] = []
        while self.late:
            events.append(self.close(self.late.pop(0)))
        state, self.open = self.open, None
        if state is not None:
            span = state.span
            if now < span.end:
                state.span = Interval(span.sequence, span.start, max(now, span.start))
            events.append(self.close(state))
        return events

    def close(self, state: IntervalState) -> IntervalClosed:
        """Close interval ``state``: freeze it, compute its payouts, apply retention.

        Event ids are remembered (a retry is a ``duplicate``) while their interval takes
        submissions and until the *next* interval closes, and never once their time is more
        than :attr:`window` behind the clock (the book forgets those); so memory holds at
        most a few intervals', and at most one window's, worth of ids. A forgotten event's
        retry with its own time is refused (its interval is closed, or it is too late), so
        it is never counted twice.
        O(log n + k) for k participants rewarded (ties at the last rewarded rank included).
        """
        state.closed = True
        state.payouts = self.payouts_of(state)
        self.closed_count += 1
        settings = self.settings
        kind = getattr(self.schedule, "kind", None)
        final = self.next_span() is None and self.open is None and not self.late
        if self.info is not None and not self.ended:
            final = state.span.end == self.info.end
        event = IntervalClosed(
            campaign_id=settings.id,
            org=settings.org,
            activity_id=state.activity_id,
            recurrence=kind if isinstance(kind, Recurrence) else None,
            sequence=state.span.sequence,
            start=state.span.start,
            end=state.span.end,
            participants=len(state),
            payouts=state.payouts,
            final=final,
            board_id=settings.id,
            reset=settings.reset,
        )
        if self.previous is not None:
            self.forget(self.previous)
        self.previous = state
        retention = settings.retention
        if retention is not None:
            while len(self.intervals) > retention:
                oldest = next(iter(self.intervals.values()))
                if not oldest.closed:
                    break
                del self.intervals[oldest.activity_id]
                self.forget(oldest)
        return event

    def close_open(self) -> IntervalClosed:
        """Close the open interval (a campaign's closing). O(log n + payouts)."""
        state, self.open = self.open, None
        assert state is not None
        return self.close(state)

    def remember(self, event_id: str, record: Remembered) -> None:
        """Remember ``event_id`` (not remembered yet) as ``record``. O(1)."""
        self.seen[event_id] = record
        record.state.event_ids[event_id] = None

    def forget_id(self, event_id: str, record: Remembered) -> None:
        """Forget ``event_id`` if it is still remembered as ``record``. O(1)."""
        if self.seen.get(event_id) is record:
            del self.seen[event_id]
            del record.state.event_ids[event_id]

    def untimed_from(self, state: IntervalState) -> datetime:
        """The earliest time (in UTC) from which an event id counted in ``state`` needs no
        timed forgetting: the closing of the interval after ``state`` (at its end, plus the
        grace) forgets it no later than its time leaving the window would. ``state``'s ids
        are forgotten when the next interval closes (see :meth:`close`), so an id stamped
        at or after that closing less the window is gone before the window ends. A date
        past every time when no interval follows (the board's last; an ended board takes no
        more submissions, and :meth:`~rankcore.campaigns.book.BoardBook.end_board` times
        the ids it holds). Cached on ``state``. O(1).
        """
        since = state.untimed_from
        if since is None:
            after = self.schedule.after(state.span)
            since = _NEVER if after is None else after.end + self.settings.grace - self.window
            state.untimed_from = since
        return since

    def forget(self, state: IntervalState) -> None:
        """Forget the event ids counted in ``state``. O(ids of ``state``)."""
        seen = self.seen
        for event_id in state.event_ids:
            del seen[event_id]
        state.event_ids = {}

    def taking(self, at: datetime) -> IntervalState | None:
        """The interval that takes a submission stamped ``at``, which is in UTC as the spans
        are (see :func:`~rankcore.timeline.clock.in_utc`): the open one or one in its grace
        whose span contains ``at``. O(intervals in grace)."""
        state = self.open
        if state is not None and state.span.start <= at < state.span.end:
            return state
        for late in self.late:
            if late.span.start <= at < late.span.end:
                return late
        return None

    def remove(self, member: str) -> bool:
        """Take ``member`` off every interval that has not closed (its score, submissions
        and join); returns whether it was in one. O(log n) per such interval."""
        found = False
        for state in (*self.late, *((self.open,) if self.open is not None else ())):
            if state.board is not None and state.board.remove(member):
                found = True
            if member in state.submissions or member in state.joined:
                found = True
                state.submissions.pop(member, None)
                state.joined.pop(member, None)
        return found

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
        """The Rehook view of a campaign's interval ``state``. O(1)."""
        info = self.info
        assert info is not None
        return IntervalInfo(
            campaign_id=info.id,
            activity_id=state.activity_id,
            recurrence=info.recurrence,
            sequence=state.span.sequence,
            start=state.span.start,
            end=state.span.end,
            status=IntervalStatus.INACTIVE if state.closed else IntervalStatus.ACTIVE,
            reward_given=state.closed,
            participants=len(state),
        )

    def board_interval(self, state: IntervalState) -> BoardInterval:
        """The public view of interval ``state``. O(1)."""
        return BoardInterval(
            board_id=self.settings.id,
            activity_id=state.activity_id,
            sequence=state.span.sequence,
            start=state.span.start,
            end=state.span.end,
            status=IntervalStatus.INACTIVE if state.closed else IntervalStatus.ACTIVE,
            reward_given=state.closed,
            participants=len(state),
            joined=len(state.joined),
        )

    def shown(self, activity_id: str | None) -> IntervalState | None:
        """The interval named by ``activity_id``, or (``None``) the current one, else the
        latest retained one. O(1)."""
        if activity_id is None:
            if self.open is not None:
                return self.open
            return next(reversed(self.intervals.values()), None)
        return self.intervals.get(activity_id)

    def standing(self, state: IntervalState, standing: Standing[Any]) -> BoardStanding:
        """``standing`` with the member's submission count in ``state``. O(1)."""
        return BoardStanding(
            standing.member,
            standing.score,
            standing.rank,
            standing.reached_at,
            standing.subscore,
            standing.meta,
            state.submissions.get(standing.member, 0),
        )

    def entries(self, state: IntervalState, offset: int, limit: int) -> tuple[CampaignEntry, ...]:
        """Entries ``[offset, offset + limit)`` of ``state`` in rank order. O(log n + limit)."""
        board = state.board
        if board is None:
            return ()
        by_competition = board.page(offset, limit, ties=_COMPETITION)
        shown = by_competition if board.ties is _COMPETITION else board.page(offset, limit)
        reward = self.table.reward
        scores = [c.score for c in by_competition]  # decoded from the keys when read: once
        return tuple(
            CampaignEntry(str(c.member), s.rank, score, reward(c.rank, score))
            for c, s, score in zip(by_competition, shown, scores, strict=True)
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
        score = standing.score  # decoded from the key when read: once
        return CampaignEntry(source_id, standing.rank, score, self.table.reward(rank, score))

    def __iter__(self) -> Iterator[IntervalState]:
        """The retained intervals, oldest first."""
        return iter(self.intervals.values())


Campaign = Board
"""A campaign is a board (made by ``create_campaign``)."""
