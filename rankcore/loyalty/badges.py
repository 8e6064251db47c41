"""Badge groups: named, ranked groups that badges are organised into.

A badge group's name is unique within its org, case-sensitively ("Gold" and "gold" may
coexist); its rank is a mandatory integer. Ids are 24 lowercase hex digits from the engine's
seeded generator. Groups are listed by rank (smallest first), then by creation order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from rankcore.ids import IdGenerator
from rankcore.loyalty.errors import BadgeGroupNameTaken, BadgeGroupRankMissing, InvalidInput
from rankcore.validate import check_id, check_text

__all__ = ["BadgeGroup", "BadgeGroups"]


@attrs.frozen
class BadgeGroup:
    """A badge group. ``created_on``/``last_updated_on`` are POSIX timestamps (seconds)."""

    id: str
    org: int
    name: str
    rank: int
    created_by: int
    created_on: float
    last_updated_by: int
    last_updated_on: float
    active: bool = True


class BadgeGroups:
    """Every org's badge groups. Not thread-safe by itself: the engine serialises access."""

    def __init__(self, ids: IdGenerator) -> None:
        self._ids = ids
        self._by_org: dict[int, dict[str, BadgeGroup]] = {}

    def create(
        self, org: int, name: object, rank: object, user: object, now: datetime
    ) -> BadgeGroup:
        """Create a badge group in ``org`` on behalf of ``user``.

        Raises :class:`InvalidInput` (300004) for a missing or blank name,
        :class:`BadgeGroupRankMissing` (732) for a missing rank and
        :class:`BadgeGroupNameTaken` (733) for a name the org already uses. The name is text
        of at most 1024 characters; the rank and the user id are ids (non-negative 64-bit
        ints). O(1).
        """
        if name is None:
            raise InvalidInput("name is mandatory")
        name = check_text(name, "name")
        if not name.strip():
            raise InvalidInput("name must not be blank")
        if rank is None:
            raise BadgeGroupRankMissing("rank is mandatory")
        rank = check_id(rank, "rank")
        user = check_id(user, "user")
        groups = self._by_org.setdefault(org, {})
        if name in groups:
            raise BadgeGroupNameTaken(f"org {org} already has a badge group named {name!r}")
        stamp = now.timestamp()
        group = BadgeGroup(self._ids.hex(24), org, name, rank, user, stamp, user, stamp, True)
        groups[name] = group
        return group

    def listed(self, orgs: Iterable[int]) -> list[BadgeGroup]:
        """The badge groups of ``orgs``, by rank, then org id, then creation order.

        O(g log g) for g groups.
        """
        found: list[tuple[int, int, int, BadgeGroup]] = []
        for org in orgs:
            for index, group in enumerate(self._by_org.get(org, {}).values()):
                found.append((group.rank, org, index, group))
        found.sort(key=lambda item: item[:3])
        return [item[3] for item in found]

    def to_state(self) -> list[list[object]]:
        """Every badge group as plain data, in creation order per org, for snapshots. O(g)."""
        return [
            [org, [[g.id, g.name, g.rank, g.created_by, g.created_on, g.last_updated_by,
                    g.last_updated_on, g.active] for g in groups.values()]]
            for org, groups in self._by_org.items()
        ]  # fmt: skip

    @classmethod
    def from_state(cls, state: list[list[Any]], ids: IdGenerator) -> BadgeGroups:
        """The badge groups :meth:`to_state` described. O(g)."""
        badges = cls(ids)
        for org, rows in state:
            groups = badges._by_org[org] = {}
            for group_id, name, rank, by, on, updated_by, updated_on, active in rows:
                groups[name] = BadgeGroup(
                    group_id, org, name, rank, by, on, updated_by, updated_on, active
                )
        return badges

    def get(self, orgs: Iterable[int], group_id: str) -> BadgeGroup | None:
        """The badge group with this id among ``orgs``, or ``None``. O(g)."""
        for org in orgs:
            for group in self._by_org.get(org, {}).values():
                if group.id == group_id:
                    return group
        return None
