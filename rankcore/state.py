"""The engine's state, and what each command does to it.

:class:`State` holds the tenants, the campaigns and boards (:class:`CampaignBook`), the
loyalty programme (:class:`LoyaltyService`) and the campaigns' event rules: everything a
snapshot holds but the engine's own bookkeeping. :meth:`State.apply` is the one place that
turns a command (:mod:`rankcore.commands`) into domain calls; the engine
(:mod:`rankcore.engine`) owns the lock, the clock, the journal and the shared log, and calls
it alike for live work, replay and replication. Nothing here reads a clock: every command
acts at the ``now`` it is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rankcore.campaigns.book import CampaignBook
from rankcore.campaigns.errors import CampaignNotFound
from rankcore.commands import (
    AddCustomer,
    AddOrg,
    AddPeriod,
    AddTarget,
    AdvanceTo,
    Award,
    AwardMany,
    Command,
    CreateBadgeGroup,
    CreateBoard,
    CreateCampaign,
    CreateTargetGroup,
    DeleteBoard,
    EndBoard,
    Enroll,
    EventRule,
    JoinBoard,
    RecordActivities,
    RecordActivity,
    Register,
    RemoveMember,
    SetTargetGroupActive,
    Submit,
    SubmitMany,
    Sync,
    TrackEvent,
    Unenroll,
    UpdateCustomer,
    make_event_rule,
)
from rankcore.errors import InvalidArgument
from rankcore.ids import IdGenerator
from rankcore.loyalty.service import LoyaltyService
from rankcore.tenancy import Tenants
from rankcore.validate import check_id

__all__ = ["State"]


class State:
    """The tenants, both domains and the event rules of one engine (see the module text).
    Not thread-safe: the engine calls it under its lock."""

    def __init__(
        self,
        tenants: Tenants,
        campaigns: CampaignBook,
        loyalty: LoyaltyService,
        event_rules: dict[int, dict[str, EventRule]],
    ) -> None:
        self.tenants = tenants
        self.campaigns = campaigns
        self.loyalty = loyalty
        self.event_rules = event_rules  # org -> campaign id -> rule, in the order set

    @classmethod
    def new(cls, ids: IdGenerator) -> State:
        """An empty state whose domains draw their ids from ``ids``. O(1)."""
        tenants = Tenants()
        return cls(tenants, CampaignBook(tenants, ids), LoyaltyService(tenants, ids), {})

    def apply(self, command: Command[Any], now: datetime) -> tuple[Any, list[object], bool]:
        """Apply ``command`` at ``now``: its result, its events, whether it changed state.
        A command the domains refuse raises and changes nothing. O(the command's own cost)."""
        loyalty, campaigns = self.loyalty, self.campaigns
        match command:
            case Sync() | AdvanceTo():
                return None, [], True  # _sync has closed what was due at ``now``
            case AddOrg(org_id, timezone, leaderboards, connected):
                org = self.tenants.add(
                    org_id, timezone, leaderboards=leaderboards, connected=connected
                )
                return org, [], True
            case CreateCampaign():
                info, closed = campaigns.create(
                    command.org,
                    recurrence=command.recurrence,
                    start=command.start,
                    end=command.end,
                    brackets=command.brackets,
                    order=command.order,
                    ties=command.ties,
                    campaign_id=command.campaign_id,
                    retention=command.retention,
                    activity_ids=command.activity_ids,
                    now=now,
                )
                return info, list(closed), True
            case Register(org, source_id):
                new = campaigns.register(org, source_id)
                return new, [], new
            case Award(campaign_id, source_id, points, at, event_id, org):
                award = campaigns.award(
                    campaign_id, source_id, points, at, event_id=event_id, org=org, now=now
                )
                return award, [], not award.duplicate
            case AwardMany(campaign_id, awards, org):
                awarded = campaigns.award_many(campaign_id, awards, org=org, now=now)
                return awarded, [], awarded.changed
            case AddCustomer(org, customer_id):
                return loyalty.add_customer(org, customer_id, command.profile()), [], True
            case UpdateCustomer(org, customer_id, profile):
                return loyalty.update_customer(org, customer_id, profile), [], True
            case CreateTargetGroup(org, group_id, name, active, leaderboard):
                group = loyalty.create_target_group(
                    org, group_id, name, active=active, leaderboard=leaderboard
                )
                return group, [], True
            case SetTargetGroupActive(org, group_id, active):
                return loyalty.set_target_group_active(org, group_id, active), [], True
            case AddPeriod(org, group_id, period_id, ref_code, name, start, end):
                period = loyalty.add_period(
                    org,
                    group_id,
                    period_id,
                    ref_code=ref_code,
                    name=name,
                    start=start,
                    end=end,
                    now=now,
                )
                return period, [], True
            case AddTarget():
                target = loyalty.add_target(
                    command.org,
                    command.group_id,
                    command.target_id,
                    name=command.name,
                    type=command.type,
                    metric=command.metric,
                    value=command.value,
                    streak_length=command.streak_length,
                    leaderboard=command.leaderboard,
                    ties=command.ties,
                    order=command.order,
                    enrollment=command.enrollment,
                )
                return target, [], True
            case RecordActivity(org, customer, metric, value, at, event_id):
                activity, events = loyalty.record_activity(
                    org, customer, metric, value, at, event_id, now
                )
                return activity, events, not activity.duplicate
            case RecordActivities(org, activities):
                batch, events = loyalty.record_activities(org, activities, now)
                return batch, events, batch.changed
            case Enroll(org, group_id, target_id, customer_id, name, balance, reset):
                status, events = loyalty.enroll(
                    org,
                    group_id,
                    target_id,
                    customer_id,
                    period_name=name,
                    initial_balance=balance,
                    reset_streak=reset,
                    now=now,
                )
                return status, events, True
            case Unenroll(org, group_id, target_id, customer_id, name):
                status = loyalty.unenroll(
                    org, group_id, target_id, customer_id, period_name=name, now=now
                )
                return status, [], True
            case CreateBadgeGroup(org, name, rank, user):
                return loyalty.create_badge_group(org, name, rank, user, now), [], True
            case TrackEvent(org, campaign_id, event_name, points, points_field):
                return self.track_event(org, campaign_id, event_name, points, points_field)
            case CreateBoard():
                board, closed = campaigns.create_board(
                    command.org,
                    command.board_id,
                    order=command.order,
                    ties=command.ties,
                    subscore=command.subscore,
                    operator=command.operator,
                    reset=command.reset,
                    brackets=command.brackets,
                    join_required=command.join_required,
                    capacity=command.capacity,
                    max_submissions=command.max_submissions,
                    grace=command.grace,
                    start=command.start,
                    end=command.end,
                    retention=command.retention,
                    now=now,
                )
                return board, list(closed), True
            case JoinBoard(org, board_id, member):
                new = campaigns.join(org, board_id, member, now=now)
                return new, [], new
            case Submit(org, board_id, member, score, subscore, meta, at, event_id):
                standing, duplicate = campaigns.submit(
                    org,
                    board_id,
                    member,
                    score,
                    subscore=subscore,
                    meta=meta,
                    at=at,
                    event_id=event_id,
                    now=now,
                )
                return standing, [], not duplicate
            case SubmitMany(org, board_id, entries):
                submitted, changed = campaigns.submit_many(org, board_id, entries, now=now)
                return submitted, [], changed
            case RemoveMember(org, board_id, member):
                removed = campaigns.remove(org, board_id, member)
                return removed, [], removed
            case EndBoard(org, board_id):
                ended = campaigns.end_board(org, board_id, now=now)
                return tuple(ended), list(ended), True
            case DeleteBoard(org, board_id):
                return campaigns.delete_board(org, board_id), [], True
        raise AssertionError(f"no way to apply {command!r}")  # pragma: no cover

    def track_event(
        self, org: int, campaign_id: object, event_name: object, points: object, field: object
    ) -> tuple[EventRule, list[object], bool]:
        """Set ``campaign_id``'s event rule (it goes last among the org's rules)."""
        org = check_id(org, "org")
        rule = make_event_rule(org, campaign_id, event_name, points, field)
        if self.campaigns.find(org, rule.campaign_id) is None:
            raise CampaignNotFound(rule.campaign_id)
        rules = self.event_rules.setdefault(org, {})
        rules.pop(rule.campaign_id, None)  # a new rule goes last
        rules[rule.campaign_id] = rule
        return rule, [], True

    def close_due(self, now: datetime) -> list[object]:
        """Every domain's closing at ``now``; returns the events to publish, in order."""
        events: list[object] = list(self.campaigns.close_due(now))
        closed = self.loyalty.close_due(now)
        if closed:
            events.extend(closed)
        return events

    def next_due(self) -> datetime | None:
        """The earliest instant at which something closes, or ``None``. O(1)."""
        due = [d for d in (self.campaigns.next_due(), self.loyalty.next_due()) if d]
        return min(due, default=None)

    def to_state(self) -> dict[str, object]:
        """The snapshot's parts this state holds: ``tenants``, ``campaigns``, ``loyalty``
        and, once a campaign tracks an event, ``event_rules``. O(size)."""
        state: dict[str, object] = {
            "tenants": [
                [org.id, _zone_key(org.zone), org.leaderboards, sorted(org.connected)]
                for org in self.tenants
            ],
            "campaigns": self.campaigns.to_state(),
            "loyalty": self.loyalty.to_state(),
        }
        if self.event_rules:  # absent while no campaign tracks an event (older snapshots)
            state["event_rules"] = [
                [r.org, r.campaign_id, r.event_name, r.points, r.points_field]
                for rules in self.event_rules.values()
                for r in rules.values()
            ]
        return state

    @classmethod
    def from_state(cls, state: Any, ids: IdGenerator) -> State:
        """The state :meth:`to_state` described (the snapshot ``state`` holds those parts),
        checked to write back the parts it was built from. Raises whatever a malformed value
        makes a builder raise (``ValueError`` when it does not describe itself); the caller
        refuses the snapshot. O(size)."""
        tenants = Tenants()
        for org_id, zone, leaderboards, connected in state["tenants"]:
            known = [other for other in connected if other in tenants]  # links go both ways
            tenants.add(org_id, zone, leaderboards=leaderboards, connected=known)
        campaigns = CampaignBook.from_state(state["campaigns"], tenants, ids)
        loyalty = LoyaltyService.from_state(state["loyalty"], tenants, ids)
        event_rules: dict[int, dict[str, EventRule]] = {}
        for row in state.get("event_rules", []):
            rule = make_event_rule(*row)
            event_rules.setdefault(rule.org, {})[rule.campaign_id] = rule
        if campaigns.to_state() != state["campaigns"] or loyalty.to_state() != state["loyalty"]:
            raise ValueError("the state does not describe itself: a value is malformed")
        return cls(tenants, campaigns, loyalty, event_rules)


def _zone_key(zone: ZoneInfo) -> str:
    if zone.key is None:
        raise InvalidArgument("a time zone without an IANA name cannot be saved")
    return zone.key
