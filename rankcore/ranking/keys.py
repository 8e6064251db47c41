"""Sort keys: one Python ``int`` per member that orders a whole leaderboard.

A leaderboard orders members by score (better first), then by the time each member reached
its score (earlier first; no time counts as later than any time), then by the order in which
the writes arrived. Ordering ``(score, time, sequence)`` tuples would make every comparison in
the sorted list a Python-level, element-by-element tuple comparison. Instead the three are
packed into a single integer, compared by one C call::

    key = rank_part << LOW_BITS | time_part << (SEQ_BITS + 1) | seq << 1 | is_int

- ``rank_part`` is the score's position in the IEEE-754 total order (a signed 64-bit
  integer), negated for descending boards, so that better scores get smaller keys. It is
  exact for every finite float and every int of magnitude at most 2**53 (which converts to a
  float exactly); larger ints are refused rather than ranked wrongly.
- ``time_part`` is microseconds since 0001-01-01 UTC, or ``NO_TIME`` (larger than any) when a
  write gave no time.
- ``seq`` is the board's write counter, unique per write, so keys never collide.
- ``is_int`` remembers whether the score was an ``int``, so it is given back as one. It sits
  below ``seq`` and so never affects the order.

Every part but ``rank_part`` is non-negative and bounded, so ``key >> LOW_BITS`` recovers
``rank_part`` and all keys of one score lie in ``[rank_part << LOW_BITS,
(rank_part + 1) << LOW_BITS)``: counting better scores is one bisection.

A board with a second sort key (a subscore) ranks by the pair. Its "tie part" replaces the
rank part above ``LOW_BITS``, and everything below keeps its place::

    tie_part = rank_part(score) << SUB_BITS | (rank_part(subscore) + 2**63)
    key = tie_part << LOW_BITS | time_part << (SEQ_BITS + 1) | (seq << 1 | sub_is_int) << 1 | is_int

The subscore's part is made non-negative, so ``key >> (LOW_BITS + SUB_BITS)`` is still the
score's rank part (ranges by score stay bisections) and ``key >> LOW_BITS`` the pair's.
The subscore's type bit takes the lowest bit of the sequence field: sequences are unique, so
it never affects the order, and such a board has 2**47 writes instead of 2**48.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from rankcore.errors import InvalidArgument, InvalidArgumentType, ScoreTypeError, ScoreValueError
from rankcore.ranking.standing import Score
from rankcore.validate import OFFSET_ZONES, show

__all__ = [
    "LOW_BITS",
    "MAX_INT_SCORE",
    "NO_TIME",
    "SEQ_BITS",
    "SUB_BITS",
    "TIE_SPAN",
    "check_score",
    "decode_entries",
    "decode_score",
    "decode_subscore",
    "decode_time",
    "encode_time",
    "field_decoders",
    "rank_part",
]

SEQ_BITS: Final = 48
"""Writes per board before the sequence would wrap: 2**48 (about 2.8e14)."""
TIME_BITS: Final = 60
"""Microseconds from year 1 to year 9999 need 59 bits; one more leaves room for ``NO_TIME``."""
LOW_BITS: Final = TIME_BITS + SEQ_BITS + 1
TIE_SPAN: Final = 1 << LOW_BITS
"""All keys of one tie part lie in a range this wide: keys this far apart never tie."""
NO_TIME: Final = (1 << TIME_BITS) - 1
MAX_INT_SCORE: Final = 1 << 53
"""Integer scores must satisfy ``abs(score) <= MAX_INT_SCORE`` to be ranked exactly."""

SUB_BITS: Final = 64
"""Bits of a subscore's part in the tie part of a board with a subscore."""
SUB_OFFSET: Final = 1 << 63
SUB_MASK: Final = (1 << SUB_BITS) - 1

_SEQ_SHIFT: Final = 1
_TIME_SHIFT: Final = SEQ_BITS + 1
_SEQ_MASK: Final = (1 << SEQ_BITS) - 1
_TIME_MASK: Final = (1 << TIME_BITS) - 1
FLIP: Final = (1 << 63) - 1
"""XOR of a negative IEEE-754 bit pattern's low 63 bits, so that the patterns order like
their values (and back: it is its own inverse)."""
_FLIP: Final = FLIP
_EPOCH: Final = datetime(1, 1, 1, tzinfo=UTC)
_LAST_MICROS: Final = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
"""The last instant a key can hold and read back as a UTC ``datetime``: 9999-12-31
23:59:59.999999 UTC."""

pack_double = _pack_double = struct.Struct("<d").pack
unpack_double = _unpack_double = struct.Struct("<d").unpack
pack_int64 = _pack_int64 = struct.Struct("<q").pack
unpack_int64 = _unpack_int64 = struct.Struct("<q").unpack


def check_score(score: object, name: str = "score") -> Score:
    """Return ``score`` if rankcore can rank it exactly, else raise naming ``name``.

    Accepted: ``int`` (not ``bool``) with ``abs(score) <= 2**53``, and finite ``float``.
    """
    if type(score) is int:  # the common case first
        if -MAX_INT_SCORE <= score <= MAX_INT_SCORE:
            return score
    elif isinstance(score, float):
        if math.isfinite(score):
            return score
        raise ScoreValueError(f"{name} must be finite, got {score!r}")
    elif isinstance(score, bool) or not isinstance(score, int):
        raise ScoreTypeError(f"{name} must be an int or a float, not {type(score).__name__}")
    if -MAX_INT_SCORE <= score <= MAX_INT_SCORE:
        return int(score)
    raise ScoreValueError(
        f"{name}={show(score)} is too large to rank exactly: integer scores must lie within ±2**53"
    )


def rank_part(score: Score, descending: bool) -> int:
    """The score's place in the board's order: smaller is better. ``score`` must be checked."""
    bits: int = _unpack_int64(_pack_double(score + 0.0))[0]  # + 0.0 turns -0.0 into 0.0
    if bits < 0:
        bits ^= _FLIP
    return -bits if descending else bits


def bound_part(bound: object, name: str, descending: bool) -> int:
    """Like :func:`rank_part` for a range bound, which may also be ``±inf``."""
    if isinstance(bound, float) and math.isinf(bound):
        return rank_part(bound, descending)
    return rank_part(check_score(bound, name), descending)


def decode_score(key: int, descending: bool, shift: int = LOW_BITS) -> Score:
    """The score packed into ``key``, as the ``int`` or ``float`` it was written as.

    ``shift`` is where the score's rank part starts: ``LOW_BITS``, or ``LOW_BITS + SUB_BITS``
    on a board with a subscore. O(1).
    """
    bits = key >> shift
    if descending:
        bits = -bits
    if bits < 0:
        bits ^= _FLIP
    value: float = _unpack_double(_pack_int64(bits))[0]
    return int(value) if key & 1 else value


def sub_part(subscore: Score, descending: bool) -> int:
    """The non-negative part of a checked subscore in a tie part (see the module text)."""
    return rank_part(subscore, descending) + SUB_OFFSET


def decode_subscore(key: int, descending: bool) -> Score:
    """The subscore packed into a key of a board with a subscore, with its type. O(1)."""
    bits = ((key >> LOW_BITS) & SUB_MASK) - SUB_OFFSET
    if descending:
        bits = -bits
    if bits < 0:
        bits ^= _FLIP
    value: float = _unpack_double(_pack_int64(bits))[0]
    return int(value) if key & 2 else value


def encode_time(at: object, name: str = "at") -> int:
    """Microseconds since 0001-01-01 UTC for an aware ``at``; ``NO_TIME`` for ``None``."""
    if at is None:
        return NO_TIME
    if type(at) is not datetime or at.tzinfo is not UTC:  # a UTC datetime is plainly aware
        if not isinstance(at, datetime):
            raise InvalidArgumentType(f"{name} must be a datetime or None, not {type(at).__name__}")
        zone = at.tzinfo
        if zone is None or (type(zone) not in OFFSET_ZONES and at.utcoffset() is None):
            raise InvalidArgument(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    span = at - _EPOCH  # read by its fields: cheaper than a floor division
    micros: int = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
    if micros < 0:
        raise InvalidArgument(f"{name} must not be before 0001-01-01 UTC, got {at.isoformat()}")
    if micros > _LAST_MICROS:  # would be kept, then fail to read back as a UTC datetime
        raise InvalidArgument(f"{name} must not be after 9999-12-31 UTC, got {at.isoformat()}")
    return micros


def packs_plainly(at: object) -> bool:
    """Whether :func:`encode_time` takes ``at`` on sight: ``None``, or a ``datetime`` in a
    zone that always gives an offset, in a year whose instants all lie in the range a key
    holds. ``False`` says only that :func:`encode_time` must decide. Reads no offset. O(1)."""
    return at is None or (
        type(at) is datetime and type(at.tzinfo) in OFFSET_ZONES and 1 < at.year < 9999
    )


def decode_time(key: int) -> datetime | None:
    """The reached-at time packed into ``key`` (in UTC), or ``None``."""
    micros = (key >> _TIME_SHIFT) & _TIME_MASK
    return None if micros == NO_TIME else _EPOCH + timedelta(0, 0, micros)


def decode_entries(
    keys: list[int], descending: bool, shift: int = LOW_BITS
) -> list[tuple[Score, datetime | None]]:
    """``(score, reached_at)`` of each key: :func:`decode_score` and :func:`decode_time` for
    a whole page, without a function call per key (listings are hot paths too)."""
    entries: list[tuple[Score, datetime | None]] = []
    append = entries.append
    sign = -1 if descending else 1
    for key in keys:
        bits = sign * (key >> shift)
        if bits < 0:
            bits ^= _FLIP
        value: float = _unpack_double(_pack_int64(bits))[0]
        micros = (key >> _TIME_SHIFT) & _TIME_MASK
        append(
            (
                int(value) if key & 1 else value,
                None if micros == NO_TIME else _EPOCH + timedelta(0, 0, micros),
            )
        )
    return entries


def field_decoders(
    descending: bool, shift: int, sub: bool | None, index: int
) -> tuple[
    Callable[[Sequence[int]], Score],
    Callable[[Sequence[int]], datetime | None],
    Callable[[Sequence[int]], Score | None],
]:
    """``(score, reached_at, subscore)`` decoders of the key at ``row[index]``, for one kind
    of board: :func:`decode_score`, :func:`decode_time` and :func:`decode_subscore` as one
    function each, specialised to the board's orders, taking the row that holds the key
    (a standing's fields are these functions, so that reading one is one call). O(1) each.
    """
    sign = -1 if descending else 1

    def score(row: Sequence[int]) -> Score:
        key = row[index]
        bits = sign * (key >> shift)
        if bits < 0:
            bits ^= _FLIP
        value: float = _unpack_double(_pack_int64(bits))[0]
        return int(value) if key & 1 else value

    def reached_at(row: Sequence[int]) -> datetime | None:
        micros = (row[index] >> _TIME_SHIFT) & _TIME_MASK
        return None if micros == NO_TIME else _EPOCH + timedelta(0, 0, micros)

    def no_subscore(row: Sequence[int]) -> Score | None:
        return None

    def subscore(row: Sequence[int]) -> Score | None:
        return decode_subscore(row[index], bool(sub))

    return score, reached_at, no_subscore if sub is None else subscore


def decode_seq(key: int) -> int:
    """The write sequence number packed into ``key``."""
    return (key >> _SEQ_SHIFT) & _SEQ_MASK
