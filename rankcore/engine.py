"""The facade a game backend imports: one :class:`Engine` owns everything.

The engine owns the tenants, the clock, a seeded id generator, event subscriptions and one
re-entrant lock. Every public method takes the lock, first closes whatever the clock says is
due (intervals, periods), then delegates to a domain service and publishes the events the
domain returned. Domain services never see the engine: data flows from here down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
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
    """

    def __init__(
        self, *, clock: Clock | None = None, seed: int = 0, ids: IdGenerator | None = None
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._ids = ids if ids is not None else IdGenerator(seed)
        self._events = EventBus()
        self._tenants = Tenants()
        self._campaigns = CampaignBook(self._tenants, self._ids)
        self._loyalty = LoyaltyService(self._tenants, self._ids)

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
                self._clock.set(t)
            self._sync()

    def tick(self) -> None:
        """Close whatever the clock says is due, without doing anything else."""
        with self._lock:
            self._sync()

    def _sync(self) -> None:
        """Close what is due at the clock's time and publish the resulting events.

        Called under the lock at the start of every public operation.
        """
        now = self._clock.now()
        for event in self._close_due(now):
            self._events.publish(event)

    def _close_due(self, now: datetime) -> list[object]:
        """Every domain's closing at ``now``; returns the events to publish, in order."""
        events: list[object] = []
        events.extend(self._campaigns.close_due(now))
        events.extend(self._loyalty.close_due(now))
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
            return self._tenants.add(
                org_id, timezone, leaderboards=leaderboards, connected=connected
            )

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
    ) -> CampaignInfo:
        """Create a leaderboard campaign of tenant ``org`` (see ``docs/campaigns.md``).

        ``recurrence``: daily, weekly, monthly or campaign_duration, on ``org``'s local
        calendar. ``brackets``: :class:`Bracket` objects or mappings with ``position``,
        ``reward_value`` and optional ``min_value``. ``campaign_id`` defaults to a generated
        ``camp_`` id. ``retention`` keeps only the last N closed intervals (default: all).
        Intervals already over are closed at once. O(b log b) for b brackets.
        """
        with self._lock:
            self._sync()
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
                now=self._clock.now(),
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
            return self._campaigns.register(org, source_id)

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
            self._sync()
            now = self._clock.now()
            return self._campaigns.award(
                campaign_id, source_id, points, at, event_id=event_id, org=org, now=now
            )

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
            return self._loyalty.add_customer(org, customer_id, profile)

    def update_customer(
        self, org: int | Scope, customer_id: int, profile: CustomerProfile
    ) -> Customer:
        """Replace the profile of a customer of ``org`` (310011 if unknown). O(1)."""
        with self._lock:
            self._sync()
            return self._loyalty.update_customer(org, customer_id, profile)

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
            return self._loyalty.create_target_group(
                org, group_id, name, active=active, leaderboard=leaderboard
            )

    def set_target_group_active(self, org: int | Scope, group_id: int, active: bool) -> TargetGroup:
        """(De)activate a target group; a deactivated one counts nothing and is frozen. O(1)."""
        with self._lock:
            self._sync()
            return self._loyalty.set_target_group_active(org, group_id, active)

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
            self._sync()
            return self._loyalty.add_period(
                org,
                group_id,
                period_id,
                ref_code=ref_code,
                name=name,
                start=start,
                end=end,
                now=self._clock.now(),
            )

    def periods(self, org: int | Scope, group_id: int) -> list[Period]:
        """A target group's periods in time order. O(periods)."""
        with self._lock:
            self._sync()
            return self._loyalty.periods(org, group_id)

    def current_period(self, org: int | Scope, group_id: int) -> Period | None:
        """The target group's period containing the engine's time, or ``None``. O(log p)."""
        with self._lock:
            self._sync()
            return self._loyalty.current_period(org, group_id, self._clock.now())

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
            return self._loyalty.add_target(
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
            self._sync()
            result, events = self._loyalty.record_activity(
                org, customer, metric, value, at, event_id, self._clock.now()
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
            self._sync()
            status, events = self._loyalty.enroll(
                org,
                group_id,
                target_id,
                customer_id,
                period_name=period_name,
                initial_balance=initial_balance,
                reset_streak=reset_streak,
                now=self._clock.now(),
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
            self._sync()
            return self._loyalty.unenroll(
                org,
                group_id,
                target_id,
                customer_id,
                period_name=period_name,
                now=self._clock.now(),
            )

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
            self._sync()
            return self._loyalty.target_leaderboard(
                org,
                group_id,
                target_id,
                period_id=period_id,
                offset=offset,
                limit=limit,
                now=self._clock.now(),
            )

    def create_badge_group(
        self, org: int | Scope, name: str | None, rank: int | None, *, user: int
    ) -> BadgeGroup:
        """Create a badge group of ``org`` on behalf of ``user`` (733 if the name is taken,
        732 without a rank); its id is 24 hex digits from the seeded generator. O(1).
        """
        with self._lock:
            self._sync()
            return self._loyalty.create_badge_group(org, name, rank, user, self._clock.now())

    def badge_groups(self, org: int | Scope) -> list[BadgeGroup]:
        """The badge groups in scope, by rank then creation order. O(g log g)."""
        with self._lock:
            self._sync()
            return self._loyalty.badge_groups(org)
