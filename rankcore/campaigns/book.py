"""The campaigns service: creates campaigns, takes awards, closes intervals, answers queries.

A plain class: no lock, no clock. The engine serialises calls, passes ``now`` in, and
publishes the events that :meth:`CampaignBook.close_due` and :meth:`CampaignBook.create`
return.

Every campaign has at most one entry in a heap of "next moments" (its start, or the end of its
open interval), so finding what is due is O(1) when nothing is and O(log c) per interval
closed, for c campaigns.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from rankcore.campaigns.brackets import Bracket, RewardTable
from rankcore.campaigns.campaign import Campaign, IntervalState, Remembered
from rankcore.campaigns.errors import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    AwardTooLate,
    CampaignExists,
    CampaignNotFound,
    SourceNotFound,
)
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    PAGE_SIZE,
    AwardResult,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
)
from rankcore.errors import EventIdConflict, InvalidArgument, InvalidArgumentType
from rankcore.ids import IdGenerator
from rankcore.persistence.codec import decode_time, encode_time
from rankcore.ranking.keys import check_score
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.tenancy import Org, Tenants
from rankcore.timeline.clock import require_aware
from rankcore.timeline.recurrence import Interval, Recurrence, Schedule
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

__all__ = ["CampaignBook"]

CAMPAIGN_PREFIX: Final = "camp_"
ACTIVITY_PREFIX: Final = "ldac_"
ID_LENGTH: Final = 21

_CAMPAIGN_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def _key(value: object, name: str) -> str:
    """A source id or activity id: text of 1 to 256 characters, not blank."""
    return check_text(value, name, max_length=MAX_KEY_LENGTH, blank=False)


class CampaignBook:
    """All leaderboard campaigns of an engine, and the source ids of each tenant."""

    def __init__(self, tenants: Tenants, ids: IdGenerator) -> None:
        self._tenants = tenants
        self._ids = ids
        self._campaigns: dict[str, Campaign] = {}
        self._sources: dict[int, set[str]] = {}
        self._due: list[tuple[datetime, int, str]] = []
        self._ticket = itertools.count()
        # Remembered event ids to forget once their award time falls out of the campaign's
        # window: (award time + window, ticket, campaign id, event id, record).
        self._forget: list[tuple[datetime, int, str, str, Remembered]] = []

    # -- commands -----------------------------------------------------------------------------

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
        """Create a campaign of tenant ``org``; returns it and the events of any intervals
        that had already ended by ``now`` (a campaign may be created after its start).

        ``activity_ids`` are given, in order, to the first intervals instead of generated
        ones (to keep a vendor's ids when importing a campaign). Everything is checked before
        anything changes. O(b log b) for b brackets, plus O(log c) per interval already over.
        """
        tenant = self._org(org)
        if not tenant.leaderboards:
            raise InvalidArgument(f"leaderboards are disabled for org {org}")
        schedule = Schedule.of(recurrence, start, end, tenant.zone)
        order = Order.parse(order, "order")
        ties = TiePolicy.parse(ties, "ties")
        table = RewardTable(brackets, order)
        if retention is not None:
            retention = check_id(retention, "retention")
        given = _activity_ids(activity_ids)  # checked before any id is generated
        if campaign_id is None:
            campaign_id = self._ids.token(CAMPAIGN_PREFIX, ID_LENGTH)
            while campaign_id in self._campaigns:
                campaign_id = self._ids.token(CAMPAIGN_PREFIX, ID_LENGTH)
        else:
            if not isinstance(campaign_id, str):
                raise InvalidArgumentType(
                    f"campaign_id must be a string, not {type(campaign_id).__name__}"
                )
            if _CAMPAIGN_ID.fullmatch(campaign_id) is None:
                raise InvalidArgument(
                    f"campaign_id {show(campaign_id)} must be 1 to 64 letters, digits,"
                    " '_', '.' or '-'"
                )
            if campaign_id in self._campaigns:
                raise CampaignExists(f"campaign {campaign_id!r} already exists")
        info = CampaignInfo(
            id=campaign_id,
            org=org,
            recurrence=schedule.kind,
            start=schedule.start,
            end=schedule.end,
            zone=tenant.zone,
            brackets=table.brackets,
            order=order,
            ties=ties,
            retention=retention,
        )
        campaign = Campaign(info, schedule, table)
        campaign.given_ids = given
        self._campaigns[campaign_id] = campaign
        heapq.heappush(self._due, (schedule.start, next(self._ticket), campaign_id))
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
        source_id = _key(source_id, "source_id")
        points = check_score(points, "points")
        given = at
        at = now if at is None else require_aware(at, "at")
        key = None if event_id is None else check_event_id(event_id)
        digest = 0
        if key is not None:
            digest = fingerprint(source_id, points)
            seen = campaign.seen.get(key)
            if seen is not None:
                if not same_event(seen.fingerprint, seen.at, digest, given):
                    raise EventIdConflict(
                        f"event_id {key!r} was already counted in campaign {campaign.info.id!r}"
                        " for another award (source id, points or at differ); an event id"
                        " names one event"
                    )
                landed, original = seen.state, seen.source_id
                return AwardResult(
                    campaign.info.id,
                    original,
                    landed.activity_id,
                    landed.span.sequence,
                    True,
                    None if landed.board is None else landed.board.get(original),
                )
        state = campaign.open
        if state is None or not state.span.start <= at < state.span.end:
            raise self._refusal(campaign, at)
        if at > now:
            raise InvalidArgument(
                f"at ({at.isoformat()}) is later than the engine's time ({now.isoformat()})"
            )
        if at < now - campaign.window:
            raise AwardTooLate(
                f"at={at.isoformat()} is more than {campaign.window} behind the engine's time"
                f" ({now.isoformat()}), the event-id window of campaign {campaign.info.id!r}",
                campaign_id=campaign.info.id,
                at=at,
            )
        board = state.board
        if board is None:
            board = Leaderboard(campaign.info.order, campaign.info.ties)
        standing = board.incr(source_id, points, at)  # may refuse (the new score): no change
        state.board = board
        self._sources.setdefault(campaign.info.org, set()).add(source_id)
        if key is not None:
            self._remember(campaign, key, Remembered(state, source_id, digest, at))
        return AwardResult(
            campaign.info.id, source_id, state.activity_id, state.span.sequence, False, standing
        )

    def next_due(self) -> datetime | None:
        """The earliest instant at which :meth:`close_due` would change something (open or
        close an interval, forget an event id), or ``None``. O(1)."""
        heads = [queue[0][0] for queue in (self._due, self._forget) if queue]
        return min(heads) if heads else None

    def close_due(self, now: datetime) -> list[IntervalClosed]:
        """Open every interval that has started by ``now`` and close every one that has ended
        (``end <= now``); returns the closings in the order the intervals ended. Forgets
        the event ids whose award time is more than their campaign's window behind ``now``.

        O(1) when nothing is due; O(log c + payouts) per interval opened or closed, O(log m)
        per event id forgotten.
        """
        forget = self._forget
        while forget and forget[0][0] < now:
            _, _, campaign_id, event_id, record = heapq.heappop(forget)
            self._campaigns[campaign_id].forget_id(event_id, record)
        events: list[IntervalClosed] = []
        due = self._due
        while due and due[0][0] <= now:
            _, _, campaign_id = heapq.heappop(due)
            campaign = self._campaigns[campaign_id]
            if campaign.open is not None:
                events.append(campaign.close_open())
            if campaign.next_span() is not None:
                state = campaign.open_next(self._activity_id(campaign))
                heapq.heappush(due, (state.span.end, next(self._ticket), campaign_id))
        return events

    # -- queries ------------------------------------------------------------------------------

    def info(self, org: int, campaign_id: str) -> CampaignInfo:
        """The campaign's settings; :class:`CampaignNotFound` if ``org`` has none by this id.
        O(1)."""
        return self._campaign(campaign_id, org).info

    def find(self, org: int, campaign_id: object) -> CampaignInfo | None:
        """Like :meth:`info`, but ``None`` instead of an error. O(1)."""
        campaign = self._campaigns.get(campaign_id) if isinstance(campaign_id, str) else None
        if campaign is None or campaign.info.org != org:
            return None
        return campaign.info

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
        offset = self._offset(page)
        if source_id is not None:
            source_id = self._known_source(campaign, source_id)
        state = campaign.shown(self._activity(activity_id))
        intervals = tuple(campaign.interval_info(s) for s in campaign)
        if state is None:
            return CampaignLeaderboard(campaign.info, None, intervals, 0, False, page, (), None)
        return CampaignLeaderboard(
            campaign=campaign.info,
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

    # -- state (snapshots) --------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """Every campaign, interval, board, payout and remembered event id, and every
        tenant's source ids, as plain JSON-ready data (see ``docs/durability.md``). O(size).
        """
        return {
            "campaigns": [_campaign_state(c) for c in self._campaigns.values()],
            "sources": [[org, sorted(ids)] for org, ids in sorted(self._sources.items())],
            "due": [[encode_time(t), cid] for t, _, cid in sorted(self._due)],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], tenants: Tenants, ids: IdGenerator) -> CampaignBook:
        """The book :meth:`to_state` described, over ``tenants`` and ``ids``. Raises
        ``ValueError``/``TypeError``/``KeyError`` on malformed state. O(size log size)."""
        book = cls(tenants, ids)
        for item in state["campaigns"]:
            campaign = _campaign_from(item)
            if campaign.info.id in book._campaigns or campaign.info.org not in tenants:
                raise ValueError(f"malformed campaign {campaign.info.id!r}")
            book._campaigns[campaign.info.id] = campaign
        for campaign in book._campaigns.values():
            for event_id, record in campaign.seen.items():
                at = record.state.span.end if record.at is None else record.at
                book._forget.append(
                    (at + campaign.window, next(book._ticket), campaign.info.id, event_id, record)
                )
        heapq.heapify(book._forget)
        for org, source_ids in state["sources"]:
            book._sources[org] = {_key(s, "source_id") for s in source_ids}
        for ticket, (t, cid) in enumerate(state["due"]):
            if cid not in book._campaigns:
                raise ValueError(f"unknown campaign {cid!r} in the due list")
            book._due.append((decode_time(t), ticket, cid))
        heapq.heapify(book._due)
        book._ticket = itertools.count(len(book._due))
        return book

    # -- internals ----------------------------------------------------------------------------

    def _remember(self, campaign: Campaign, event_id: str, record: Remembered) -> None:
        """Remember ``event_id`` until its interval's successor closes or its award time
        falls out of the campaign's window. O(log m) for m remembered ids."""
        assert record.at is not None
        campaign.remember(event_id, record)
        heapq.heappush(
            self._forget,
            (record.at + campaign.window, next(self._ticket), campaign.info.id, event_id, record),
        )

    def _org(self, org: int) -> Org:
        org = check_id(org, "org")
        tenant = self._tenants.get(org)
        if tenant is None:
            raise InvalidArgument(f"org {org} is not registered")
        return tenant

    def _campaign(self, campaign_id: str, org: int | None) -> Campaign:
        if not isinstance(campaign_id, str):
            raise InvalidArgumentType(
                f"campaign_id must be a string, not {type(campaign_id).__name__}"
            )
        if org is not None:
            org = check_id(org, "org")
        campaign = self._campaigns.get(campaign_id)
        if campaign is None or (org is not None and campaign.info.org != org):
            raise CampaignNotFound(campaign_id)
        return campaign

    def _known_source(self, campaign: Campaign, source_id: str) -> str:
        source_id = _key(source_id, "source_id")
        if source_id not in self._sources.get(campaign.info.org, ()):
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

    def _activity_id(self, campaign: Campaign) -> str:
        if campaign.given_ids:
            return campaign.given_ids.pop(0)
        activity_id = self._ids.token(ACTIVITY_PREFIX, ID_LENGTH)
        while activity_id in campaign.intervals:
            activity_id = self._ids.token(ACTIVITY_PREFIX, ID_LENGTH)
        return activity_id

    @staticmethod
    def _refusal(campaign: Campaign, at: datetime) -> Exception:
        """The error for points at ``at`` that the open interval (if any) cannot take."""
        info = campaign.info
        where = f"campaign {info.id!r}"
        if not info.start <= at < info.end:
            return AwardOutsideCampaign(
                f"at={at.isoformat()} is outside {where}, which runs from "
                f"{info.start.isoformat()} to {info.end.isoformat()}",
                campaign_id=info.id,
                at=at,
            )
        span = campaign.schedule.at(at)
        assert span is not None
        latest = campaign.last_span
        if latest is None or span.sequence > latest.sequence:
            return AwardIntervalNotStarted(
                f"at={at.isoformat()} falls in interval {span.sequence} of {where}, which "
                f"starts at {span.start.isoformat()} and has not started yet",
                campaign_id=info.id,
                at=at,
            )
        return AwardIntervalClosed(
            f"at={at.isoformat()} falls in interval {span.sequence} of {where}, which closed "
            f"at {span.end.isoformat()}; its rewards are final",
            campaign_id=info.id,
            at=at,
        )


def _span_state(span: Interval) -> list[object]:
    return [span.sequence, encode_time(span.start), encode_time(span.end)]


def _span_from(value: list[Any]) -> Interval:
    sequence, start, end = value
    return Interval(check_id(sequence, "sequence"), decode_time(start), decode_time(end))


def _campaign_state(campaign: Campaign) -> dict[str, object]:
    info = campaign.info
    if info.zone.key is None:
        raise InvalidArgument(f"campaign {info.id!r} has a time zone without an IANA name")
    intervals = []
    for state in campaign.intervals.values():
        intervals.append(
            {
                "activity_id": state.activity_id,
                "span": _span_state(state.span),
                "board": None if state.board is None else state.board.to_state(),
                "closed": state.closed,
                "payouts": [[p.source_id, p.rank, p.points, p.reward_value] for p in state.payouts],
                "events": [_remembered_state(e, campaign.seen[e]) for e in state.event_ids],
            }
        )
    return {
        "id": info.id,
        "org": info.org,
        "recurrence": info.recurrence.value,
        "start": encode_time(info.start),
        "end": encode_time(info.end),
        "zone": info.zone.key,
        "brackets": [[b.position, b.reward_value, b.minimum] for b in info.brackets],
        "order": info.order.value,
        "ties": info.ties.value,
        "retention": info.retention,
        "intervals": intervals,
        "open": None if campaign.open is None else campaign.open.activity_id,
        "last_span": None if campaign.last_span is None else _span_state(campaign.last_span),
        "closed_count": campaign.closed_count,
        "grace": None if campaign.grace is None else campaign.grace.activity_id,
        "given_ids": list(campaign.given_ids),
    }


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


def _campaign_from(item: dict[str, Any]) -> Campaign:
    zone = ZoneInfo(item["zone"])
    schedule = Schedule.of(
        item["recurrence"], decode_time(item["start"]), decode_time(item["end"]), zone
    )
    order = Order(item["order"])
    table = RewardTable([Bracket(p, r, m) for p, r, m in item["brackets"]], order)
    info = CampaignInfo(
        id=item["id"],
        org=item["org"],
        recurrence=schedule.kind,
        start=schedule.start,
        end=schedule.end,
        zone=zone,
        brackets=table.brackets,
        order=order,
        ties=TiePolicy(item["ties"]),
        retention=None if item["retention"] is None else check_id(item["retention"], "retention"),
    )
    campaign = Campaign(info, schedule, table)
    for value in item["intervals"]:
        state = IntervalState(value["activity_id"], _span_from(value["span"]))
        board = value["board"]
        state.board = None if board is None else Leaderboard.from_state(board)
        state.closed = bool(value["closed"])
        state.payouts = tuple(Payout(s, r, check_score(p), w) for s, r, p, w in value["payouts"])
        for row in value["events"]:
            event_id, record = _remembered_from(row, state)
            if event_id in campaign.seen:
                raise ValueError(f"event id {event_id!r} is remembered twice")
            campaign.remember(event_id, record)
        campaign.intervals[state.activity_id] = state
    if item["open"] is not None:
        campaign.open = campaign.intervals[item["open"]]
    if item["grace"] is not None:
        campaign.grace = campaign.intervals.get(item["grace"])
    last = item["last_span"]
    campaign.last_span = None if last is None else _span_from(last)
    campaign.closed_count = check_id(item["closed_count"], "closed_count")
    campaign.given_ids = _activity_ids(item.get("given_ids", ()))
    return campaign


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
