"""Customers of each organisation, with the enrichment profile Capillary reports.

A customer is an ``int`` id inside one org. Its profile holds the seven enrichment fields of
Capillary's leaderboard; a field that was never captured is ``None`` here and is reported as
:data:`NOT_CAPTURED`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any, Final

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.validate import check_id, check_text

__all__ = [
    "NOT_CAPTURED",
    "PROFILE_FIELDS",
    "Customer",
    "CustomerProfile",
    "Customers",
]

NOT_CAPTURED: Final = "NOT-CAPTURED"
"""How a profile field that was never captured is reported."""

PROFILE_FIELDS: Final = (
    "first_name",
    "last_name",
    "mobile",
    "email",
    "gender",
    "birthday",
    "anniversary",
)
"""The enrichment fields of a customer profile, in the order rankcore lists them."""


def _field(value: object) -> Any:
    """A date becomes its ISO text; anything else is checked by :func:`_check_field`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def _check_field(_instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    """A profile field is ``None`` (never captured) or text of at most 1024 characters."""
    if value is not None:
        if not isinstance(value, str):
            raise InvalidArgumentType(
                f"{attribute.name} must be a str, a datetime.date or None,"
                f" not {type(value).__name__}"
            )
        check_text(value, attribute.name)


@attrs.frozen
class CustomerProfile:
    """The enrichment details of a customer; ``None`` means never captured.

    Each field is text of at most 1024 characters (a ``datetime.date`` is kept as its ISO
    text), checked and named in errors.
    """

    first_name: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    last_name: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    mobile: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    email: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    gender: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    birthday: str | None = attrs.field(default=None, converter=_field, validator=_check_field)
    anniversary: str | None = attrs.field(default=None, converter=_field, validator=_check_field)

    def reported(self, field: str) -> str:
        """The field's value as Capillary reports it: :data:`NOT_CAPTURED` if never captured.

        O(1).
        """
        if field not in PROFILE_FIELDS:
            raise InvalidArgument(f"field must be one of {', '.join(PROFILE_FIELDS)}")
        value: str | None = getattr(self, field)
        return NOT_CAPTURED if value is None else value

    def items(self) -> Iterator[tuple[str, str | None]]:
        """``(field, value)`` pairs in :data:`PROFILE_FIELDS` order. O(1) per field."""
        for field in PROFILE_FIELDS:
            yield field, getattr(self, field)


@attrs.frozen
class Customer:
    """A customer: its org, its id and its profile."""

    org: int
    id: int
    profile: CustomerProfile = CustomerProfile()


_EMPTY: Final = CustomerProfile()


def _shared(profile: CustomerProfile) -> CustomerProfile:
    """``profile``, or the one shared empty profile when nothing was captured."""
    return _EMPTY if profile == _EMPTY else profile


class Customers:
    """Every org's customers. Not thread-safe by itself: the engine serialises access.

    Each org maps customer ids straight to profiles (:class:`Customer` values are made when
    asked for), and customers with nothing captured share one empty profile: a customer
    costs one dict entry.
    """

    def __init__(self) -> None:
        self._by_org: dict[int, dict[int, CustomerProfile]] = {}

    def add(self, org: int, customer_id: int, profile: CustomerProfile) -> Customer:
        """Register a customer of ``org``; refuses an id the org already has. O(1)."""
        customer_id = check_id(customer_id, "customer_id")
        customers = self._by_org.setdefault(org, {})
        if customer_id in customers:
            raise InvalidArgument(f"customer {customer_id} already exists in org {org}")
        customers[customer_id] = profile = _shared(profile)
        return Customer(org, customer_id, profile)

    def update(self, org: int, customer_id: int, profile: CustomerProfile) -> Customer:
        """Replace the profile of an existing customer. O(1)."""
        customers = self._by_org.get(org, {})
        if customer_id not in customers:
            raise InvalidArgument(f"customer {customer_id} does not exist in org {org}")
        customers[customer_id] = profile = _shared(profile)
        return Customer(org, customer_id, profile)

    def get(self, org: int, customer_id: int) -> Customer | None:
        """The customer ``customer_id`` of ``org``, or ``None``. O(1)."""
        profile = self.profile(org, customer_id)
        return None if profile is None else Customer(org, customer_id, profile)

    def profile(self, org: int, customer_id: int) -> CustomerProfile | None:
        """The profile of customer ``customer_id`` of ``org``, or ``None`` if there is no such
        customer. O(1)."""
        customers = self._by_org.get(org)
        return None if customers is None else customers.get(customer_id)

    def find(self, orgs: Iterable[int], customer_id: int) -> Customer | None:
        """The customer with this id in the first of ``orgs`` (in id order) that has one.

        O(k) for k orgs.
        """
        for org in sorted(orgs):
            profile = self.profile(org, customer_id)
            if profile is not None:
                return Customer(org, customer_id, profile)
        return None

    def listed(self, org: int, offset: int, limit: int) -> list[Customer]:
        """``limit`` customers of ``org`` from ``offset``, in registration order.
        O(offset + limit)."""
        rows = itertools.islice(self._by_org.get(org, {}).items(), offset, offset + limit)
        return [Customer(org, customer_id, profile) for customer_id, profile in rows]

    def count(self, org: int) -> int:
        """How many customers ``org`` has. O(1)."""
        return len(self._by_org.get(org, {}))

    def to_state(self) -> list[list[object]]:
        """Every customer as plain data, ``[[org, [[id, [profile fields]], ...]], ...]``, for
        snapshots. O(customers)."""
        return [
            [org, [[c, [value for _, value in p.items()]] for c, p in customers.items()]]
            for org, customers in self._by_org.items()
        ]

    @classmethod
    def from_state(cls, state: list[list[Any]]) -> Customers:
        """The customers :meth:`to_state` described. O(customers)."""
        customers = cls()
        for org, rows in state:
            by_id = customers._by_org[org] = {}
            for customer_id, fields in rows:
                by_id[customer_id] = _shared(CustomerProfile(*fields))
        return customers
