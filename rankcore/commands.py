"""Every mutation of the engine as a value: the commands of its one write path.

A public method of :class:`~rankcore.Engine` that changes state only builds one of these
frozen values and hands it to the engine's write path, which encodes it, applies it and
appends it to the log. Recovery decodes the same values from the log and applies them
through the same path, so live work and replay cannot drift apart.

A command holds its arguments as the caller gave them (the domains validate them when it is
applied). Its field names are the keyword arguments of the engine method of the same name,
and its encoding is versioned with the journal format::

    {"op": "award", "args": {"campaign_id": "camp_1", "source_id": "ann", "points": 4,
                             "at": {"$time": "2024-06-01T10:00:00+00:00"}, ...}}

Values JSON lacks are tagged objects with one ``$`` key: ``{"$time": "..."}`` (see
:mod:`rankcore.persistence.codec`), ``{"$scope": [actor, kind, [orgs]]}`` and
``{"$profile": [seven profile fields]}`` and ``{"$duration": microseconds}``; resets are
written as their text, enums are written as their value, time zones by
IANA name, brackets as Rehook-style mappings, other collections as lists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

import attrs

from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.events import IntervalClosed
from rankcore.campaigns.views import (
    AwardBatchResult,
    AwardResult,
    BoardInfo,
    BoardStanding,
    CampaignInfo,
    Operator,
    SubmitResult,
)
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import Customer, CustomerProfile
from rankcore.loyalty.periods import Period
from rankcore.loyalty.scope import Scope
from rankcore.loyalty.targets import EnrollmentMode, Target, TargetGroup, TargetType
from rankcore.loyalty.views import ActivityResult, BatchResult, EnrollmentStatus
from rankcore.persistence.codec import State, decode_time, encode_time
from rankcore.persistence.snapshot import canonical
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.tenancy import Org
from rankcore.timeline.recurrence import Recurrence
from rankcore.timeline.reset import Reset

__all__ = [
    "COMMANDS",
    "MAX_BATCH",
    "ActivityInput",
    "ActivityItem",
    "AddCustomer",
    "AddOrg",
    "AddPeriod",
    "AddTarget",
    "AdvanceTo",
    "Award",
    "AwardMany",
    "BatchResult",
    "Command",
    "CreateBadgeGroup",
    "CreateBoard",
    "CreateCampaign",
    "CreateTargetGroup",
    "DeleteBoard",
    "EndBoard",
    "Enroll",
    "JoinBoard",
    "RecordActivities",
    "RecordActivity",
    "Register",
    "RemoveMember",
    "SetTargetGroupActive",
    "Submit",
    "SubmitMany",
    "Sync",
    "Unenroll",
    "UpdateCustomer",
    "decode_command",
    "encode_args",
    "unrecordable",
]

R = TypeVar("R")


@attrs.frozen
class Command(Generic[R]):
    """A mutation of the engine; ``R`` is what applying it returns to the caller."""

    op: ClassVar[str]
    """The command's name in the log: the engine method that builds it."""

    def args(self) -> dict[str, object]:
        """The command's fields by name. O(fields)."""
        return {field.name: getattr(self, field.name) for field in attrs.fields(type(self))}


@attrs.frozen
class Sync(Command[None]):
    """Close what is due at the record's time: closings that changed state."""

    op: ClassVar[str] = "sync"


@attrs.frozen
class AdvanceTo(Command[None]):
    """A manual clock moved to ``t`` (what was due closes in the same instant)."""

    op: ClassVar[str] = "advance_to"
    t: datetime


@attrs.frozen
class AddOrg(Command[Org]):
    """Register an organisation (or a Rehook application)."""

    op: ClassVar[str] = "add_org"
    org_id: int
    timezone: str | ZoneInfo
    leaderboards: bool
    connected: tuple[int, ...]


@attrs.frozen
class CreateCampaign(Command[CampaignInfo]):
    """Create a Rehook-style leaderboard campaign."""

    op: ClassVar[str] = "create_campaign"
    org: int
    recurrence: Recurrence | str
    start: datetime
    end: datetime
    brackets: tuple[Bracket | Mapping[str, object], ...]
    order: Order | str
    ties: TiePolicy | str
    campaign_id: str | None
    retention: int | None
    activity_ids: tuple[str, ...]


@attrs.frozen
class Register(Command[bool]):
    """Register a Rehook source id with a tenant."""

    op: ClassVar[str] = "register"
    org: int
    source_id: str


@attrs.frozen
class Award(Command[AwardResult]):
    """Points for a source id in a campaign interval."""

    op: ClassVar[str] = "award"
    campaign_id: str
    source_id: str
    points: Score
    at: datetime | None
    event_id: str | int | None
    org: int | None


@attrs.frozen
class AwardMany(Command[AwardBatchResult]):
    """A batch of awards to one campaign, applied in order under one lock and journalled as
    one record; ``awards`` holds ``(source_id, points, at, event_id)`` tuples."""

    op: ClassVar[str] = "award_many"
    campaign_id: str
    awards: tuple[tuple[Any, Any, Any, Any], ...]
    org: int | None


@attrs.frozen
class AddCustomer(Command[Customer]):
    """Register a customer with its enrichment profile."""

    op: ClassVar[str] = "add_customer"
    org: int | Scope
    customer_id: int
    first_name: str | None = None
    last_name: str | None = None
    mobile: str | None = None
    email: str | None = None
    gender: str | None = None
    birthday: str | None = None
    anniversary: str | None = None

    def profile(self) -> CustomerProfile:
        """The customer's profile. O(1)."""
        return CustomerProfile(
            self.first_name,
            self.last_name,
            self.mobile,
            self.email,
            self.gender,
            self.birthday,
            self.anniversary,
        )


@attrs.frozen
class UpdateCustomer(Command[Customer]):
    """Replace a customer's profile."""

    op: ClassVar[str] = "update_customer"
    org: int | Scope
    customer_id: int
    profile: CustomerProfile


@attrs.frozen
class CreateTargetGroup(Command[TargetGroup]):
    """Create a target group."""

    op: ClassVar[str] = "create_target_group"
    org: int | Scope
    group_id: int
    name: str
    active: bool
    leaderboard: bool


@attrs.frozen
class SetTargetGroupActive(Command[TargetGroup]):
    """(De)activate a target group."""

    op: ClassVar[str] = "set_target_group_active"
    org: int | Scope
    group_id: int
    active: bool


@attrs.frozen
class AddPeriod(Command[Period]):
    """Add a period to a target group."""

    op: ClassVar[str] = "add_period"
    org: int | Scope
    group_id: int
    period_id: int
    ref_code: str
    name: str
    start: datetime
    end: datetime


@attrs.frozen
class AddTarget(Command[Target]):
    """Add a milestone or streak target to a target group."""

    op: ClassVar[str] = "add_target"
    org: int | Scope
    group_id: int
    target_id: int
    name: str
    type: TargetType | str
    metric: str
    value: Score
    streak_length: int | None
    leaderboard: bool
    ties: TiePolicy | str
    order: Order | str
    enrollment: EnrollmentMode | str


@attrs.frozen
class RecordActivity(Command[ActivityResult]):
    """An activity of a customer, counted towards the targets on its metric."""

    op: ClassVar[str] = "record_activity"
    org: int | Scope
    customer: int
    metric: str
    value: Score
    at: datetime | None
    event_id: str | int | None


ActivityItem = tuple[int, str, Score, datetime | None, str | int | None]
"""One activity of a batch: ``(customer, metric, value, at, event_id)``."""
ActivityInput = Mapping[str, Any] | Sequence[Any]
"""An activity as :meth:`~rankcore.Engine.record_activities` takes it: a mapping with
``customer``, ``metric``, ``value`` and optional ``at`` and ``event_id``, or a tuple
``(customer, metric, value[, at[, event_id]])``."""
MAX_BATCH: Final = 10_000
"""The most activities one batch may hold (one journal record stays below a few MB)."""


@attrs.frozen
class RecordActivities(Command[BatchResult]):
    """A batch of activities of customers of one org, applied in order under one lock and
    journalled as one record; ``activities`` holds :data:`ActivityItem` tuples."""

    op: ClassVar[str] = "record_activities"
    org: int | Scope
    activities: tuple[ActivityItem, ...]


@attrs.frozen
class Enroll(Command[EnrollmentStatus]):
    """Enroll or re-enroll a customer in a target."""

    op: ClassVar[str] = "enroll"
    org: int | Scope
    group_id: int
    target_id: int
    customer_id: int
    period_name: str | None
    initial_balance: Score | None
    reset_streak: bool | None


@attrs.frozen
class Unenroll(Command[EnrollmentStatus]):
    """Unenroll a customer from a target."""

    op: ClassVar[str] = "unenroll"
    org: int | Scope
    group_id: int
    target_id: int
    customer_id: int
    period_name: str | None


@attrs.frozen
class CreateBadgeGroup(Command[BadgeGroup]):
    """Create a badge group on behalf of a user."""

    op: ClassVar[str] = "create_badge_group"
    org: int | Scope
    name: str | None
    rank: int | None
    user: int


# -- boards (tournaments; campaigns are boards too) ------------------------------------------


@attrs.frozen
class CreateBoard(Command[BoardInfo]):
    """Create a named, optionally recurring board of an org."""

    op: ClassVar[str] = "create_board"
    org: int
    board_id: str
    order: Order | str
    ties: TiePolicy | str
    subscore: Order | str | None
    operator: Operator | str
    reset: Reset | Recurrence | str | timedelta | None
    brackets: tuple[Bracket | Mapping[str, object], ...]
    join_required: bool
    capacity: int | None
    max_submissions: int | None
    grace: timedelta
    start: datetime | None
    end: datetime | None
    retention: int | None = None


@attrs.frozen
class JoinBoard(Command[bool]):
    """A member joins the current interval of a board that needs joining."""

    op: ClassVar[str] = "join"
    org: int
    board_id: str
    member: str


@attrs.frozen
class Submit(Command[BoardStanding]):
    """A score for a member on a board, under the board's operator."""

    op: ClassVar[str] = "submit"
    org: int
    board_id: str
    member: str
    score: Score
    subscore: Score | None
    meta: Any
    at: datetime | None
    event_id: str | int | None


@attrs.frozen
class SubmitMany(Command[SubmitResult]):
    """A batch of submissions to one board, applied in order and journalled as one record."""

    op: ClassVar[str] = "submit_many"
    org: int
    board_id: str
    entries: tuple[Any, ...]


@attrs.frozen
class RemoveMember(Command[bool]):
    """Take a member off a board's intervals that have not closed."""

    op: ClassVar[str] = "remove"
    org: int
    board_id: str
    member: str


@attrs.frozen
class EndBoard(Command[tuple[IntervalClosed, ...]]):
    """Close a board now and pay its open intervals."""

    op: ClassVar[str] = "end_board"
    org: int
    board_id: str


@attrs.frozen
class DeleteBoard(Command[bool]):
    """Forget a board."""

    op: ClassVar[str] = "delete_board"
    org: int
    board_id: str


COMMANDS: Final[Mapping[str, type[Command[Any]]]] = {
    command.op: command
    for command in (
        Sync,
        AdvanceTo,
        AddOrg,
        CreateCampaign,
        Register,
        Award,
        AwardMany,
        AddCustomer,
        UpdateCustomer,
        CreateTargetGroup,
        SetTargetGroupActive,
        AddPeriod,
        AddTarget,
        RecordActivity,
        RecordActivities,
        Enroll,
        Unenroll,
        CreateBadgeGroup,
        CreateBoard,
        JoinBoard,
        Submit,
        SubmitMany,
        RemoveMember,
        EndBoard,
        DeleteBoard,
    )
}
"""Every command by its name in the log."""


# -- encoding ---------------------------------------------------------------------------------


def _encode(value: object) -> State:
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, datetime):
        return {"$time": encode_time(value)}
    if isinstance(value, timedelta):
        return {"$duration": value // timedelta(microseconds=1)}
    if isinstance(value, Reset):
        return value.to_state()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, ZoneInfo):
        if value.key is None:
            raise ValueError("a time zone without an IANA name cannot be journalled")
        return value.key
    if isinstance(value, Scope):
        return {"$scope": [value.actor, value.kind.value, sorted(value.orgs)]}
    if isinstance(value, CustomerProfile):
        return {"$profile": [field for _, field in value.items()]}
    if isinstance(value, Bracket):
        return {
            "position": value.position,
            "reward_value": value.reward_value,
            "min_value": value.minimum,
        }
    if isinstance(value, Mapping):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [_encode(item) for item in items]
    raise TypeError(f"a {type(value).__name__} is not accepted here")


def encode_args(command: Command[Any]) -> dict[str, State]:
    """The command's arguments as plain JSON-ready data. O(size of the arguments).

    Raises :class:`~rankcore.errors.InvalidArgumentType` (a value of a type no command
    takes) or :class:`~rankcore.errors.InvalidArgument`, naming the argument.
    """
    encoded: dict[str, State] = {}
    for name, value in command.args().items():
        try:
            encoded[name] = _encode(value)
        except TypeError as exc:
            raise InvalidArgumentType(f"{name}: {exc}") from None
        except (ValueError, RecursionError) as exc:
            raise InvalidArgument(f"{name} cannot be recorded: {exc}") from None
    return encoded


def unrecordable(command: Command[Any]) -> InvalidArgument:
    """Why the command's record cannot be written as UTF-8 JSON, naming the argument.

    Called only once writing failed, so the common path encodes each command once. O(size).
    """
    for name, value in encode_args(command).items():
        try:
            canonical(value)
        except UnicodeEncodeError:
            reason = "its text holds a lone surrogate, which UTF-8 cannot encode"
        except RecursionError:
            reason = "it is nested too deeply"
        except ValueError as exc:
            reason = str(exc)
        else:
            continue
        return InvalidArgument(f"{name} cannot be recorded: {reason}")
    return InvalidArgument(f"the {command.op} command cannot be recorded")


def _decode(value: State) -> Any:
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, item),) = value.items()
            if tag == "$time":
                return decode_time(item)
            if tag == "$scope":
                actor, kind, orgs = item
                return Scope(actor, kind, orgs)
            if tag == "$profile":
                return CustomerProfile(*item)
            if tag == "$duration" and type(item) is int:
                return timedelta(microseconds=item)
        return {key: _decode(item) for key, item in value.items()}
    return value


def decode_command(op: object, args: State) -> Command[Any]:
    """The command a log entry names. O(size of the arguments).

    Raises ``ValueError`` (or ``TypeError``) for an unknown operation or malformed arguments.
    """
    command = COMMANDS.get(op) if isinstance(op, str) else None
    if command is None:
        raise ValueError(f"unknown operation {op!r}")
    if not isinstance(args, dict):
        raise ValueError("a record's args must be an object")
    field, rows = _BATCH_ROWS.get(command, ("", _decode))  # a batch's rows: a fast path
    return command(
        **{str(name): (rows if name == field else _decode)(value) for name, value in args.items()}
    )


def _decode_activities(value: State) -> Any:
    """A batch's activities as :func:`_decode` reads them, with a fast path for the usual
    ``[customer, metric, value, at, event_id]`` rows of plain values. O(batch)."""
    if not isinstance(value, list):
        return _decode(value)
    nested = (list, dict)
    items: list[Any] = []
    for item in value:
        if (
            type(item) is list
            and len(item) == 5
            and type(item[0]) not in nested
            and type(item[1]) not in nested
            and type(item[2]) not in nested
            and type(item[4]) not in nested
        ):
            at = item[3]
            items.append((item[0], item[1], item[2], at if at is None else _decode(at), item[4]))
        else:
            items.append(_decode(item))
    return tuple(items)


def _decode_awards(value: State) -> Any:
    """A batch's awards as :func:`_decode` reads them, with a fast path for the usual
    ``[source_id, points, at, event_id]`` rows of plain values. O(batch)."""
    if not isinstance(value, list):
        return _decode(value)
    nested = (list, dict)
    items: list[Any] = []
    for item in value:
        if (
            type(item) is list
            and len(item) == 4
            and type(item[0]) not in nested
            and type(item[1]) not in nested
            and type(item[3]) not in nested
        ):
            at = item[2]
            items.append((item[0], item[1], at if at is None else _decode(at), item[3]))
        else:
            items.append(_decode(item))
    return tuple(items)


_BATCH_ROWS: Final[dict[type[Command[Any]], tuple[str, Callable[[State], Any]]]] = {
    RecordActivities: ("activities", _decode_activities),
    AwardMany: ("awards", _decode_awards),
}
"""The batch commands: the argument holding their rows, and its decoder."""


# -- tracked events (Rehook's POST /events/invoke) ----------------------------------------------
# A campaign may track one event name with a points rule; an invoked event of that name then
# awards points in the campaign. The rule is state, so it is set by a journalled command.


@attrs.frozen
class EventRule:
    """Campaign ``campaign_id`` of ``org`` tracks events named ``event_name``: each one is
    worth ``points``, or (``points`` is ``None``) the number in the event's metadata field
    ``points_field``."""

    org: int
    campaign_id: str
    event_name: str
    points: Score | None
    points_field: str | None


def make_event_rule(
    org: int, campaign_id: object, event_name: object, points: object, points_field: object
) -> EventRule:
    """A checked :class:`EventRule`: names are keys (1 to 256 characters, not blank), and
    exactly one of ``points`` (a score above 0) and ``points_field`` is given. O(1)."""
    from rankcore.ranking.keys import check_score
    from rankcore.validate import MAX_KEY_LENGTH, check_text

    def check_key(value: object, what: str) -> str:
        return check_text(value, what, max_length=MAX_KEY_LENGTH, blank=False)

    campaign = check_key(campaign_id, "campaign_id")
    name = check_key(event_name, "event_name")
    if (points is None) == (points_field is None):
        raise InvalidArgument("give exactly one of points and points_field")
    if points is not None:
        value = check_score(points, "points")
        if value <= 0:
            raise InvalidArgument(f"points must be above 0, got {value!r}")
        return EventRule(org, campaign, name, value, None)
    return EventRule(org, campaign, name, None, check_key(points_field, "points_field"))


@attrs.frozen
class TrackEvent(Command[EventRule]):
    """Make a campaign track an event name with a points rule (replacing its rule)."""

    op: ClassVar[str] = "track_event"
    org: int
    campaign_id: str
    event_name: str
    points: Score | None
    points_field: str | None


assert isinstance(COMMANDS, dict)
COMMANDS[TrackEvent.op] = TrackEvent
