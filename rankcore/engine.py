"""The facade a game backend imports: one :class:`Engine` owns everything.

The engine owns the tenants, the clock, a seeded id generator, event subscriptions and one
re-entrant lock. Every public method takes the lock, first closes whatever the clock says is
due (intervals, periods), then delegates to a domain service and publishes the events the
domain returned. Domain services never see the engine: data flows from here down.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rankcore.campaigns.book import CampaignBook
from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.events import Payout
from rankcore.campaigns.views import (
    AwardResult,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
)
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.events import EventBus, Handler
from rankcore.ids import IdGenerator
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import Customer, CustomerProfile
from rankcore.loyalty.periods import Period
from rankcore.loyalty.scope import Scope
from rankcore.loyalty.service import LoyaltyService
from rankcore.loyalty.targets import EnrollmentMode, Target, TargetGroup, TargetType
from rankcore.loyalty.views import (
    ActivityResult,
    EnrollmentStatus,
    MilestoneProgress,
    StreakProgress,
    TargetLeaderboard,
)
from rankcore.persistence.codec import decode_time, encode_time
from rankcore.persistence.errors import JournalCorrupted, JournalError, SnapshotCorrupted
from rankcore.persistence.journal import FsyncPolicy, Journal, scan_journal
from rankcore.persistence.records import OPERATIONS, RecoveryReport, decode_args, encode_args
from rankcore.persistence.snapshot import encode_snapshot, read_snapshot, write_atomic
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.tenancy import Org, Tenants
from rankcore.timeline.clock import Clock, ManualClock, SystemClock, require_aware
from rankcore.timeline.recurrence import Recurrence

__all__ = ["Engine"]


class Engine:
    """An in-memory leaderboard engine. Safe to call from several threads.

    ``clock`` defaults to the system clock; pass a :class:`~rankcore.ManualClock` for
    simulations. ``seed`` makes generated ids deterministic; ``ids`` replaces the id
    generator altogether (for example to keep the ids of data imported from a vendor).

    ``journal`` (a file path) makes the engine durable: every accepted mutation is appended
    to that write-ahead journal before the call returns, and opening an engine on an existing
    journal restores its checkpoint snapshot (``<journal>.snapshot``) and replays the journal
    after it (see :attr:`recovery`). ``fsync`` is ``"always"``, ``"interval"`` (every
    ``fsync_interval`` seconds) or ``"never"``; ``replay_events=True`` keeps the events the
    replay caused in :attr:`recovery` (by default replay publishes and keeps nothing). See
    ``docs/durability.md``.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        ids: IdGenerator | None = None,
        journal: str | os.PathLike[str] | None = None,
        fsync: FsyncPolicy | str = FsyncPolicy.ALWAYS,
        fsync_interval: float = 1.0,
        replay_events: bool = False,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._ids = ids if ids is not None else IdGenerator(seed)
        self._events = EventBus()
        self._tenants = Tenants()
        self._campaigns = CampaignBook(self._tenants, self._ids)
        self._loyalty = LoyaltyService(self._tenants, self._ids)
        # -- persistence (see the section at the end) --
        self._journal: Journal | None = None
        self._journal_seq = 0
        self._replaying = False
        self._failed: JournalError | None = None
        self._recovery: RecoveryReport | None = None
        if journal is not None:
            policy = FsyncPolicy.parse(fsync)
            if isinstance(fsync_interval, bool) or not isinstance(fsync_interval, (int, float)):
                raise InvalidArgumentType("fsync_interval must be a number of seconds")
            if not 0 < fsync_interval < float("inf"):
                raise InvalidArgument(f"fsync_interval must be positive, got {fsync_interval}")
            self._open_journal(journal, policy, float(fsync_interval), clock, replay_events)

    # -- time ---------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        return self._clock

    def now(self) -> datetime:
        """The engine's current time. O(1)."""
        return self._clock.now()

    def advance_to(self, t: datetime) -> None:
        """Move a manual clock to ``t`` and close every interval and period that ended.

        With a system clock, ``t`` must not be in the future; this only closes what is due.
        """
        require_aware(t, "t")
        with self._lock:
            if isinstance(self._clock, ManualClock):
                self._check_usable()
                moved = t > self._clock.now()
                self._clock.set(t)
                self._sync()
                if moved:
                    self._log("advance_to", {"t": t})
            else:
                self._sync()

    def tick(self) -> None:
        """Close whatever the clock says is due, without doing anything else."""
        with self._lock:
            self._sync()

    def _sync(self) -> datetime:
        """Close what is due at the clock's time, publish the resulting events, and return
        that time: the operation that called it acts at the same instant (a second reading
        of a system clock could fall past an end that was not closed).

        Called under the lock at the start of every public operation.
        """
        self._check_usable()
        now = self._clock.now()
        events = self._close_due(now)
        if events and self._journal is not None:
            self._log("sync", {})  # closings with effects depend on when they ran
        for event in events:
            self._events.publish(event)
        return now

    def _close_due(self, now: datetime) -> list[object]:
        """Every domain's closing at ``now``; returns the events to publish, in order."""
        events: list[object] = list(self._campaigns.close_due(now))
        closed = self._loyalty.close_due(now)
        if closed:
            events.extend(closed)
        return events

    # -- events -------------------------------------------------------------------------------

    def subscribe(self, event_type: type, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for each published event of ``event_type``.

        Returns a function that cancels the subscription. Handlers run in the calling thread,
        with the engine's lock held; they may call the engine.
        """
        with self._lock:
            return self._events.subscribe(event_type, handler)

    # -- tenants ------------------------------------------------------------------------------

    def add_org(
        self,
        org_id: int,
        timezone: str | ZoneInfo = "UTC",
        *,
        leaderboards: bool = True,
        connected: Iterable[int] = (),
    ) -> Org:
        """Register an organisation (or a Rehook application) with its IANA time zone."""
        with self._lock:
            self._check_usable()
            links = list(connected)
            org = self._tenants.add(org_id, timezone, leaderboards=leaderboards, connected=links)
            self._log(
                "add_org",
                {
                    "org_id": org_id,
                    "timezone": org.zone,
                    "leaderboards": leaderboards,
                    "connected": links,
                },
            )
            return org

    def org(self, org_id: int) -> Org | None:
        """The organisation with this id, or ``None``. O(1)."""
        with self._lock:
            return self._tenants.get(org_id)

    # -- campaigns (Rehook-style leaderboard campaigns) -----------------------------------------

    def create_campaign(
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
    ) -> CampaignInfo:
        """Create a leaderboard campaign of tenant ``org`` (see ``docs/campaigns.md``).

        ``recurrence``: daily, weekly, monthly or campaign_duration, on ``org``'s local
        calendar. ``brackets``: :class:`Bracket` objects or mappings with ``position``,
        ``reward_value`` and optional ``min_value``. ``campaign_id`` defaults to a generated
        ``camp_`` id; ``activity_ids`` name the first intervals instead of generated
        ``ldac_`` ids (both keep a vendor's ids when importing). ``retention`` keeps only the
        last N closed intervals (default: all). Intervals already over are closed at once.
        O(b log b) for b brackets.
        """
        with self._lock:
            now = self._sync()
            info, events = self._campaigns.create(
                org,
                recurrence=recurrence,
                start=start,
                end=end,
                brackets=brackets,
                order=order,
                ties=ties,
                campaign_id=campaign_id,
                retention=retention,
                activity_ids=activity_ids,
                now=now,
            )
            self._log(
                "create_campaign",
                {
                    "org": org,
                    "recurrence": info.recurrence,
                    "start": info.start,
                    "end": info.end,
                    "brackets": info.brackets,
                    "order": info.order,
                    "ties": info.ties,
                    "campaign_id": campaign_id,
                    "retention": retention,
                    "activity_ids": list(activity_ids),
                },
            )
            for event in events:
                self._events.publish(event)
            return info

    def campaign(self, org: int, campaign_id: str) -> CampaignInfo | None:
        """Tenant ``org``'s campaign ``campaign_id``, or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._campaigns.find(org, campaign_id)

    def register(self, org: int, source_id: str) -> bool:
        """Register a customer ``source_id`` with tenant ``org``; returns whether it was new.

        Awarding points to an unknown source id registers it too. O(1).
        """
        with self._lock:
            self._sync()
            new = self._campaigns.register(org, source_id)
            if new:
                self._log("register", {"org": org, "source_id": source_id})
            return new

    def award(
        self,
        campaign_id: str,
        source_id: str,
        points: Score,
        at: datetime | None = None,
        *,
        event_id: str | None = None,
        org: int | None = None,
    ) -> AwardResult:
        """Add ``points`` to ``source_id`` in the interval of the campaign containing ``at``
        (default: now). A repeated ``event_id`` is not counted again (``duplicate``); points for
        a closed or future interval, or outside the campaign, raise :class:`AwardRefused`.
        ``org``, if given, must own the campaign. O(log n).
        """
        with self._lock:
            now = self._sync()
            result = self._campaigns.award(
                campaign_id, source_id, points, at, event_id=event_id, org=org, now=now
            )
            if self._journal is not None and not result.duplicate:
                self._log(
                    "award",
                    {
                        "campaign_id": campaign_id,
                        "source_id": source_id,
                        "points": points,
                        "at": at,
                        "event_id": event_id,
                        "org": org,
                    },
                )
            return result

    def campaign_intervals(self, org: int, campaign_id: str) -> tuple[IntervalInfo, ...]:
        """The campaign's retained intervals so far, oldest first. O(intervals)."""
        with self._lock:
            self._sync()
            return self._campaigns.intervals(org, campaign_id)

    def campaign_interval(
        self, org: int, campaign_id: str, activity_id: str | None = None
    ) -> IntervalInfo | None:
        """Interval ``activity_id`` (default: the active, else the latest), or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._campaigns.interval(org, campaign_id, activity_id)

    def campaign_page(
        self, org: int, campaign_id: str, page: int = 1, *, activity_id: str | None = None
    ) -> tuple[CampaignEntry, ...]:
        """Page ``page`` (from 1, 20 entries) of an interval's standings with rewards.

        O(log n + 20).
        """
        with self._lock:
            self._sync()
            return self._campaigns.page(org, campaign_id, page, activity_id)

    def campaign_entry(
        self, org: int, campaign_id: str, source_id: str, *, activity_id: str | None = None
    ) -> CampaignEntry | None:
        """``source_id``'s entry in an interval (``None``: no points there); raises
        :class:`SourceNotFound` for a source id the tenant does not know. O(log n)."""
        with self._lock:
            self._sync()
            return self._campaigns.entry(org, campaign_id, source_id, activity_id)

    def campaign_payouts(
        self, org: int, campaign_id: str, activity_id: str
    ) -> tuple[Payout, ...] | None:
        """What interval ``activity_id`` paid out (``()`` while open; ``None``: no such
        interval). O(payouts)."""
        with self._lock:
            self._sync()
            return self._campaigns.payouts(org, campaign_id, activity_id)

    def campaign_leaderboard(
        self,
        org: int,
        campaign_id: str,
        *,
        activity_id: str | None = None,
        page: int = 1,
        source_id: str | None = None,
    ) -> CampaignLeaderboard:
        """Everything Rehook's leaderboard response shows, read atomically.

        Raises :class:`CampaignNotFound` and :class:`SourceNotFound`; an unknown
        ``activity_id`` gives ``interval=None`` and no entries. O(log n + 20 + intervals).
        """
        with self._lock:
            self._sync()
            return self._campaigns.leaderboard(
                org, campaign_id, activity_id=activity_id, page=page, source_id=source_id
            )

    # -- loyalty (Capillary-style targets, enrollments, badge groups) ---------------------------
    # Every method below takes ``org``: the acting org's id (its own data, ``DATA-SCOPE:
    # SELF``) or a :class:`~rankcore.loyalty.Scope` (``OTHER`` / ``ALL``). An entity outside
    # the scope behaves exactly like one that does not exist. See ``docs/loyalty.md``.

    def _publish(self, events: list[object]) -> None:
        for event in events:
            self._events.publish(event)

    def add_customer(
        self,
        org: int | Scope,
        customer_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        mobile: str | None = None,
        email: str | None = None,
        gender: str | None = None,
        birthday: object = None,
        anniversary: object = None,
    ) -> Customer:
        """Register a customer of ``org`` with its enrichment profile (``None``: never
        captured; ``birthday``/``anniversary`` may be ``datetime.date``). O(1).
        """
        with self._lock:
            self._sync()
            profile = CustomerProfile(
                first_name, last_name, mobile, email, gender, birthday, anniversary
            )
            customer = self._loyalty.add_customer(org, customer_id, profile)
            self._log(
                "add_customer", {"org": org, "customer_id": customer_id, **dict(profile.items())}
            )
            return customer

    def update_customer(
        self, org: int | Scope, customer_id: int, profile: CustomerProfile
    ) -> Customer:
        """Replace the profile of a customer of ``org`` (310011 if unknown). O(1)."""
        with self._lock:
            self._sync()
            customer = self._loyalty.update_customer(org, customer_id, profile)
            self._log(
                "update_customer", {"org": org, "customer_id": customer_id, "profile": profile}
            )
            return customer

    def customer(self, org: int | Scope, customer_id: int) -> Customer | None:
        """The customer with this id in scope, or ``None``. O(orgs in scope)."""
        with self._lock:
            self._sync()
            return self._loyalty.customer(org, customer_id)

    def create_target_group(
        self,
        org: int | Scope,
        group_id: int,
        name: str,
        *,
        active: bool = True,
        leaderboard: bool = True,
    ) -> TargetGroup:
        """Create a target group of ``org``; ids are unique across the engine. O(1)."""
        with self._lock:
            self._sync()
            group = self._loyalty.create_target_group(
                org, group_id, name, active=active, leaderboard=leaderboard
            )
            self._log(
                "create_target_group",
                {
                    "org": org,
                    "group_id": group_id,
                    "name": name,
                    "active": active,
                    "leaderboard": leaderboard,
                },
            )
            return group

    def set_target_group_active(self, org: int | Scope, group_id: int, active: bool) -> TargetGroup:
        """(De)activate a target group; a deactivated one counts nothing and is frozen. O(1)."""
        with self._lock:
            self._sync()
            group = self._loyalty.set_target_group_active(org, group_id, active)
            self._log(
                "set_target_group_active", {"org": org, "group_id": group_id, "active": active}
            )
            return group

    def target_group(self, org: int | Scope, group_id: int) -> TargetGroup | None:
        """The target group with this id in scope (active or not), or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._loyalty.target_group(org, group_id)

    def add_period(
        self,
        org: int | Scope,
        group_id: int,
        period_id: int,
        *,
        ref_code: str,
        name: str,
        start: datetime,
        end: datetime,
    ) -> Period:
        """Add the period ``[start, end)`` to a target group (no overlaps; unique name).

        A period already over when added is born closed. O(periods of the group).
        """
        with self._lock:
            now = self._sync()
            period = self._loyalty.add_period(
                org,
                group_id,
                period_id,
                ref_code=ref_code,
                name=name,
                start=start,
                end=end,
                now=now,
            )
            self._log(
                "add_period",
                {
                    "org": org,
                    "group_id": group_id,
                    "period_id": period_id,
                    "ref_code": ref_code,
                    "name": name,
                    "start": start,
                    "end": end,
                },
            )
            return period

    def periods(self, org: int | Scope, group_id: int) -> list[Period]:
        """A target group's periods in time order. O(periods)."""
        with self._lock:
            self._sync()
            return self._loyalty.periods(org, group_id)

    def current_period(self, org: int | Scope, group_id: int) -> Period | None:
        """The target group's period containing the engine's time, or ``None``. O(log p)."""
        with self._lock:
            now = self._sync()
            return self._loyalty.current_period(org, group_id, now)

    def add_target(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        *,
        name: str,
        type: TargetType | str,
        metric: str,
        value: Score,
        streak_length: int | None = None,
        leaderboard: bool = True,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        order: Order | str = Order.DESC,
        enrollment: EnrollmentMode | str = EnrollmentMode.AUTO,
    ) -> Target:
        """Add a ``MILESTONE`` or ``STREAK`` target tracking ``metric`` to a target group.

        ``value``: the per-period total to reach; ``streak_length``: consecutive periods a
        streak needs; ``enrollment``: ``auto`` (first activity enrolls) or ``explicit``. O(1).
        """
        with self._lock:
            self._sync()
            target = self._loyalty.add_target(
                org,
                group_id,
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
            self._log(
                "add_target",
                {
                    "org": org,
                    "group_id": group_id,
                    "target_id": target_id,
                    "name": name,
                    "type": target.type,
                    "metric": metric,
                    "value": value,
                    "streak_length": streak_length,
                    "leaderboard": leaderboard,
                    "ties": target.ties,
                    "order": target.order,
                    "enrollment": target.enrollment,
                },
            )
            return target

    def targets(self, org: int | Scope, group_id: int) -> list[Target]:
        """A target group's targets in creation order. O(targets)."""
        with self._lock:
            self._sync()
            return self._loyalty.targets(org, group_id)

    def record_activity(
        self,
        org: int | Scope,
        customer: int,
        metric: str,
        value: Score,
        at: datetime | None = None,
        event_id: str | int | None = None,
    ) -> ActivityResult:
        """Count an activity of a customer of ``org`` towards every target on ``metric``
        it takes part in, in the period containing ``at`` (default: now).

        A repeated ``event_id`` is a duplicate and changes nothing. Raises
        :class:`~rankcore.loyalty.PeriodClosed` for a period already closed and
        :class:`~rankcore.InvalidArgument` for a time in the future; publishes
        :class:`~rankcore.loyalty.MilestoneReached` and
        :class:`~rankcore.loyalty.StreakAchieved`. O(t log n) for t targets on the metric.
        """
        with self._lock:
            now = self._sync()
            result, events = self._loyalty.record_activity(
                org, customer, metric, value, at, event_id, now
            )
            if self._journal is not None and not result.duplicate:
                self._log(
                    "record_activity",
                    {
                        "org": org,
                        "customer": customer,
                        "metric": metric,
                        "value": value,
                        "at": at,
                        "event_id": event_id,
                    },
                )
            self._publish(events)
            return result

    def enroll(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None = None,
        initial_balance: Score | None = None,
        reset_streak: bool | None = None,
    ) -> EnrollmentStatus:
        """Enroll or re-enroll a customer in a target (Capillary's enroll API).

        Milestones need ``period_name``; ``initial_balance`` sets the achieved value (on a
        re-enroll, ``None`` resumes). Streaks cover every period; ``reset_streak`` restarts a
        re-enrolled streak at 0. ``DATA-SCOPE: ALL`` is refused (310141). O(log n).
        """
        with self._lock:
            now = self._sync()
            status, events = self._loyalty.enroll(
                org,
                group_id,
                target_id,
                customer_id,
                period_name=period_name,
                initial_balance=initial_balance,
                reset_streak=reset_streak,
                now=now,
            )
            self._log(
                "enroll",
                {
                    "org": org,
                    "group_id": group_id,
                    "target_id": target_id,
                    "customer_id": customer_id,
                    "period_name": period_name,
                    "initial_balance": initial_balance,
                    "reset_streak": reset_streak,
                },
            )
            self._publish(events)
            return status

    def unenroll(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None = None,
    ) -> EnrollmentStatus:
        """Unenroll a customer (milestones: from ``period_name``); it leaves the open board
        and accrues nothing until re-enrolled. O(log n).
        """
        with self._lock:
            now = self._sync()
            status = self._loyalty.unenroll(
                org,
                group_id,
                target_id,
                customer_id,
                period_name=period_name,
                now=now,
            )
            self._log(
                "unenroll",
                {
                    "org": org,
                    "group_id": group_id,
                    "target_id": target_id,
                    "customer_id": customer_id,
                    "period_name": period_name,
                },
            )
            return status

    def milestone_progress(
        self, org: int | Scope, group_id: int, target_id: int, customer_id: int, period_id: int
    ) -> MilestoneProgress:
        """A customer's achieved value on a milestone in one period. O(1)."""
        with self._lock:
            self._sync()
            return self._loyalty.milestone_progress(
                org, group_id, target_id, customer_id, period_id
            )

    def streak_progress(
        self, org: int | Scope, group_id: int, target_id: int, customer_id: int
    ) -> StreakProgress:
        """A customer's streak count on a streak target. O(1)."""
        with self._lock:
            self._sync()
            return self._loyalty.streak_progress(org, group_id, target_id, customer_id)

    def target_leaderboard(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        *,
        period_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> TargetLeaderboard:
        """A page of a target's leaderboard in a period (default: the current one), as
        Capillary's leaderboard API reports it. ``offset`` counts entries from 0.
        O(log n + limit).
        """
        with self._lock:
            now = self._sync()
            return self._loyalty.target_leaderboard(
                org,
                group_id,
                target_id,
                period_id=period_id,
                offset=offset,
                limit=limit,
                now=now,
            )

    def create_badge_group(
        self, org: int | Scope, name: str | None, rank: int | None, *, user: int
    ) -> BadgeGroup:
        """Create a badge group of ``org`` on behalf of ``user`` (733 if the name is taken,
        732 without a rank); its id is 24 hex digits from the seeded generator. O(1).
        """
        with self._lock:
            now = self._sync()
            group = self._loyalty.create_badge_group(org, name, rank, user, now)
            self._log("create_badge_group", {"org": org, "name": name, "rank": rank, "user": user})
            return group

    def badge_groups(self, org: int | Scope) -> list[BadgeGroup]:
        """The badge groups in scope, by rank then creation order. O(g log g)."""
        with self._lock:
            self._sync()
            return self._loyalty.badge_groups(org)

    # -- persistence (snapshots, journal) -------------------------------------------------------
    # Domains export plain state (``to_state``) and rebuild from it (``from_state``); the
    # formats live in ``rankcore.persistence`` and are described in ``docs/durability.md``.

    @property
    def recovery(self) -> RecoveryReport | None:
        """What opening on a journal restored and replayed (``None`` without a journal)."""
        return self._recovery

    def snapshot(self) -> bytes:
        """The engine's whole state as snapshot bytes (the same state gives the same bytes).

        O(size of the state).
        """
        with self._lock:
            return encode_snapshot(self._state())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write a snapshot of everything the engine holds to ``path``, atomically
        (temporary file, fsync, rename): a crash during the save leaves the previous file
        intact. Subscriptions are not saved. O(size of the state).
        """
        with self._lock:
            write_atomic(path, encode_snapshot(self._state()))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> Engine:
        """An engine with the state saved at ``path``.

        A newer format version (:class:`~rankcore.persistence.errors.SnapshotVersionError`),
        a truncated or corrupted file (:class:`~rankcore.persistence.errors.SnapshotCorrupted`)
        is refused before anything is built. Without ``clock``, a saved manual clock comes
        back at its saved time and a system clock as a new system clock; a manual ``clock``
        earlier than the saved time is moved forward to it. O(size of the state).
        """
        state = read_snapshot(path)
        engine = cls(clock=clock)
        with engine._lock:
            engine._restore(state, clock, f"snapshot {os.fspath(path)!r}")
        return engine

    def checkpoint(self) -> None:
        """Write the journal's snapshot (``<journal>.snapshot``) and start a fresh journal.

        Recovery then replays only what follows. Raises :class:`InvalidArgument` for an
        engine without a journal. O(size of the state).
        """
        with self._lock:
            self._check_usable()
            journal = self._journal
            if journal is None:
                raise InvalidArgument("checkpoint() needs an engine opened with a journal")
            write_atomic(_snapshot_path(journal.path), encode_snapshot(self._state()))
            journal.reset(self._journal_seq)

    def close(self) -> None:
        """fsync and close the journal (if any) and stop its background fsync. A journalled
        engine is then finished: every later call raises
        :class:`~rankcore.persistence.errors.JournalError` (open a new one on the journal)."""
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._failed = JournalError("the engine's journal is closed")

    def _check_usable(self) -> None:
        if self._failed is not None:
            raise JournalError(f"the engine no longer accepts operations: {self._failed}")

    def _log(self, op: str, args: dict[str, object]) -> None:
        """Append the accepted mutation ``op`` to the journal (if any). Under the lock."""
        journal = self._journal
        if journal is None or self._replaying:
            return
        try:
            record = {
                "n": self._journal_seq + 1,
                "t": encode_time(self._clock.now()),
                "op": op,
                "args": encode_args(args),
            }
            journal.append(record)
        except (JournalError, ValueError) as exc:
            error = exc if isinstance(exc, JournalError) else JournalError(str(exc))
            self._failed = error
            raise error from exc
        self._journal_seq += 1

    def _state(self) -> dict[str, object]:
        clock = self._clock
        version, internal, gauss = self._ids.getstate()
        return {
            "engine": {
                "journal_seq": self._journal_seq,
                "clock": (
                    {"kind": "manual", "now": encode_time(clock.now())}
                    if isinstance(clock, ManualClock)
                    else {"kind": "system"}
                ),
                "ids": [version, list(internal), gauss],
            },
            "tenants": [
                [org.id, _zone_key(org.zone), org.leaderboards, sorted(org.connected)]
                for org in self._tenants
            ],
            "campaigns": self._campaigns.to_state(),
            "loyalty": self._loyalty.to_state(),
        }

    def _restore(self, state: Any, clock: Clock | None, source: str) -> None:
        """Replace everything by ``state``; builds it all first, so a bad state changes
        nothing (:class:`SnapshotCorrupted`)."""
        try:
            meta = state["engine"]
            tenants = Tenants()
            for org_id, zone, leaderboards, connected in state["tenants"]:
                tenants.add(org_id, zone, leaderboards=leaderboards, connected=connected)
            version, internal, gauss = meta["ids"]
            ids_state = (version, tuple(internal), gauss)
            probe = IdGenerator()
            probe.setstate(ids_state)  # checks the state before it replaces ours
            campaigns = CampaignBook.from_state(state["campaigns"], tenants, self._ids)
            loyalty = LoyaltyService.from_state(state["loyalty"], tenants, self._ids)
            seq = meta["journal_seq"]
            if type(seq) is not int or seq < 0:
                raise ValueError("bad journal sequence")
            saved = meta["clock"]
            saved_now = decode_time(saved["now"]) if saved["kind"] == "manual" else None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, AssertionError) as exc:
            raise SnapshotCorrupted(f"{source} holds malformed state: {exc!r}") from None
        self._ids.setstate(ids_state)
        self._tenants, self._campaigns, self._loyalty = tenants, campaigns, loyalty
        self._journal_seq = seq
        self._clock = _restored_clock(clock, saved_now)

    def _open_journal(
        self,
        path: str | os.PathLike[str],
        policy: FsyncPolicy,
        interval: float,
        clock: Clock | None,
        replay_events: bool,
    ) -> None:
        """Recover from the journal at ``path`` (and its snapshot), or start one."""
        snapshot = _snapshot_path(path)
        with self._lock:
            if not os.path.exists(snapshot):
                if os.path.exists(path):
                    raise JournalCorrupted(
                        f"journal {os.fspath(path)!r} has no snapshot {os.fspath(snapshot)!r}"
                    )
                write_atomic(snapshot, encode_snapshot(self._state()))
                self._journal = Journal.create(path, self._journal_seq, policy, interval)
                self._recovery = RecoveryReport(False, 0)
                return
            self._restore(read_snapshot(snapshot), clock, f"snapshot {os.fspath(snapshot)!r}")
            if not os.path.exists(path):
                self._journal = Journal.create(path, self._journal_seq, policy, interval)
                self._recovery = RecoveryReport(True, 0)
                return
            scan = scan_journal(path)
            if scan.after > self._journal_seq:
                raise JournalCorrupted(
                    f"journal {os.fspath(path)!r} follows mutation {scan.after}, but its"
                    f" snapshot holds only {self._journal_seq}"
                )
            pending = [r for r in scan.records if r["n"] > self._journal_seq]
            events = self._replay(pending, replay_events, os.fspath(path))
            self._journal = Journal.resume(path, scan, policy, interval)
            self._recovery = RecoveryReport(
                True, len(pending), scan.dropped_bytes, scan.problem, tuple(events)
            )

    def _replay(self, records: list[dict[str, Any]], keep: bool, name: str) -> list[object]:
        """Apply journal records through the engine's own methods, at their recorded times,
        publishing nothing (the events were delivered before the crash)."""
        if not records:
            return []
        real_clock, real_events = self._clock, self._events
        try:
            replay_clock = ManualClock(decode_time(records[0].get("t")))
        except (TypeError, ValueError) as exc:
            raise JournalCorrupted(f"journal {name!r}: bad time in the first record") from exc
        events: list[object] = []
        bus = EventBus()
        if keep:
            bus.subscribe(object, events.append)
        self._clock, self._events, self._replaying = replay_clock, bus, True
        try:
            for record in records:
                op = record.get("op")
                if op not in OPERATIONS:
                    raise JournalCorrupted(f"journal {name!r}: unknown operation {op!r}")
                try:
                    t = decode_time(record.get("t"))
                    if t > replay_clock.now():
                        replay_clock.set(t)
                    if op == "sync":
                        self._sync()
                    else:
                        getattr(self, op)(**decode_args(record.get("args")))
                except JournalCorrupted:
                    raise
                except Exception as exc:
                    raise JournalCorrupted(
                        f"journal {name!r}: record {record.get('n')} ({op}) cannot be replayed:"
                        f" {exc!r}"
                    ) from exc
                self._journal_seq = record["n"]
        finally:
            self._replaying = False
            self._events = real_events
            recovered = replay_clock.now()
            if isinstance(real_clock, ManualClock) and real_clock.now() < recovered:
                real_clock.set(recovered)
            self._clock = real_clock
        return events


def _snapshot_path(journal: str | os.PathLike[str]) -> str:
    return os.fspath(journal) + ".snapshot"


def _zone_key(zone: ZoneInfo) -> str:
    if zone.key is None:
        raise InvalidArgument("a time zone without an IANA name cannot be saved")
    return zone.key


def _restored_clock(clock: Clock | None, saved_now: datetime | None) -> Clock:
    """The clock of a restored engine: ``clock`` if given (a manual one moved forward to the
    saved time), else the saved kind."""
    if clock is None:
        return SystemClock() if saved_now is None else ManualClock(saved_now)
    if isinstance(clock, ManualClock) and saved_now is not None and clock.now() < saved_now:
        clock.set(saved_now)
    return clock
