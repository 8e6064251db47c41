"""Tenants: organisations (Capillary) and applications (Rehook), each with a time zone.

Organisations may be connected to each other (parent/child); a connection goes both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType

__all__ = ["Org", "Tenants"]


@attrs.define(eq=False)
class Org:
    """One tenant: an id, an IANA time zone, whether leaderboards are enabled, its links."""

    id: int
    zone: ZoneInfo
    leaderboards: bool = True
    connected: set[int] = attrs.field(factory=set)


def _zone(timezone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(timezone, ZoneInfo):
        return timezone
    if not isinstance(timezone, str):
        raise InvalidArgumentType(f"timezone must be an IANA name, not {type(timezone).__name__}")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidArgument(f"timezone {timezone!r} is not a known IANA time zone") from exc


class Tenants:
    """The registry of tenants. Not thread-safe by itself: the engine serialises access."""

    def __init__(self) -> None:
        self._orgs: dict[int, Org] = {}

    def add(
        self,
        org_id: int,
        timezone: str | ZoneInfo = "UTC",
        *,
        leaderboards: bool = True,
        connected: Iterable[int] = (),
    ) -> Org:
        """Register a tenant. Connections to orgs not yet registered are kept and take effect
        when they are. O(number of connections)."""
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            raise InvalidArgumentType(f"org_id must be an int, not {type(org_id).__name__}")
        if org_id in self._orgs:
            raise InvalidArgument(f"org {org_id} already exists")
        links = set(connected)
        for other in links:
            if isinstance(other, bool) or not isinstance(other, int):
                raise InvalidArgumentType("connected must hold int org ids")
        org = Org(org_id, _zone(timezone), bool(leaderboards), links - {org_id})
        self._orgs[org_id] = org
        for other in org.connected:
            if other in self._orgs:
                self._orgs[other].connected.add(org_id)
        for existing in self._orgs.values():
            if org_id in existing.connected:
                org.connected.add(existing.id)
        return org

    def get(self, org_id: int) -> Org | None:
        """The org with this id, or ``None``. O(1)."""
        return self._orgs.get(org_id)

    def __contains__(self, org_id: object) -> bool:
        return org_id in self._orgs

    def __iter__(self) -> Iterator[Org]:
        return iter(self._orgs.values())

    def __len__(self) -> int:
        return len(self._orgs)

    def connected(self, a: int, b: int) -> bool:
        """Whether orgs ``a`` and ``b`` are connected. O(1)."""
        org = self._orgs.get(a)
        return org is not None and b in org.connected and b in self._orgs
