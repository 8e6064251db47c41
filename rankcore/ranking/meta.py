"""Per-entry metadata: any JSON value kept beside a member's entry (a display name, a replay
id, a country).

Metadata never affects the order. It is checked when written, so that a board's state can
always be saved as JSON and read back equal: ``None``, ``bool``, ``int`` (64-bit signed),
finite ``float``, ``str`` (valid Unicode), and ``list`` and ``dict`` (with ``str`` keys) of
those, nested at most :data:`MAX_DEPTH` deep. Containers are copied when written, so a
caller changing its own list or dict afterwards does not change the board.
"""

from __future__ import annotations

import math
from typing import Any, Final

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.validate import check_text

__all__ = ["MAX_DEPTH", "UNSET", "Unset", "check_meta"]

MAX_DEPTH: Final = 32
"""How deeply lists and dicts may nest in metadata."""
_INT_LIMIT: Final = 1 << 63


class Unset:
    """The type of :data:`UNSET`: "no metadata given" (``None`` would clear it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()
"""The default of every ``meta=`` argument: the write keeps the entry's metadata."""


def check_meta(value: object, name: str = "meta") -> Any:
    """``value`` (containers copied) if it is a JSON value rankcore can store, else raise
    :class:`~rankcore.InvalidArgument` or :class:`~rankcore.InvalidArgumentType` naming
    ``name``. O(size of the value); O(1) for a scalar.
    """
    kind = type(value)
    if value is None or (kind is str and value.isascii()) or kind is bool:  # type: ignore[attr-defined]
        return value
    return _checked(value, name, 0)


def _checked(value: object, name: str, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(value, name, max_length=1 << 62)
    if isinstance(value, int):
        if not -_INT_LIMIT <= value < _INT_LIMIT:
            raise InvalidArgument(f"{name} holds an int outside the signed 64-bit range")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"{name} holds {value!r}, which JSON cannot represent")
        return float(value)
    if depth >= MAX_DEPTH:
        raise InvalidArgument(f"{name} nests lists and dicts more than {MAX_DEPTH} deep")
    if isinstance(value, list):
        return [_checked(item, f"{name}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, dict):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentType(
                    f"{name} has a key of type {type(key).__name__}: JSON object keys are str"
                )
            copy[check_text(key, f"a key of {name}", max_length=1 << 62)] = _checked(
                item, f"{name}[{key!r}]", depth + 1
            )
        return copy
    raise InvalidArgumentType(
        f"{name} must be a JSON value (None, bool, int, float, str, list or dict),"
        f" not {type(value).__name__}"
    )
