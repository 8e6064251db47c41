"""Periods (Capillary's cycles) of a target group: named, half-open, non-overlapping.

A period covers ``[start, end)``. It is *current* while the engine's time lies inside it and
*closed* once the engine's time reaches its end; closing is when streaks that were not kept
up break.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime

import attrs

from rankcore.errors import InvalidArgument
from rankcore.timeline.clock import require_aware
from rankcore.validate import MAX_KEY_LENGTH, check_id, check_text

__all__ = ["Period", "PeriodCalendar", "make_period"]


@attrs.frozen
class Period:
    """One period of a target group: ``[start, end)`` with an id, a ref code and a name."""

    id: int
    group_id: int
    ref_code: str
    name: str
    start: datetime
    end: datetime

    def contains(self, t: datetime) -> bool:
        """Whether ``t`` lies in ``[start, end)``. O(1)."""
        return self.start <= t < self.end

    def closed_at(self, now: datetime) -> bool:
        """Whether the period has closed by ``now`` (``now >= end``). O(1)."""
        return now >= self.end


def make_period(
    period_id: object, group_id: int, ref_code: object, name: object, start: object, end: object
) -> Period:
    """A checked :class:`Period`; every argument is validated and named in errors.

    ``ref_code`` has at most 256 characters, ``name`` at most 1024; neither may be blank.
    """
    identity = check_id(period_id, "period_id")
    code = check_text(ref_code, "ref_code", max_length=MAX_KEY_LENGTH, blank=False)
    label = check_text(name, "name", blank=False)
    begin = require_aware(start, "start")
    finish = require_aware(end, "end")
    if not begin < finish:
        raise InvalidArgument(
            f"start ({begin.isoformat()}) must be before end ({finish.isoformat()})"
        )
    return Period(identity, group_id, code, label, begin, finish)


class PeriodCalendar:
    """The periods of one target group, sorted by start, with no two overlapping.

    Names are unique within the group (enrollment finds a period by name).
    """

    __slots__ = ("_by_id", "_by_name", "_periods", "_starts")

    def __init__(self) -> None:
        self._starts: list[datetime] = []
        self._periods: list[Period] = []
        self._by_id: dict[int, Period] = {}
        self._by_name: dict[str, Period] = {}

    def check(self, period: Period) -> None:
        """Raise if ``period`` cannot join the calendar (overlap, duplicate id or name).

        O(log p) for p periods.
        """
        if period.id in self._by_id:
            raise InvalidArgument(f"period {period.id} already exists")
        if period.name in self._by_name:
            raise InvalidArgument(f"target group already has a period named {period.name!r}")
        index = bisect.bisect_right(self._starts, period.start)
        before = self._periods[index - 1] if index else None
        after = self._periods[index] if index < len(self._periods) else None
        for other in (before, after):
            if other is not None and other.start < period.end and period.start < other.end:
                raise InvalidArgument(
                    f"period {period.id} [{period.start.isoformat()}, {period.end.isoformat()})"
                    f" overlaps period {other.id}"
                    f" [{other.start.isoformat()}, {other.end.isoformat()})"
                )

    def add(self, period: Period) -> None:
        """Add a period (checked with :meth:`check` first). O(p) for the list insertion."""
        self.check(period)
        index = bisect.bisect_right(self._starts, period.start)
        self._starts.insert(index, period.start)
        self._periods.insert(index, period)
        self._by_id[period.id] = period
        self._by_name[period.name] = period

    def at(self, t: datetime) -> Period | None:
        """The period containing ``t``, or ``None``. O(log p)."""
        index = bisect.bisect_right(self._starts, t) - 1
        if index < 0:
            return None
        period = self._periods[index]
        return period if t < period.end else None

    def by_id(self, period_id: int) -> Period | None:
        """The period with this id, or ``None``. O(1)."""
        return self._by_id.get(period_id)

    def by_name(self, name: str) -> Period | None:
        """The period with this name, or ``None``. O(1)."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Period]:
        """The periods in time order."""
        return iter(list(self._periods))

    def __len__(self) -> int:
        return len(self._periods)
