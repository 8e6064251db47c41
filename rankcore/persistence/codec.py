"""The plain-state codec: how values that JSON lacks are written in snapshots and journals.

A leaf module (it imports nothing from rankcore's domains), so that every domain can use it
for its ``to_state()``/``from_state()`` without importing anything above itself.

Datetimes are written as ISO 8601 text with their UTC offset, microseconds included; a
datetime whose ``tzinfo`` is an IANA :class:`~zoneinfo.ZoneInfo` gets the zone name appended
in brackets (RFC 9557), so that it is read back in the same zone::

    2024-06-01T00:00:00+05:30[Asia/Kolkata]
    2023-09-18T12:26:13.656765+00:00

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> t = datetime(2024, 6, 1, tzinfo=ZoneInfo("Asia/Kolkata"))
>>> encode_time(t)
'2024-06-01T00:00:00+05:30[Asia/Kolkata]'
>>> decode_time(encode_time(t)) == t and decode_time(encode_time(t)).tzinfo == t.tzinfo
True
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["State", "decode_optional_time", "decode_time", "encode_optional_time", "encode_time"]

State = Any
"""A plain, JSON-serialisable value: dicts with str keys, lists, str, int, float, bool, None."""


def encode_time(value: datetime) -> str:
    """``value`` (timezone-aware) as ISO text, with ``[zone]`` for an IANA zone. O(1)."""
    text = value.isoformat()
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key is not None:
        return f"{text}[{zone.key}]"
    return text


def decode_time(value: object) -> datetime:
    """The datetime :func:`encode_time` wrote. Raises ``ValueError`` on anything else. O(1)."""
    if not isinstance(value, str):
        raise ValueError(f"a time must be ISO text, not {type(value).__name__}")
    zone: ZoneInfo | None = None
    if value.endswith("]"):
        text, _, key = value[:-1].partition("[")
        zone = ZoneInfo(key)
    else:
        text = value
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed if zone is None else parsed.astimezone(zone)


def encode_optional_time(value: datetime | None) -> str | None:
    """:func:`encode_time`, passing ``None`` through. O(1)."""
    return None if value is None else encode_time(value)


def decode_optional_time(value: object) -> datetime | None:
    """:func:`decode_time`, passing ``None`` through. O(1)."""
    return None if value is None else decode_time(value)
