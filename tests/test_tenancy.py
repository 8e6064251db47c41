"""Tenants: registration, time zones and two-way connections."""

from __future__ import annotations

import pytest

from rankcore import InvalidArgument, InvalidArgumentType
from rankcore.tenancy import Tenants


def test_connections_go_both_ways_and_name_registered_orgs_only() -> None:
    tenants = Tenants()
    with pytest.raises(InvalidArgument, match="not registered"):
        tenants.add(1, "Asia/Kolkata", connected=[2])  # 2 does not exist yet
    assert len(tenants) == 0
    tenants.add(2)
    tenants.add(1, "Asia/Kolkata", connected=[2, 1])  # naming itself is ignored
    tenants.add(3, connected=[1])
    assert tenants.connected(1, 2) and tenants.connected(2, 1)
    assert tenants.connected(1, 3) and tenants.connected(3, 1)
    assert not tenants.connected(2, 3)
    assert len(tenants) == 3 and 3 in tenants and 4 not in tenants
    org = tenants.get(1)
    assert org is not None and org.zone.key == "Asia/Kolkata" and org.connected == {2, 3}


def test_bad_tenants_are_refused() -> None:
    tenants = Tenants()
    tenants.add(1)
    with pytest.raises(InvalidArgument, match="already exists"):
        tenants.add(1)
    with pytest.raises(InvalidArgument, match="IANA"):
        tenants.add(2, "Mars/Olympus")
    with pytest.raises(InvalidArgumentType):
        tenants.add(True)
    with pytest.raises(InvalidArgumentType):
        tenants.add(3, connected=["1"])  # type: ignore[list-item]
    assert len(tenants) == 1
