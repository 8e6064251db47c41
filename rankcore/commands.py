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
``{"$profile": [seven profile fields]}``; enums are written as their value, time zones by
IANA name, brackets as Rehook-style mappings, other collections as lists.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

import attrs

from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.views import AwardResult, CampaignInfo
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import Customer, CustomerProfile
from rankcore.loyalty.periods import Period
from rankcore.loyalty.scope import Scope
from rankcore.loyalty.targets import EnrollmentMode, Target, TargetGroup, TargetType
from rankcore.loyalty.views import ActivityResult, EnrollmentStatus
from rankcore.persistence.codec import State, decode_time, encode_time
from rankcore.persistence.snapshot import canonical
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.tenancy import Org
from rankcore.timeline.recurrence import Recurrence

__all__ = [
    "COMMANDS",
    "AddCustomer",
    "AddOrg",
    "AddPeriod",
    "AddTarget",
    "AdvanceTo",
    "Award",
    "Command",
    "CreateBadgeGroup",
    "CreateCampaign",
    "CreateTargetGroup",
    "Enroll",
    "RecordActivity",
    "Register",
    "SetTargetGroupActive",
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


COMMANDS: Final[Mapping[str, type[Command[Any]]]] = {
    command.op: command
    for command in (
        Sync,
        AdvanceTo,
        AddOrg,
        CreateCampaign,
        Register,
        Award,
        AddCustomer,
        UpdateCustomer,
        CreateTargetGroup,
        SetTargetGroupActive,
        AddPeriod,
        AddTarget,
        RecordActivity,
        Enroll,
        Unenroll,
        CreateBadgeGroup,
    )
}
"""Every command by its name in the log."""


# -- encoding ---------------------------------------------------------------------------------


def _encode(value: object) -> State:
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, datetime):
        return {"$time": encode_time(value)}
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
    return command(**{str(name): _decode(value) for name, value in args.items()})
