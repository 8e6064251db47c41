"""The checks every value entering rankcore goes through: ids, text, time zones, string enums
and event ids.

A leaf module (it imports only :mod:`rankcore.errors` and the standard library), so that
every layer validates with the same rule and the same message. The rules exist for one
guarantee besides clear errors: whatever is accepted can be written as UTF-8 JSON (the
journal and snapshots write ``json.dumps(..., ensure_ascii=False).encode()``), so the engine
can never hold state it cannot persist.

Bounds (all documented here, each a named constant):

- ids and counts are non-negative ``int`` of at most ``2**63 - 1`` (:data:`MAX_ID`, a signed
  64-bit id, as Capillary's and database ids are);
- identifiers given as text (event ids, source ids, campaign and activity ids, metrics,
  period ref codes) have at most :data:`MAX_KEY_LENGTH` (256) characters;
- names and profile fields have at most :data:`MAX_TEXT_LENGTH` (1024) characters;
- text never holds a lone surrogate (``"\\ud800"``), which UTF-8 cannot encode.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
from datetime import datetime, timezone
from typing import Final, Self, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from rankcore.errors import InvalidArgument, InvalidArgumentType

__all__ = [
    "MAX_ID",
    "MAX_KEY_LENGTH",
    "MAX_TEXT_LENGTH",
    "OFFSET_ZONES",
    "Choice",
    "check_event_id",
    "check_id",
    "check_text",
    "check_zone",
    "fingerprint",
    "parse_enum",
    "same_event",
    "saved_fingerprint",
    "show",
]

MAX_ID: Final = 2**63 - 1
"""The largest id or count accepted: a signed 64-bit integer."""
MAX_KEY_LENGTH: Final = 256
"""The longest identifier given as text (event, source, campaign and activity ids, metrics,
ref codes), in characters."""
MAX_TEXT_LENGTH: Final = 1024
"""The longest name or profile field, in characters."""
OFFSET_ZONES: Final = (ZoneInfo, timezone)
"""The tzinfo types whose ``utcoffset`` is never ``None``: a time in one is aware without
reading its offset (a reading costs a few hundred ns)."""

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SHOWN: Final = 60
_E = TypeVar("_E", bound=enum.Enum)


def show(value: object) -> str:
    """``repr(value)`` cut to 60 characters, for error messages (a repr escapes surrogates,
    so the message itself is always encodable; an int too long to print is described by its
    size). O(1) for long values."""
    if isinstance(value, int) and value.bit_length() > 200:
        return f"<an int of {value.bit_length()} bits>"
    text = repr(value[: _SHOWN + 1] if isinstance(value, str) else value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def check_id(value: object, name: str) -> int:
    """``value`` as a plain ``int`` if it is a valid id or count, else raise naming ``name``.

    Valid: an ``int`` (not ``bool``) with ``0 <= value <= 2**63 - 1``. Raises
    :class:`~rankcore.InvalidArgumentType` for anything else than an int and
    :class:`~rankcore.InvalidArgument` for a negative or larger one (which also covers ints
    too long to print, past the interpreter's 4,300-digit limit). O(1).
    """
    if type(value) is int:  # the common case first
        if 0 <= value <= MAX_ID:
            return value
    elif isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
    else:
        value = int.__int__(value)  # an int subclass: its plain value
        if 0 <= value <= MAX_ID:
            return value
    if value < 0:
        raise InvalidArgument(f"{name} must not be negative, got {show(value)}")
    raise InvalidArgument(f"{name} must be at most 2**63 - 1 (a 64-bit id), got {show(value)}")


def check_text(
    value: object, name: str, *, max_length: int = MAX_TEXT_LENGTH, blank: bool = True
) -> str:
    """``value`` if it is a ``str`` rankcore can store, else raise naming ``name``.

    Refuses, with :class:`~rankcore.InvalidArgument`: text longer than ``max_length``
    characters, text holding a lone surrogate (UTF-8 cannot encode it), and, unless
    ``blank``, text that is empty or only white space. Anything but a ``str`` is an
    :class:`~rankcore.InvalidArgumentType`. O(len(value)); O(1) more for ASCII text.
    """
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a str, not {type(value).__name__}")
    if len(value) > max_length:
        raise InvalidArgument(f"{name} must have at most {max_length} characters, got {len(value)}")
    if not value.isascii():
        bad = _SURROGATE.search(value)
        if bad is not None:
            raise InvalidArgument(
                f"{name} holds a lone surrogate ({bad.group()!r} at index {bad.start()}),"
                " which is not valid Unicode text"
            )
    if not blank and not value.strip():
        raise InvalidArgument(f"{name} must not be empty or blank")
    return value


@functools.cache
def _zone_names() -> frozenset[str]:
    # ``localtime`` is this machine's /etc/localtime, not an IANA name: it means a different
    # zone on another host, and so would on a replica or after a restore.
    return frozenset(available_timezones() - {"localtime"})


def check_zone(value: object, name: str = "timezone") -> ZoneInfo:
    """The IANA time zone ``value`` names (a name, or a :class:`~zoneinfo.ZoneInfo` built
    from one), as the canonical ``ZoneInfo(name)``.

    Only names of the installed IANA database are accepted (``zoneinfo.available_timezones``,
    read once): directory names (``"America"``), paths, ``"localtime"``, ``""`` and a
    ``ZoneInfo`` without a key (``ZoneInfo.from_file``) are
    :class:`~rankcore.InvalidArgument`. O(1) after the first call.
    """
    if isinstance(value, ZoneInfo):
        key = value.key
        if key is None:
            raise InvalidArgument(
                f"{name} must be an IANA time zone; this ZoneInfo has no name (from_file?)"
            )
    elif isinstance(value, str):
        key = value
    else:
        raise InvalidArgumentType(
            f"{name} must be an IANA name or a ZoneInfo, not {type(value).__name__}"
        )
    if key not in _zone_names():
        raise InvalidArgument(f"{name} {show(key)} is not an IANA time zone name")
    try:
        return ZoneInfo(key)
    except (ValueError, LookupError, OSError) as exc:  # pragma: no cover - a broken install
        raise InvalidArgument(f"{name} {key!r} cannot be loaded: {exc}") from None


# -- string enums -----------------------------------------------------------------------------


@functools.cache
def _choices(kind: type[enum.Enum]) -> dict[str, enum.Enum]:
    return {str(member.value).lower(): member for member in kind}


def _listed(kind: type[enum.Enum]) -> str:
    return ", ".join(str(member.value) for member in kind)


def parse_enum(kind: type[_E], value: object, name: str) -> _E:
    """``value`` as a member of the string enum ``kind``: a member, or its value in any case
    (surrounding white space ignored).

    Raises :class:`~rankcore.InvalidArgument` listing the accepted values for any other
    string, :class:`~rankcore.InvalidArgumentType` for anything else. O(1).
    """
    if isinstance(value, kind):
        return value
    if not isinstance(value, str):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise InvalidArgumentType(
            f"{name} must be {article} {kind.__name__} or one of {_listed(kind)},"
            f" not {type(value).__name__}"
        )
    text = value.strip()
    member = _choices(kind).get(text.lower()) if text.isascii() else None
    if member is None:
        raise InvalidArgument(
            f"{name} must be one of {_listed(kind)} (in any case), not {show(value)}"
        )
    return member  # type: ignore[return-value]  # _choices(kind) holds members of kind


class Choice(enum.Enum):
    """Base of rankcore's string enums: :meth:`parse` accepts a member or its value in any
    case (see :func:`parse_enum`)."""

    @classmethod
    def parse(cls, value: object, name: str) -> Self:
        """``value`` as a member of this enum, or raise naming ``name``. O(1)."""
        return parse_enum(cls, value, name)


# -- event ids --------------------------------------------------------------------------------


def check_event_id(value: object, name: str = "event_id") -> str:
    """An idempotency key as text: a ``str`` (1 to 256 characters, not blank) or an ``int``,
    which stands for its decimal string (``42`` and ``"42"`` are the same event).

    Int event ids must fit a signed 64-bit integer. ``bool`` and other types are an
    :class:`~rankcore.InvalidArgumentType`. O(len(value)).
    """
    if isinstance(value, bool):
        raise InvalidArgumentType(f"{name} must be a str or an int, not bool")
    if isinstance(value, int):
        number = int.__int__(value)
        if not -MAX_ID - 1 <= number <= MAX_ID:
            raise InvalidArgument(f"an int {name} must fit 64 bits, got {show(number)}")
        return str(number)
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a str or an int, not {type(value).__name__}")
    return check_text(value, name, max_length=MAX_KEY_LENGTH, blank=False)


def _canonical(part: str | int | float) -> str | int | float:
    if isinstance(part, float) and part.is_integer() and abs(part) <= 2**53:
        return int(part)  # 5.0 and 5 are the same amount
    return part


def fingerprint(*parts: str | int | float) -> int:
    """A 64-bit digest of an event's payload (already checked values), to tell a retry of
    an event from another event reusing its id. Equal numbers give equal digests whatever
    their type (``5`` and ``5.0``); the digest is the same in every process (BLAKE2b of the
    parts' ``repr``, which is exact and unambiguous for str, int and float), so it can be
    saved. O(size of the parts).
    """
    data = repr(tuple(_canonical(p) for p in parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def saved_fingerprint(value: object) -> int | None:
    """A :func:`fingerprint` read back from saved state (``None``: none was saved). Raises
    ``ValueError`` for anything else than ``None`` or a 64-bit unsigned int. O(1)."""
    if value is not None and (type(value) is not int or not 0 <= value < 2**64):
        raise ValueError(f"malformed event fingerprint {show(value)}")
    return value


def same_event(
    saved: int | None, saved_at: datetime | None, digest: int, given_at: datetime | None
) -> bool:
    """Whether an event with payload ``digest`` (its :func:`fingerprint`) and explicit time
    ``given_at`` (``None``: none given) retries the remembered event ``saved``, which
    counted at ``saved_at``.

    The payloads must be equal, and an explicit time must be the same instant; a retry
    without a time matches any. A remembered id without a fingerprint (``saved`` is
    ``None``: saved by an older version) matches every retry. O(1).
    """
    if saved is None:
        return True
    return saved == digest and (given_at is None or saved_at is None or given_at == saved_at)
