"""Tenants: organisations (Capillary) and applications (Rehook), each with a time zone.

Organisations may be connected to each other (parent/child); a connection goes both ways and
joins orgs that both exist: an org names, when it is added, only orgs already registered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.validate import check_id, check_zone

__all__ = ["Org", "Tenants"]


@attrs.define(eq=False)
class Org:
    """One tenant: an id, an IANA time zone, whether leaderboards are enabled, its links."""

    id: int
    zone: ZoneInfo
    leaderboards: bool = True
    connected: set[int] = attrs.field(factory=set)


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
        """Register a tenant with its IANA ``timezone``, connected to the ``connected`` orgs,
        which must be registered already (:class:`~rankcore.InvalidArgument` otherwise; an
        org listing itself is ignored). Everything is checked before anything changes.
        O(number of connections).
        """
        org_id = check_id(org_id, "org_id")
        if org_id in self._orgs:
            raise InvalidArgument(f"org {org_id} already exists")
        zone = check_zone(timezone)
        if not isinstance(leaderboards, bool):
            raise InvalidArgumentType(
                f"leaderboards must be a bool, not {type(leaderboards).__name__}"
            )
        if isinstance(connected, (str, bytes)) or not isinstance(connected, Iterable):
            raise InvalidArgumentType("connected must be an iterable of int org ids")
        links: set[int] = set()
        for other in connected:
            other = check_id(other, "each of connected")
            if other != org_id and other not in self._orgs:
                raise InvalidArgument(
                    f"org {org_id} cannot be connected to org {other}: it is not registered"
                )
            links.add(other)
        links.discard(org_id)
        org = self._orgs[org_id] = Org(org_id, zone, leaderboards, links)
        for other in links:
            self._orgs[other].connected.add(org_id)
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
        return org is not None and b in org.connected
