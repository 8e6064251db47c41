"""Journal records of engine mutations: how arguments are written and read back.

One record per accepted mutation: ``{"n": sequence, "t": engine time, "op": method name,
"args": {name: value}}``. Values JSON lacks are tagged objects with one ``$`` key:
``{"$time": "..."}`` (see :mod:`rankcore.persistence.codec`), ``{"$scope": [actor, kind,
[orgs]]}`` and ``{"$profile": [seven profile fields]}``; enums are written as their value,
time zones by IANA name, brackets as Rehook-style mappings, other collections as lists.

Only the engine's own mutating methods can be named by a record (:data:`OPERATIONS`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from rankcore.campaigns.brackets import Bracket
from rankcore.loyalty.customers import CustomerProfile
from rankcore.loyalty.scope import Scope
from rankcore.persistence.codec import State, decode_time, encode_time

__all__ = ["OPERATIONS", "RecoveryReport", "decode_args", "encode_args"]

OPERATIONS: Final = frozenset(
    {
        "sync",
        "advance_to",
        "add_org",
        "create_campaign",
        "register",
        "award",
        "add_customer",
        "update_customer",
        "create_target_group",
        "set_target_group_active",
        "add_period",
        "add_target",
        "record_activity",
        "enroll",
        "unenroll",
        "create_badge_group",
    }
)
"""The operations a journal record may name: ``sync`` (closings that produced events) and
the engine's mutating methods."""


@attrs.frozen
class RecoveryReport:
    """What opening an engine with a journal did.

    ``snapshot`` says whether a checkpoint snapshot was restored; ``replayed`` counts the
    journal records applied after it; ``dropped_bytes`` and ``problem`` describe a torn or
    corrupted tail that was dropped (0 and ``None`` if the journal was clean). ``events``
    holds the events the replay caused, only when the engine was opened with
    ``replay_events=True`` (by default replay publishes nothing and keeps nothing).
    """

    snapshot: bool
    replayed: int
    dropped_bytes: int = 0
    problem: str | None = None
    events: tuple[object, ...] = ()


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
    raise ValueError(f"a {type(value).__name__} cannot be journalled")


def encode_args(args: Mapping[str, object]) -> dict[str, State]:
    """``args`` as plain JSON-ready data. Raises ``ValueError`` for a value it cannot write."""
    return {name: _encode(value) for name, value in args.items()}


def _decode(value: State) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
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


def decode_args(args: State) -> dict[str, Any]:
    """The arguments :func:`encode_args` wrote. Raises ``ValueError``/``TypeError`` on
    malformed data."""
    if not isinstance(args, dict):
        raise ValueError("a record's args must be an object")
    return {str(name): _decode(value) for name, value in args.items()}
