"""The boards service: creates boards and campaigns, takes submissions and awards, closes
intervals, answers queries.

A plain class: no lock, no clock. The engine serialises calls, passes ``now`` in, and
publishes the events that :meth:`BoardBook.close_due` and the creating calls return.

Boards are named per org (``(org, board id)``); a campaign is a board made by
:meth:`BoardBook.create`, whose id is also unique across the engine (Rehook's campaign ids
are global), so the book finds it by id alone too.

Every board has at most one entry in a heap of "next moments" (its start, the end of its
open interval, or the end of an interval's grace), so finding what is due is O(1) when
nothing is and O(log c) per step, for c boards.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final
from zoneinfo import ZoneInfo

from rankcore.campaigns.brackets import Bracket, RewardTable
from rankcore.campaigns.campaign import EVENT_ID_WINDOW, Board, IntervalState, Remembered
from rankcore.campaigns.errors import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    AwardTooLate,
    BoardExists,
    BoardFull,
    BoardNotFound,
    CampaignExists,
    CampaignNotFound,
    NotJoined,
    SourceNotFound,
    SubmissionLimit,
)
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    PAGE_SIZE,
    AwardBatchResult,
    AwardResult,
    BoardInfo,
    BoardInterval,
    BoardStanding,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
    Operator,
    SubmitResult,
)
from rankcore.errors import EventIdConflict, InvalidArgument, InvalidArgumentType, RankcoreError
from rankcore.ids import IdGenerator
from rankcore.persistence.codec import decode_time, encode_time
from rankcore.ranking.keys import MAX_INT_SCORE, check_score
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.meta import UNSET, check_meta
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score, Standing
from rankcore.tenancy import Org, Tenants
from rankcore.timeline.clock import LATEST, in_utc, require_aware
from rankcore.timeline.recurrence import Interval, Recurrence, Schedule
from rankcore.timeline.reset import Reset
from rankcore.validate import (
    MAX_KEY_LENGTH,
    check_event_id,
    check_id,
    check_text,
    fingerprint,
    same_event,
    saved_fingerprint,
    show,
)

__all__ = ["BoardBook", "CampaignBook"]

CAMPAIGN_PREFIX: Final = "camp_"
ACTIVITY_PREFIX: Final = "ldac_"
ID_LENGTH: Final = 21

_CAMPAIGN_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_ONE_DAY: Final = timedelta(days=1)
_RESET_WINDOW: Final = {
    "daily": timedelta(days=2),
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=32),
    "cron": timedelta(days=32),
}
_US: Final = timedelta(microseconds=1)
MAX_INTERVALS_BEHIND: Final = 10_000
"""At most this many of a new board's (or campaign's) intervals may have ended already when
it is created: they all close, and pay, at creation."""
MAX_ENTRIES: Final = 10_000
"""The most entries one :meth:`BoardBook.submit_many` batch may hold (one journal record)."""

Key = tuple[int, str]


def _key(value: object, name: str) -> str:
    """A source id, member or activity id: text of 1 to 256 characters, not blank."""
    return check_text(value, name, max_length=MAX_KEY_LENGTH, blank=False)


def _board_id(value: object, name: str = "board_id") -> str:
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a string, not {type(value).__name__}")
    if _CAMPAIGN_ID.fullmatch(value) is None:
        raise InvalidArgument(
            f"{name} {show(value)} must be 1 to 64 letters, digits, '_', '.' or '-'"
        )
    return value


def _limit(value: object, name: str) -> int | None:
    """``None`` or an int of at least 1."""
    if value is None:
        return None
    number = check_id(value, name)
    if number < 1:
        raise InvalidArgument(f"{name} must be at least 1, got {number}")
    return number


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentType(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _window(reset: Reset | None, grace: timedelta) -> timedelta:
    """How far behind the clock a board's submission may be stamped: longer than any of its
    intervals for calendar resets (a day more than the period for ``every``), a day for one
    interval, plus the grace."""
    if reset is None:
        base = _ONE_DAY
    elif reset.kind == "every":
        base = reset.period + _ONE_DAY
    else:
        base = _RESET_WINDOW[reset.kind]
    return base + grace


class BoardBook:
    """All boards (and campaigns) of an engine, and the source ids of each tenant."""

    def __init__(self, tenants: Tenants, ids: IdGenerator) -> None:
        self._tenants = tenants
        self._ids = ids
        self._boards: dict[Key, Board] = {}
        """Every board by ``(org, id)``, in creation order."""
        self._campaigns: dict[str, Board] = {}
        """The boards made by :meth:`create`, by campaign id (unique across the engine)."""
        self._sources: dict[int, set[str]] = {}
        self._due: list[tuple[datetime, int, Key]] = []
        self._ticket = itertools.count()
        # Remembered event ids to forget once their time falls out of the board's window.
        self._forget = _ForgetQueue()

    # -- commands: campaigns ------------------------------------------------------------------

    def create(
        self,
        org: int,
        *,
        recurrence: Recurrence | str,
        start: datetime,
        end: datetime,
        brackets: Iterable[Bracket | Mapping[str, object]] = (),
        order: Order | str = Order.DESC,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        campaign_id: str | None = None,
        retention: int | None = None,
        activity_ids: Sequence[str] = (),
        now: datetime,
    ) -> tuple[CampaignInfo, list[IntervalClosed]]:
        """Create a campaign of tenant ``org``: a board with the ``incr`` operator whose id is
        unique across the engine. Returns it and the events of any intervals that had already
        ended by ``now`` (a campaign may be created after its start).

        ``activity_ids`` are given, in order, to the first intervals instead of generated
        ones (to keep a vendor's ids when importing a campaign). Everything is checked before
        anything changes. O(b log b) for b brackets, plus O(log c) per interval already over.
        """
        tenant = self._org(org)
        if not tenant.leaderboards:
            raise InvalidArgument(f"leaderboards are disabled for org {org}")
        schedule = Schedule.of(recurrence, start, end, tenant.zone)
        _check_behind(schedule, now)
        order = Order.parse(order, "order")
        ties = TiePolicy.parse(ties, "ties")
        table = RewardTable(brackets, order)
        if retention is not None:
            retention = check_id(retention, "retention")
        given = _activity_ids(activity_ids)  # checked before any id is generated
        if campaign_id is None:
            campaign_id = self._ids.token(CAMPAIGN_PREFIX, ID_LENGTH)
            while self._taken(org, campaign_id):
                campaign_id = self._ids.token(CAMPAIGN_PREFIX, ID_LENGTH)
        else:
            campaign_id = _board_id(campaign_id, "campaign_id")
            if self._taken(org, campaign_id):
                raise CampaignExists(f"campaign {campaign_id!r} already exists")
        kind = schedule.kind
        assert isinstance(kind, Recurrence)
        end = schedule.end
        info = CampaignInfo(
            id=campaign_id,
            org=org,
            recurrence=kind,
            start=schedule.start,
            end=end,
            zone=tenant.zone,
            brackets=table.brackets,
            order=order,
            ties=ties,
            retention=retention,
        )
        campaign = Board(
            _campaign_settings(info), schedule, table, EVENT_ID_WINDOW[kind], info=info
        )
        campaign.given_ids = given
        self._add(campaign)
        return info, self.close_due(now)

    def register(self, org: int, source_id: str) -> bool:
        """Register a customer's ``source_id`` with tenant ``org``; returns whether it was new.
        O(1)."""
        self._org(org)
        source_id = _key(source_id, "source_id")
        known = self._sources.setdefault(org, set())
        if source_id in known:
            return False
        known.add(source_id)
        return True

    def award(
        self,
        campaign_id: str,
        source_id: str,
        points: Score,
        at: datetime | None,
        *,
        event_id: str | int | None = None,
        org: int | None = None,
        now: datetime,
    ) -> AwardResult:
        """Add ``points`` to ``source_id`` in the interval of ``campaign_id`` containing ``at``
        (default ``now``), registering the source id with the campaign's tenant if new.

        Refused, changing nothing: points for an interval that has closed, that has not
        started, or for a time outside the campaign (:class:`AwardRefused`); an ``at`` later
        than ``now`` (:class:`~rankcore.InvalidArgument`); and an ``at`` more than the
        campaign's window behind ``now`` (:class:`AwardTooLate`). The window
        (:data:`~rankcore.campaigns.campaign.EVENT_ID_WINDOW`) is 2 days for daily
        campaigns, 8 days for weekly, 32 days for monthly (each longer than any interval,
        so an award for the open interval is never too late) and 1 day for
        ``campaign_duration``.

        ``event_id`` (a str, or an int meaning its decimal string) is an idempotency key
        per campaign: the same event again (same source id and points, and no ``at`` or the
        same instant) changes nothing and the result says ``duplicate``; the id reused for
        another payload raises :class:`~rankcore.errors.EventIdConflict`. An id is
        remembered while its interval is open and until the next one closes, and never
        after its award time falls more than the window behind the clock; a retry that
        comes later with its own time is refused (closed interval, or too late), so an
        event is never counted twice. O(log n) for n participants in the interval.
        """
        campaign = self._campaign(campaign_id, org)
        return self._award(campaign, source_id, points, at, event_id, now, now - campaign.window)

    def award_many(
        self,
        campaign_id: str,
        awards: Sequence[Sequence[Any]],
        *,
        org: int | None = None,
        now: datetime,
    ) -> AwardBatchResult:
        """Apply ``(source_id, points, at, event_id)`` awards to one campaign in order, each
        exactly as :meth:`award` would after the ones before it: an award that is refused
        (any :class:`~rankcore.RankcoreError` :meth:`award` raises, a malformed field
        included) changes nothing and is reported by its position, and the rest are applied.
        An unknown campaign, a wrong ``org``, more than :data:`MAX_ENTRIES` awards or a
        malformed award (a field of the wrong type or out of bounds: what :meth:`award`
        refuses before looking at the campaign's state) refuse the whole batch with
        :class:`~rankcore.InvalidArgument` (or :class:`~rankcore.InvalidArgumentType`)
        naming its position, changing nothing. The campaign is found and the clock's bounds are
        computed once per batch. O(k log n) for k awards.
        """
        campaign = self._campaign(campaign_id, org)
        if len(awards) > MAX_ENTRIES:
            raise InvalidArgument(
                f"a batch holds at most {MAX_ENTRIES:,} awards, got {len(awards)}"
            )
        rows: list[Any] = []  # per award: see _award_results
        duplicates = 0
        refusals: list[tuple[int, RankcoreError]] = []
        award, oldest = self._grant, now - campaign.window
        fields = iter(_check_awards(awards, now))  # five at a time; zip reuses its tuple
        checked = zip(fields, fields, fields, fields, fields, strict=True)
        for position, (source_id, points, at, key, given) in enumerate(checked):
            try:
                granted = award(campaign, source_id, points, at, key, given, now, oldest)
            except RankcoreError as exc:
                rows.append(None)
                refusals.append((position, exc))
                continue
            source, activity, sequence, duplicate, standing = granted
            if isinstance(standing, tuple):  # the kernel's: its stored form, no container kept
                rows += (source, activity, sequence, duplicate, type(standing), len(standing))
                rows += standing
            else:
                rows += (source, activity, sequence, duplicate, None, standing)
            duplicates += duplicate
        counted = len(awards) - len(refusals) - duplicates
        decode = partial(_award_results, campaign.settings.id)
        return AwardBatchResult.from_rows(rows, decode, counted, duplicates, tuple(refusals))

    def _award(
        self,
        campaign: Board,
        source_id: object,
        points: object,
        at: datetime | None,
        event_id: object,
        now: datetime,
        oldest: datetime,
    ) -> AwardResult:
        """One award to ``campaign`` (see :meth:`award`); ``oldest`` is ``now`` less the
        campaign's window. Common values take a fast path to the same checks. O(log n)."""
        source_id, points, at, key, given = _check_award(source_id, points, at, event_id, now)
        granted = self._grant(campaign, source_id, points, at, key, given, now, oldest)
        return AwardResult(campaign.settings.id, *granted)

    def _grant(
        self,
        campaign: Board,
        source_id: str,
        points: Score,
        at: datetime,
        key: str | None,
        given: datetime | None,
        now: datetime,
        oldest: datetime,
    ) -> _Granted:
        """An award whose fields are checked: ``at`` is the award's time (``now`` when
        ``given`` is ``None``), ``key`` its event id as text. Answers the fields of its
        :class:`AwardResult` after the campaign id. O(log n)."""
        if key is not None:
            seen = campaign.seen.get(key)
            if seen is not None:
                if not same_event(seen.fingerprint, seen.at, fingerprint(source_id, points), given):
                    raise EventIdConflict(
                        f"event_id {key!r} was already counted in campaign"
                        f" {campaign.settings.id!r} for another award (source id, points or at"
                        " differ); an event id names one event"
                    )
                landed, original = seen.state, seen.source_id
                return (
                    original,
                    landed.activity_id,
                    landed.span.sequence,
                    True,
                    None if landed.board is None else landed.board.get(original),
                )
        utc = in_utc(at)  # once, for the interval lookup and the packed key
        state = campaign.taking(utc)
        if state is None or at > now or at < oldest:
            state = self._taking(campaign, at, now)  # raises the refusal
        board = state.board
        if board is None:
            board = Leaderboard(campaign.settings.order, campaign.settings.ties)
        standing = board.incr(source_id, points, utc)  # may refuse (the new score): no change
        state.board = board
        sources = self._sources.get(campaign.settings.org)
        if sources is None:
            sources = self._sources[campaign.settings.org] = set()
        sources.add(source_id)
        if key is not None:
            self._remember(campaign, key, _UnhashedAward(state, source_id, at, points), utc)
        return source_id, state.activity_id, state.span.sequence, False, standing

    # -- commands: boards ---------------------------------------------------------------------

    def create_board(
        self,
        org: int,
        board_id: str,
        *,
        order: Order | str = Order.DESC,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        subscore: Order | str | None = None,
        operator: Operator | str = Operator.BEST,
        reset: object = None,
        brackets: Iterable[Bracket | Mapping[str, object]] = (),
        join_required: bool = False,
        capacity: int | None = None,
        max_submissions: int | None = None,
        grace: timedelta = timedelta(0),
        start: datetime | None = None,
        end: datetime | None = None,
        retention: int | None = None,
        now: datetime,
    ) -> tuple[BoardInfo, list[IntervalClosed]]:
        """Create board ``board_id`` of tenant ``org`` (see ``docs/tournaments.md``).

        ``reset`` (anything :meth:`Reset.parse <rankcore.timeline.reset.Reset.parse>` takes;
        ``None``: one interval) cuts ``[start, end)`` into intervals on ``org``'s local
        calendar; ``start`` defaults to ``now`` and ``end`` to never. Everything is checked
        before anything changes; returns the board and the closings of intervals already
        over. O(b log b) for b brackets, plus O(log c) per interval already over.
        """
        tenant = self._org(org)
        if not tenant.leaderboards:
            raise InvalidArgument(f"leaderboards are disabled for org {org}")
        board_id = _board_id(board_id)
        order = Order.parse(order, "order")
        ties = TiePolicy.parse(ties, "ties")
        sub = None if subscore is None else Order.parse(subscore, "subscore")
        op = Operator.parse(operator, "operator")
        plan = Reset.parse(reset)
        table = RewardTable(brackets, order)
        join = _flag(join_required, "join_required")
        cap = _limit(capacity, "capacity")
        most = _limit(max_submissions, "max_submissions")
        if not isinstance(grace, timedelta):
            raise InvalidArgumentType(f"grace must be a timedelta, not {type(grace).__name__}")
        if grace < timedelta(0) or grace % _US:
            raise InvalidArgument(f"grace must be a whole number of microseconds >= 0, got {grace}")
        if retention is not None:
            retention = check_id(retention, "retention")
        begin = now if start is None else require_aware(start, "start")
        schedule = Schedule.of(plan, begin, end, tenant.zone)
        _check_behind(schedule, now)
        if self._taken(org, board_id):
            raise BoardExists(f"org {org} already has a board {board_id!r}")
        if grace and not schedule.open_ended and schedule.end + grace > LATEST:
            raise InvalidArgument(f"the board's end plus its grace lies past {LATEST.date()}")
        settings = BoardInfo(
            id=board_id,
            org=org,
            order=order,
            ties=ties,
            subscore=sub,
            operator=op,
            reset=None if plan is None else plan.to_state(),
            start=schedule.start,
            end=None if schedule.open_ended else schedule.end,
            zone=tenant.zone,
            brackets=table.brackets,
            join_required=join,
            capacity=cap,
            max_submissions=most,
            grace=grace,
            retention=retention,
            campaign=False,
        )
        self._add(Board(settings, schedule, table, _window(plan, grace)))
        return settings, self.close_due(now)

    def join(self, org: int, board_id: str, member: str, *, now: datetime) -> bool:
        """Enter ``member`` in the current interval of a board that needs joining; returns
        whether it was new. Refused past the board's capacity (:class:`BoardFull`), on a board
        that needs no joining, and when no interval is open (:class:`AwardRefused`). O(1).
        """
        board = self._board(org, board_id)
        member = _key(member, "member")
        settings = board.settings
        if not settings.join_required:
            raise InvalidArgument(f"board {settings.id!r} does not need joining")
        state = self._taking(board, now, now)
        if member in state.joined:
            return False
        if settings.capacity is not None and len(state.joined) >= settings.capacity:
            raise BoardFull(
                f"board {settings.id!r} is full: {settings.capacity} members joined interval"
                f" {state.span.sequence}",
                board_id=settings.id,
                member=member,
            )
        state.joined[member] = None
        return True

    def submit(
        self,
        org: int,
        board_id: str,
        member: str,
        score: Score,
        *,
        subscore: Score | None = None,
        meta: object = None,
        at: datetime | None = None,
        event_id: str | int | None = None,
        now: datetime,
    ) -> tuple[BoardStanding, bool]:
        """Submit ``score`` for ``member`` to the interval of the board containing ``at``
        (default ``now``), under the board's operator; returns the member's standing there
        and whether the event was a duplicate (then nothing changed).

        Refused, changing nothing: a time no open interval (nor one in its grace) takes
        (:class:`~rankcore.AwardRefused`), one later than ``now`` or more than the board's
        window behind it, a member who has not joined a board that needs it
        (:class:`NotJoined`), a new entrant past ``capacity`` (:class:`BoardFull`), a
        submission past ``max_submissions`` (:class:`SubmissionLimit`), a ``subscore`` on a
        board without one, and a bad score or ``meta``. ``event_id`` works as for campaign
        awards; a duplicate answers the original member's standing in the original interval
        now (rank 0 and score 0 if it has been removed since). O(log n).
        """
        return self._submit(
            self._board(org, board_id), member, score, subscore, meta, at, event_id, now
        )

    def _submit(
        self,
        board: Board,
        member: str,
        score: Score,
        subscore: Score | None,
        meta: object,
        at: datetime | None,
        event_id: str | int | None,
        now: datetime,
    ) -> tuple[BoardStanding, bool]:
        settings = board.settings
        member = _key(member, "member")
        score = check_score(score, "score")
        if subscore is not None:
            if settings.subscore is None:
                raise InvalidArgument(f"board {settings.id!r} has no subscore")
            subscore = check_score(subscore, "subscore")
        meta = UNSET if meta is None else check_meta(_plain(meta))
        given = at
        at = now if at is None else require_aware(at, "at")
        key = None if event_id is None else check_event_id(event_id)
        digest = 0
        if key is not None:
            shown = "" if meta is UNSET else json.dumps(meta, sort_keys=True, ensure_ascii=False)
            digest = fingerprint(member, score, "-" if subscore is None else subscore, shown)
            seen = board.seen.get(key)
            if seen is not None:
                if not same_event(seen.fingerprint, seen.at, digest, given):
                    raise EventIdConflict(
                        f"event_id {key!r} was already counted on board {settings.id!r} for"
                        " another submission (member, score, subscore, meta or at differ)"
                    )
                landed = seen.state.board
                found = None if landed is None else landed.get(seen.source_id)
                if found is None:
                    found = Standing(seen.source_id, 0, 0)
                return board.standing(seen.state, found), True
        state = self._taking(board, at, now)
        if settings.join_required and member not in state.joined:
            raise NotJoined(
                f"{show(member)} has not joined interval {state.span.sequence} of board"
                f" {settings.id!r}",
                board_id=settings.id,
                member=member,
            )
        count = state.submissions.get(member, 0)
        if (
            settings.capacity is not None
            and not settings.join_required
            and count == 0
            and len(state.submissions) >= settings.capacity
        ):
            raise BoardFull(
                f"board {settings.id!r} is full: {settings.capacity} members in interval"
                f" {state.span.sequence}",
                board_id=settings.id,
                member=member,
            )
        if settings.max_submissions is not None and count >= settings.max_submissions:
            raise SubmissionLimit(
                f"{show(member)} has made {count} submissions to interval"
                f" {state.span.sequence} of board {settings.id!r}, its limit",
                board_id=settings.id,
                member=member,
            )
        lb = state.board
        if lb is None:
            lb = _new_board(settings)
        standing = _write(lb, settings.operator, member, score, at, subscore, meta)
        state.board = lb
        if board.info is None:
            state.submissions[member] = count + 1
        else:  # a campaign's participants are its tenant's source ids, as awards make them
            self._sources.setdefault(settings.org, set()).add(member)
        if key is not None:
            self._remember(board, key, Remembered(state, member, digest, at), in_utc(at))
        return board.standing(state, standing), False

    def submit_many(
        self, org: int, board_id: str, entries: Iterable[object], *, now: datetime
    ) -> tuple[SubmitResult, bool]:
        """Apply ``entries`` in order as :meth:`submit` would, one by one; an entry that is
        refused is reported by its position and the rest are applied. Each entry is a mapping
        with ``member`` and ``score`` and optionally ``subscore``, ``meta``, ``at`` and
        ``event_id``, or a sequence ``(member, score[, at])``. Returns the result and whether
        anything changed. O(k log n) for k entries.
        """
        board = self._board(org, board_id)
        if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Iterable):
            raise InvalidArgumentType("entries must be a list of entries")
        entries = list(entries)
        if len(entries) > MAX_ENTRIES:
            raise InvalidArgument(
                f"a batch holds at most {MAX_ENTRIES} entries, got {len(entries)}"
            )
        standings: list[Standing[str] | None] = []
        refusals: list[tuple[int, RankcoreError]] = []
        changed = False
        for position, entry in enumerate(entries):
            try:
                member, score, rest = _entry(entry)
                standing, duplicate = self._submit(
                    board,
                    member,
                    score,
                    rest.get("subscore"),
                    rest.get("meta"),
                    rest.get("at"),
                    rest.get("event_id"),
                    now,
                )
            except RankcoreError as exc:
                standings.append(None)
                refusals.append((position, exc))
                continue
            standings.append(standing)
            changed = changed or not duplicate
        return SubmitResult(tuple(standings), tuple(refusals)), changed

    def remove(self, org: int, board_id: str, member: str) -> bool:
        """Take ``member`` off the board's intervals that have not closed (score, submission
        count and join): it is listed nowhere there and earns no payout when they close.
        Returns whether it was in one. Closed intervals keep their results. O(log n)."""
        board = self._board(org, board_id)
        return board.remove(_key(member, "member"))

    def end_board(self, org: int, board_id: str, *, now: datetime) -> list[IntervalClosed]:
        """Close the board now: its intervals in grace and its open one (cut short at
        ``now``) close and pay, and no interval opens after. O(c) for c boards, plus
        O(log n + payouts) per interval closed and O(m) for the m event ids still
        remembered (the last interval's, forgotten from then on by their window only)."""
        board = self._board(org, board_id)
        events = board.end(now)
        self._drop_due(board.key)
        # No interval closes after the last one now: only the window forgets its ids.
        for event_id, record in board.seen.items():
            self._time(board, event_id, record)
        return events

    def delete_board(self, org: int, board_id: str) -> bool:
        """Forget the board (a campaign included) and everything it holds. O(c + m) for c
        boards and m remembered event ids."""
        board = self._board(org, board_id)
        key = board.key
        del self._boards[key]
        if board.info is not None:
            del self._campaigns[board.settings.id]
        self._drop_due(key)
        self._forget.drop(key)
        return True

    # -- closing ------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        """The earliest instant at which :meth:`close_due` would change something (open or
        close an interval, forget an event id), or ``None``. O(1)."""
        due = self._due[0][0] if self._due else None
        heads = [t for t in (due, self._forget.head()) if t is not None]
        return min(heads) if heads else None

    def close_due(self, now: datetime) -> list[IntervalClosed]:
        """Open every interval that has started by ``now`` and close every one that has ended
        (``end <= now``, plus the board's grace); returns the closings in the order they
        happened. Forgets the event ids whose time is more than their board's window behind
        ``now``.

        O(1) when nothing is due; O(log c + payouts) per interval opened or closed, O(log m)
        per event id forgotten.
        """
        for _, _, key, event_id, record in self._forget.pop_before(now):
            self._boards[key].forget_id(event_id, record)
        events: list[IntervalClosed] = []
        due = self._due
        while due and due[0][0] <= now:
            _, _, key = heapq.heappop(due)
            board = self._boards[key]
            event = board.step(self._activity_id)
            if event is not None:
                events.append(event)
            moment = board.next_moment()
            if moment is not None:
                heapq.heappush(due, (moment, next(self._ticket), key))
        return events

    # -- queries: campaigns -------------------------------------------------------------------

    def info(self, org: int, campaign_id: str) -> CampaignInfo:
        """The campaign's settings; :class:`CampaignNotFound` if ``org`` has none by this id.
        O(1)."""
        info = self._campaign(campaign_id, org).info
        assert info is not None
        return info

    def find(self, org: int, campaign_id: object) -> CampaignInfo | None:
        """Like :meth:`info`, but ``None`` instead of an error. O(1)."""
        campaign = self._campaigns.get(campaign_id) if isinstance(campaign_id, str) else None
        if campaign is None or campaign.settings.org != org:
            return None
        return campaign.info

    def campaigns(self, org: int) -> tuple[CampaignInfo, ...]:
        """Tenant ``org``'s campaigns, in creation order. O(boards)."""
        org = check_id(org, "org")
        return tuple(
            b.info for b in self._campaigns.values() if b.info is not None and b.info.org == org
        )

    def intervals(self, org: int, campaign_id: str) -> tuple[IntervalInfo, ...]:
        """Every retained interval of the campaign, oldest first. O(intervals)."""
        campaign = self._campaign(campaign_id, org)
        return tuple(campaign.interval_info(state) for state in campaign)

    def interval(
        self, org: int, campaign_id: str, activity_id: str | None = None
    ) -> IntervalInfo | None:
        """The interval ``activity_id`` (default: the active one, else the last retained one),
        or ``None`` if there is no such interval. O(1)."""
        campaign = self._campaign(campaign_id, org)
        state = campaign.shown(self._activity(activity_id))
        return None if state is None else campaign.interval_info(state)

    def page(
        self, org: int, campaign_id: str, page: int = 1, activity_id: str | None = None
    ) -> tuple[CampaignEntry, ...]:
        """Page ``page`` (from 1, :data:`PAGE_SIZE` entries) of an interval's standings.

        Empty past the last page or when the interval does not exist. O(log n + 20).
        """
        campaign = self._campaign(campaign_id, org)
        offset = self._offset(page)
        state = campaign.shown(self._activity(activity_id))
        return () if state is None else campaign.entries(state, offset, PAGE_SIZE)

    def entry(
        self, org: int, campaign_id: str, source_id: str, activity_id: str | None = None
    ) -> CampaignEntry | None:
        """``source_id``'s entry in an interval, ``None`` if it has no points there.

        :class:`SourceNotFound` if ``source_id`` is not a registered customer of the
        campaign's tenant. O(log n).
        """
        campaign = self._campaign(campaign_id, org)
        source_id = self._known_source(campaign, source_id)
        state = campaign.shown(self._activity(activity_id))
        return None if state is None else campaign.entry(state, source_id)

    def payouts(self, org: int, campaign_id: str, activity_id: str) -> tuple[Payout, ...] | None:
        """The payouts of a closed interval; ``()`` while it is open (nothing given yet),
        ``None`` if there is no such interval. O(payouts)."""
        campaign = self._campaign(campaign_id, org)
        state = campaign.intervals.get(_key(activity_id, "activity_id"))
        return None if state is None else state.payouts

    def leaderboard(
        self,
        org: int,
        campaign_id: str,
        *,
        activity_id: str | None = None,
        page: int = 1,
        source_id: str | None = None,
    ) -> CampaignLeaderboard:
        """Everything Rehook's leaderboard response needs, for one interval and one page.

        Raises :class:`CampaignNotFound` and :class:`SourceNotFound` (``source_id`` given but
        not a registered customer of the tenant); an unknown ``activity_id`` is not an error:
        the answer has ``interval=None`` and no entries. O(log n + 20 + intervals).
        """
        campaign = self._campaign(campaign_id, org)
        info = campaign.info
        assert info is not None
        offset = self._offset(page)
        if source_id is not None:
            source_id = self._known_source(campaign, source_id)
        state = campaign.shown(self._activity(activity_id))
        intervals = tuple(campaign.interval_info(s) for s in campaign)
        if state is None:
            return CampaignLeaderboard(info, None, intervals, 0, False, page, (), None)
        return CampaignLeaderboard(
            campaign=info,
            interval=campaign.interval_info(state),
            intervals=intervals,
            participants=len(state),
            reward_given=state.closed,
            page=page,
            entries=campaign.entries(state, offset, PAGE_SIZE),
            me=None if source_id is None else campaign.entry(state, source_id),
        )

    def __len__(self) -> int:
        """The number of campaigns. O(1)."""
        return len(self._campaigns)

    # -- queries: boards ----------------------------------------------------------------------

    def board(self, org: int, board_id: str) -> BoardInfo | None:
        """The settings of ``org``'s board ``board_id``, or ``None``. O(1)."""
        org = check_id(org, "org")
        found = self._boards.get((org, board_id)) if isinstance(board_id, str) else None
        return None if found is None else found.settings

    def boards(self, org: int) -> tuple[BoardInfo, ...]:
        """Every board of ``org`` (campaigns included), in creation order. O(boards)."""
        org = check_id(org, "org")
        return tuple(b.settings for (owner, _), b in self._boards.items() if owner == org)

    def board_intervals(self, org: int, board_id: str) -> tuple[BoardInterval, ...]:
        """Every retained interval of the board, oldest first. O(intervals)."""
        board = self._board(org, board_id)
        return tuple(board.board_interval(state) for state in board)

    def board_page(
        self, org: int, board_id: str, offset: int, limit: int, interval: str | None = None
    ) -> list[BoardStanding]:
        """Entries ``[offset, offset + limit)`` of an interval (default: the current one, else
        the latest retained), in rank order. O(log n + limit)."""
        board, state = self._shown(org, board_id, interval)
        offset = check_id(offset, "offset")
        limit = check_id(limit, "limit")
        if state is None or state.board is None:
            return []
        return [board.standing(state, s) for s in state.board.page(offset, limit)]

    def board_around(
        self,
        org: int,
        board_id: str,
        member: str,
        before: int,
        after: int,
        interval: str | None = None,
    ) -> list[BoardStanding]:
        """``member``'s standing with up to ``before`` entries above and ``after`` below;
        ``[]`` if it has no score there. O(log n + before + after)."""
        board, state = self._shown(org, board_id, interval)
        member = _key(member, "member")
        before = check_id(before, "before")
        after = check_id(after, "after")
        if state is None or state.board is None or member not in state.board:
            return []
        return [board.standing(state, s) for s in state.board.around(member, before, after)]

    def board_among(
        self, org: int, board_id: str, members: Iterable[str], interval: str | None = None
    ) -> list[BoardStanding]:
        """The standings of those of ``members`` (a friends list) with a score, in rank order,
        each with its rank on the whole board. O(m + k log n)."""
        board, state = self._shown(org, board_id, interval)
        if isinstance(members, (str, bytes)) or not isinstance(members, Iterable):
            raise InvalidArgumentType("members must be a list of members")
        wanted = [_key(m, "each of members") for m in members]
        if state is None or state.board is None:
            return []
        return [board.standing(state, s) for s in state.board.among(wanted)]

    def board_rank(
        self, org: int, board_id: str, member: str, interval: str | None = None
    ) -> BoardStanding | None:
        """``member``'s standing (rank, score, submissions), ``None`` without a score there.
        O(log n)."""
        board, state = self._shown(org, board_id, interval)
        member = _key(member, "member")
        if state is None or state.board is None:
            return None
        found = state.board.get(member)
        return None if found is None else board.standing(state, found)

    def board_payouts(self, org: int, board_id: str, interval: str) -> tuple[Payout, ...] | None:
        """What interval ``interval`` paid (``()`` while open; ``None``: no such interval).
        O(payouts)."""
        board = self._board(org, board_id)
        state = board.intervals.get(_key(interval, "interval"))
        return None if state is None else state.payouts

    # -- state (snapshots) --------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """Every board, interval, leaderboard, payout and remembered event id, and every
        tenant's source ids, as plain JSON-ready data (see ``docs/durability.md``). A book of
        campaigns only writes what earlier versions wrote. O(size).
        """
        return {
            "campaigns": [_board_state(b) for b in self._boards.values()],
            "sources": [[org, sorted(ids)] for org, ids in sorted(self._sources.items())],
            "due": [self._due_row(t, key) for t, _, key in sorted(self._due)],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], tenants: Tenants, ids: IdGenerator) -> BoardBook:
        """The book :meth:`to_state` described, over ``tenants`` and ``ids``. Raises
        ``ValueError``/``TypeError``/``KeyError`` on malformed state. O(size log size)."""
        book = cls(tenants, ids)
        for item in state["campaigns"]:
            board = _board_from(item)
            key = board.key
            if key in book._boards or board.settings.org not in tenants:
                raise ValueError(f"malformed board {board.settings.id!r}")
            if board.info is not None:
                if board.settings.id in book._campaigns:
                    raise ValueError(f"campaign {board.settings.id!r} appears twice")
                book._campaigns[board.settings.id] = board
            book._boards[key] = board
        for board in book._boards.values():
            for event_id, record in board.seen.items():
                book._time(board, event_id, record)
        for org, source_ids in state["sources"]:
            book._sources[org] = {_key(s, "source_id") for s in source_ids}
        for ticket, row in enumerate(state["due"]):
            if len(row) == 2:
                t, cid = row
                found = book._campaigns.get(cid)
                if found is None:
                    raise ValueError(f"unknown campaign {cid!r} in the due list")
                key = found.key
            else:
                t, bid, org = row
                key = (org, bid)
                if key not in book._boards:
                    raise ValueError(f"unknown board {bid!r} in the due list")
            book._due.append((decode_time(t), ticket, key))
        heapq.heapify(book._due)
        book._ticket = itertools.count(len(book._due))
        return book

    # -- internals ----------------------------------------------------------------------------

    def _add(self, board: Board) -> None:
        key = board.key
        self._boards[key] = board
        if board.info is not None:
            self._campaigns[board.settings.id] = board
        moment = board.next_moment()
        if moment is not None:
            heapq.heappush(self._due, (moment, next(self._ticket), key))

    def _taken(self, org: int, board_id: str) -> bool:
        """Whether ``board_id`` names a campaign (of any org) or a board of ``org``."""
        return board_id in self._campaigns or (org, board_id) in self._boards

    def _drop_due(self, key: Key) -> None:
        self._due = [item for item in self._due if item[2] != key]
        heapq.heapify(self._due)

    def _due_row(self, t: datetime, key: Key) -> list[object]:
        board = self._boards[key]
        if board.info is not None:
            return [encode_time(t), key[1]]
        return [encode_time(t), key[1], key[0]]

    def _remember(self, board: Board, event_id: str, record: Remembered, utc: datetime) -> None:
        """Remember ``event_id``, counted at ``utc`` (its record's time in UTC), until its
        interval's successor closes or its time falls out of the board's window. The timed
        forgetting is queued only when the window ends first (see
        :meth:`Board.untimed_from`: not at all on a daily board). O(1), or O(log m) for m
        remembered ids when its time comes before one queued earlier."""
        board.remember(event_id, record)
        if utc < board.untimed_from(record.state):
            self._time(board, event_id, record)

    def _time(self, board: Board, event_id: str, record: Remembered) -> None:
        """Queue the forgetting of ``event_id`` once its time (or, for a record saved
        without one, its interval's end) falls out of the board's window. O(1), or
        O(log m) for m queued ids when it comes before one queued earlier."""
        at = record.state.span.end if record.at is None else record.at
        self._forget.push((at + board.window, next(self._ticket), board.key, event_id, record))

    def _taking(self, board: Board, at: datetime, now: datetime) -> IntervalState:
        """The interval that takes a submission stamped ``at``, or the refusal. O(1)."""
        state = board.taking(in_utc(at))
        if state is None:
            raise self._refusal(board, at)
        if at > now:
            raise InvalidArgument(
                f"at ({at.isoformat()}) is later than the engine's time ({now.isoformat()})"
            )
        if at < now - board.window:
            what = "campaign" if board.info is not None else "board"
            raise AwardTooLate(
                f"at={at.isoformat()} is more than {board.window} behind the engine's time"
                f" ({now.isoformat()}), the event-id window of {what} {board.settings.id!r}",
                campaign_id=board.settings.id,
                at=at,
            )
        return state

    def _org(self, org: int) -> Org:
        org = check_id(org, "org")
        tenant = self._tenants.get(org)
        if tenant is None:
            raise InvalidArgument(f"org {org} is not registered")
        return tenant

    def _campaign(self, campaign_id: str, org: int | None) -> Board:
        if not isinstance(campaign_id, str):
            raise InvalidArgumentType(
                f"campaign_id must be a string, not {type(campaign_id).__name__}"
            )
        if org is not None:
            org = check_id(org, "org")
        campaign = self._campaigns.get(campaign_id)
        if campaign is None or (org is not None and campaign.settings.org != org):
            raise CampaignNotFound(campaign_id)
        return campaign

    def _board(self, org: int, board_id: str) -> Board:
        org = check_id(org, "org")
        if not isinstance(board_id, str):
            raise InvalidArgumentType(f"board_id must be a string, not {type(board_id).__name__}")
        board = self._boards.get((org, board_id))
        if board is None:
            raise BoardNotFound(org, board_id)
        return board

    def _shown(
        self, org: int, board_id: str, interval: str | None
    ) -> tuple[Board, IntervalState | None]:
        board = self._board(org, board_id)
        activity = None if interval is None else _key(interval, "interval")
        return board, board.shown(activity)

    def _known_source(self, campaign: Board, source_id: str) -> str:
        source_id = _key(source_id, "source_id")
        if source_id not in self._sources.get(campaign.settings.org, ()):
            raise SourceNotFound(source_id)
        return source_id

    @staticmethod
    def _activity(activity_id: str | None) -> str | None:
        return None if activity_id is None else _key(activity_id, "activity_id")

    @staticmethod
    def _offset(page: int) -> int:
        if isinstance(page, bool) or not isinstance(page, int):
            raise InvalidArgumentType(f"page must be an int, not {type(page).__name__}")
        if page < 1:
            raise InvalidArgument(f"page must be at least 1, got {page}")
        return (page - 1) * PAGE_SIZE

    def _activity_id(self, board: Board) -> str:
        if board.given_ids:
            return board.given_ids.pop(0)
        activity_id = self._ids.token(ACTIVITY_PREFIX, ID_LENGTH)
        while activity_id in board.intervals:
            activity_id = self._ids.token(ACTIVITY_PREFIX, ID_LENGTH)
        return activity_id

    @staticmethod
    def _refusal(board: Board, at: datetime) -> Exception:
        """The error for a submission at ``at`` that no interval of ``board`` takes."""
        settings = board.settings
        where = f"campaign {settings.id!r}" if board.info is not None else f"board {settings.id!r}"
        end = settings.end
        if not settings.start <= at < (LATEST if end is None else end):
            until = ", with no end" if end is None else f" to {end.isoformat()}"
            return AwardOutsideCampaign(
                f"at={at.isoformat()} is outside {where}, which runs from "
                f"{settings.start.isoformat()}{until}",
                campaign_id=settings.id,
                at=at,
            )
        span = board.schedule.at(at)
        assert span is not None
        latest = board.last_span
        if not board.ended and (latest is None or span.sequence > latest.sequence):
            return AwardIntervalNotStarted(
                f"at={at.isoformat()} falls in interval {span.sequence} of {where}, which "
                f"starts at {span.start.isoformat()} and has not started yet",
                campaign_id=settings.id,
                at=at,
            )
        return AwardIntervalClosed(
            f"at={at.isoformat()} falls in interval {span.sequence} of {where}, which closed "
            f"at {span.end.isoformat()}; its rewards are final",
            campaign_id=settings.id,
            at=at,
        )


CampaignBook = BoardBook
"""The book's former name: campaigns are boards."""

_Forget = tuple[datetime, int, Key, str, Remembered]
"""An event id to forget: ``(when, ticket, board key, event id, record)``."""


class _ForgetQueue:
    """The event ids to forget, in order of ``when``: a first-in first-out run for those that
    come in order (most do: award times seldom go backwards), and a heap for the others.
    Taking the first is O(1) from the run, where a heap of m ids takes O(log m)."""

    __slots__ = ("_heap", "_run")

    def __init__(self) -> None:
        self._run: deque[_Forget] = deque()
        self._heap: list[_Forget] = []

    def __len__(self) -> int:
        """The ids waiting. O(1)."""
        return len(self._run) + len(self._heap)

    def push(self, item: _Forget) -> None:
        """Add ``item``. O(1) when it comes at or after the run's last; else O(log m)."""
        run = self._run
        if not run or run[-1] <= item:
            run.append(item)
        else:
            heapq.heappush(self._heap, item)

    def head(self) -> datetime | None:
        """The earliest ``when``, or ``None``. O(1)."""
        run, heap = self._run, self._heap
        if run and (not heap or run[0] <= heap[0]):
            return run[0][0]
        return heap[0][0] if heap else None

    def pop_before(self, now: datetime) -> Sequence[_Forget]:
        """Take out every item whose ``when`` is before ``now`` (those of the run, then those
        of the heap). O(1) when none is, O(1) each from the run, O(log m) from the heap."""
        run, heap = self._run, self._heap
        if not (run and run[0][0] < now) and not (heap and heap[0][0] < now):
            return ()  # the common case, on every call: nothing made or allocated
        taken = []
        while run and run[0][0] < now:
            taken.append(run.popleft())
        while heap and heap[0][0] < now:
            taken.append(heapq.heappop(heap))
        return taken

    def drop(self, key: Key) -> None:
        """Forget nothing more of board ``key`` (it is gone). O(m)."""
        self._run = deque(item for item in self._run if item[2] != key)
        self._heap = [item for item in self._heap if item[2] != key]
        heapq.heapify(self._heap)


_Granted = tuple[str, str | None, int | None, bool, Standing[str] | None]
"""An award's result without its campaign id: ``(source_id, activity_id, sequence,
duplicate, standing)``."""


def _award_results(campaign_id: str, rows: list[Any]) -> tuple[AwardResult | None, ...]:
    """The results of a batch of awards to ``campaign_id`` from its rows: per award
    ``None`` (refused), or what :meth:`BoardBook._grant` answered with its standing as the
    standing's type, the length of its stored form and that form when the standing is a
    tuple of it (as the kernel's are, see :class:`~rankcore.ranking.standing.ValueStanding`),
    else as ``None`` and the standing itself. O(rows)."""
    results: list[AwardResult | None] = []
    position, end = 0, len(rows)
    while position < end:
        source = rows[position]
        if source is None:
            results.append(None)
            position += 1
            continue
        activity, sequence, duplicate, kind, size = rows[position + 1 : position + 6]
        position += 6
        if kind is None:
            standing = size  # the standing itself, or None
        else:
            standing = _STANDING(kind, rows[position : position + size])
            position += size
        results.append(AwardResult(campaign_id, source, activity, sequence, duplicate, standing))
    return tuple(results)


_STANDING: Final[Any] = tuple.__new__  # a standing from its type and stored form, in C


def _check_award(
    source_id: object, points: object, at: object, event_id: object, now: datetime, where: str = ""
) -> tuple[str, Score, datetime, str | None, datetime | None]:
    """An award's fields checked as :meth:`BoardBook.award` checks them: the source id, the
    points, the time (``now`` when none is given) and the event id as text, with the time
    given. Common values take a fast path. O(1)."""
    if (
        type(source_id) is not str
        or not 0 < len(source_id) <= MAX_KEY_LENGTH
        or not source_id.isascii()
        or source_id.isspace()
    ):
        source_id = _key(source_id, f"{where}source_id")
    if type(points) is not int or not -MAX_INT_SCORE <= points <= MAX_INT_SCORE:
        points = check_score(points, f"{where}points")
    given = None if at is None else require_aware(at, f"{where}at")
    key: str | None
    if event_id is None:
        key = None
    elif (
        type(event_id) is str
        and 0 < len(event_id) <= MAX_KEY_LENGTH
        and (event_id.isascii() and not event_id.isspace())
    ):
        key = event_id
    else:
        key = check_event_id(event_id, f"{where}event_id")
    return source_id, points, now if given is None else given, key, given


def _check_awards(awards: Sequence[Sequence[Any]], now: datetime) -> list[Any]:
    """The fields of every award of a batch checked (:func:`_check_award`), in one flat
    list (five values an award: no container per award lives while the batch runs); or
    raise naming the first malformed one's position and field. O(batch)."""
    checked: list[Any] = []
    for position, item in enumerate(awards):
        if type(item) is not tuple or len(item) != 4:
            raise InvalidArgumentType(
                f"awards[{position}] must be a (source_id, points, at, event_id) tuple,"
                f" not {type(item).__name__}"
            )
        try:
            checked += _check_award(*item, now)
        except RankcoreError:  # again, to name the award by its position
            _check_award(*item, now, f"awards[{position}].")
            raise
    return checked


class _UnhashedAward(Remembered):
    """A remembered award whose payload fingerprint is computed when first read (most ids
    are never retried): equal to ``Remembered(state, source_id, fingerprint(source_id,
    points), at)``."""

    __slots__ = ("_points",)

    def __init__(self, state: IntervalState, source_id: str, at: datetime, points: Score) -> None:
        self.state = state
        self.source_id = source_id
        self.at = at
        self._points: Score | None = points

    @property
    def fingerprint(self) -> int | None:
        points = self._points
        if points is not None:
            self.fingerprint = fingerprint(self.source_id, points)
        digest: int | None = _FINGERPRINT_SLOT.__get__(self, Remembered)
        return digest

    @fingerprint.setter
    def fingerprint(self, value: int | None) -> None:
        _FINGERPRINT_SLOT.__set__(self, value)
        self._points = None


_FINGERPRINT_SLOT: Final[Any] = Remembered.__dict__["fingerprint"]


def _new_board(settings: BoardInfo) -> Leaderboard[str]:
    return Leaderboard(settings.order, settings.ties, subscore=settings.subscore)


def _write(
    board: Leaderboard[str],
    operator: Operator,
    member: str,
    score: Score,
    at: datetime,
    subscore: Score | None,
    meta: object,
) -> Standing[str]:
    """Write one submission under ``operator`` (``meta`` ``UNSET``: keep the entry's); the
    kernel refuses a bad value and changes nothing."""
    if operator is Operator.BEST:
        return board.best(member, score, at, subscore=subscore, meta=meta)
    if operator is Operator.SET:
        return board.set(member, score, at, subscore=subscore, meta=meta)
    return board.incr(member, score, at, subscore=subscore, meta=meta)


def _plain(value: object, depth: int = 0) -> object:
    """Metadata as JSON data: tuples (how a journal gives lists back) become lists. A
    one-key object whose key starts with ``$`` is refused: logs use that form for tags."""
    if depth > 64:
        return value  # the kernel's check refuses it
    if isinstance(value, (list, tuple)):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if len(value) == 1 and str(next(iter(value))).startswith("$"):
            raise InvalidArgument("meta may not be an object with one key starting with '$'")
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    return value


_ENTRY_FIELDS: Final = frozenset({"member", "score", "subscore", "meta", "at", "event_id"})


def _entry(entry: object) -> tuple[Any, Any, dict[str, Any]]:
    """A batch entry as ``(member, score, keyword arguments)``."""
    if isinstance(entry, Mapping):
        unknown = set(entry) - _ENTRY_FIELDS
        if unknown:
            raise InvalidArgument(f"unknown entry field(s): {', '.join(sorted(map(str, unknown)))}")
        if "member" not in entry or "score" not in entry:
            raise InvalidArgument("an entry needs 'member' and 'score'")
        rest = {k: v for k, v in entry.items() if k not in ("member", "score")}
        return entry["member"], entry["score"], rest
    if isinstance(entry, (list, tuple)) and len(entry) in (2, 3):
        rest = {"at": entry[2]} if len(entry) == 3 else {}
        return entry[0], entry[1], rest
    raise InvalidArgumentType(
        "an entry must be a mapping with member and score, or (member, score[, at])"
    )


def _campaign_settings(info: CampaignInfo) -> BoardInfo:
    return BoardInfo(
        id=info.id,
        org=info.org,
        order=info.order,
        ties=info.ties,
        subscore=None,
        operator=Operator.INCR,
        reset=info.recurrence.value,
        start=info.start,
        end=info.end,
        zone=info.zone,
        brackets=info.brackets,
        join_required=False,
        capacity=None,
        max_submissions=None,
        grace=timedelta(0),
        retention=info.retention,
        campaign=True,
    )


def _check_behind(schedule: Schedule, now: datetime) -> None:
    """Refuse a schedule more than :data:`MAX_INTERVALS_BEHIND` of whose intervals have
    ended by ``now``. O(min(ended intervals, the cap))."""
    span: Interval | None = schedule.first()
    ended = 0
    while span is not None and span.end <= now:
        ended += 1
        if ended > MAX_INTERVALS_BEHIND:
            raise InvalidArgument(
                f"more than {MAX_INTERVALS_BEHIND} of its intervals have ended already: start"
                f" ({schedule.start.isoformat()}) is too far in the past for its reset"
            )
        span = schedule.after(span)


def _span_state(span: Interval) -> list[object]:
    return [span.sequence, encode_time(span.start), encode_time(span.end)]


def _span_from(value: list[Any]) -> Interval:
    sequence, start, end = value
    return Interval(check_id(sequence, "sequence"), decode_time(start), decode_time(end))


def _board_state(board: Board) -> dict[str, object]:
    """A board's state; a campaign's holds exactly the keys earlier versions wrote (and
    ``ended`` once :meth:`BoardBook.end_board` closed it)."""
    settings = board.settings
    if settings.zone.key is None:
        raise InvalidArgument(f"board {settings.id!r} has a time zone without an IANA name")
    intervals = []
    for state in board.intervals.values():
        row: dict[str, object] = {
            "activity_id": state.activity_id,
            "span": _span_state(state.span),
            "board": None if state.board is None else state.board.to_state(),
            "closed": state.closed,
            "payouts": [[p.source_id, p.rank, p.points, p.reward_value] for p in state.payouts],
            "events": [_remembered_state(e, board.seen[e]) for e in state.event_ids],
        }
        if board.info is None:
            row["submissions"] = [[m, n] for m, n in state.submissions.items()]
            row["joined"] = list(state.joined)
        intervals.append(row)
    info = board.info
    item: dict[str, object] = {
        "id": settings.id,
        "org": settings.org,
        "recurrence": None if info is None else info.recurrence.value,
        "start": encode_time(settings.start),
        "end": None if settings.end is None else encode_time(settings.end),
        "zone": settings.zone.key,
        "brackets": [[b.position, b.reward_value, b.minimum] for b in settings.brackets],
        "order": settings.order.value,
        "ties": settings.ties.value,
        "retention": settings.retention,
        "intervals": intervals,
        "open": None if board.open is None else board.open.activity_id,
        "last_span": None if board.last_span is None else _span_state(board.last_span),
        "closed_count": board.closed_count,
        "grace": None if board.previous is None else board.previous.activity_id,
        "given_ids": list(board.given_ids),
    }
    if board.ended:
        item["ended"] = True
    if info is None:
        item["board"] = {
            "reset": settings.reset,
            "subscore": None if settings.subscore is None else settings.subscore.value,
            "operator": settings.operator.value,
            "join_required": settings.join_required,
            "capacity": settings.capacity,
            "max_submissions": settings.max_submissions,
            "grace": settings.grace // _US,
            "late": [state.activity_id for state in board.late],
        }
    return item


def _activity_ids(values: object) -> list[str]:
    """Checked activity ids for a campaign's first intervals: distinct, each like a campaign id."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgumentType("activity_ids must be a sequence of strings")
    ids = [_key(value, "each of activity_ids") for value in values]
    for value in ids:
        if _CAMPAIGN_ID.fullmatch(value) is None:
            raise InvalidArgument(
                f"activity id {show(value)} must be 1 to 64 letters, digits, '_', '.' or '-'"
            )
    if len(set(ids)) != len(ids):
        raise InvalidArgument("activity_ids must be distinct")
    return ids


def _board_from(item: dict[str, Any]) -> Board:
    zone = ZoneInfo(item["zone"])
    order = Order(item["order"])
    table = RewardTable([Bracket(p, r, m) for p, r, m in item["brackets"]], order)
    start = decode_time(item["start"])
    end = None if item["end"] is None else decode_time(item["end"])
    retention = None if item["retention"] is None else check_id(item["retention"], "retention")
    extra = item.get("board")
    board: Board
    if extra is None:
        assert end is not None
        schedule = Schedule.of(item["recurrence"], start, end, zone)
        kind = schedule.kind
        assert isinstance(kind, Recurrence)
        info = CampaignInfo(
            id=_board_id(item["id"]),
            org=item["org"],
            recurrence=kind,
            start=schedule.start,
            end=schedule.end,
            zone=zone,
            brackets=table.brackets,
            order=order,
            ties=TiePolicy(item["ties"]),
            retention=retention,
        )
        board = Board(_campaign_settings(info), schedule, table, EVENT_ID_WINDOW[kind], info=info)
    else:
        plan = Reset.parse(extra["reset"])
        grace = timedelta(microseconds=check_id(extra["grace"], "grace"))
        schedule = Schedule.of(plan, start, end, zone)
        subscore = extra["subscore"]
        settings = BoardInfo(
            id=_board_id(item["id"]),
            org=check_id(item["org"], "org"),
            order=order,
            ties=TiePolicy(item["ties"]),
            subscore=None if subscore is None else Order(subscore),
            operator=Operator(extra["operator"]),
            reset=None if plan is None else plan.to_state(),
            start=schedule.start,
            end=None if schedule.open_ended else schedule.end,
            zone=zone,
            brackets=table.brackets,
            join_required=_flag(extra["join_required"], "join_required"),
            capacity=_limit(extra["capacity"], "capacity"),
            max_submissions=_limit(extra["max_submissions"], "max_submissions"),
            grace=grace,
            retention=retention,
            campaign=False,
        )
        board = Board(settings, schedule, table, _window(plan, grace))
    for value in item["intervals"]:
        state = IntervalState(value["activity_id"], _span_from(value["span"]))
        saved = value["board"]
        state.board = None if saved is None else Leaderboard.from_state(saved)
        state.closed = bool(value["closed"])
        state.payouts = tuple(Payout(s, r, check_score(p), w) for s, r, p, w in value["payouts"])
        for row in value["events"]:
            event_id, record = _remembered_from(row, state)
            if event_id in board.seen:
                raise ValueError(f"event id {event_id!r} is remembered twice")
            board.remember(event_id, record)
        if extra is not None:
            state.submissions = {
                _key(m, "member"): check_id(n, "count") for m, n in value["submissions"]
            }
            state.joined = dict.fromkeys(_key(m, "member") for m in value["joined"])
        board.intervals[state.activity_id] = state
    if item["open"] is not None:
        board.open = board.intervals[item["open"]]
    if item["grace"] is not None:
        board.previous = board.intervals.get(item["grace"])
    if extra is not None:
        board.late = [board.intervals[a] for a in extra["late"]]
    board.ended = bool(item.get("ended", False))
    last = item["last_span"]
    board.last_span = None if last is None else _span_from(last)
    board.closed_count = check_id(item["closed_count"], "closed_count")
    board.given_ids = _activity_ids(item.get("given_ids", ()))
    return board


def _remembered_state(event_id: str, record: Remembered) -> list[object]:
    at = None if record.at is None else encode_time(record.at)
    return [event_id, record.source_id, record.fingerprint, at]


def _remembered_from(row: list[Any], state: IntervalState) -> tuple[str, Remembered]:
    """A remembered event id from its saved row; rows of older versions (``[event id,
    source id]``) have no fingerprint and match any retry."""
    event_id, source_id, *payload = row
    digest, at = payload if payload else (None, None)
    when = None if at is None else decode_time(at)
    record = Remembered(state, _key(source_id, "source_id"), saved_fingerprint(digest), when)
    return check_event_id(event_id), record
