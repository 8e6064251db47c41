"""Data scopes: which organisations' data one request may see or change.

A request acts as one organisation (the *actor*) and may carry Capillary's ``DATA-SCOPE``
(``SELF``, the default; ``OTHER``; ``ALL``) with ``DATA-SCOPE-ORG`` (a list of org ids).
:func:`resolve_scope` turns a :class:`Scope` into the set of orgs the call may touch:

- ``SELF``: the actor alone (``DATA-SCOPE-ORG`` is ignored);
- ``OTHER``: the listed orgs, each of which must be connected to the actor (the actor's own
  id may be listed too); an empty list or an org that is not connected raises
  :class:`~rankcore.loyalty.errors.ConnectedOrgsNotSet` (310144);
- ``ALL``: the actor and every org connected to it (``DATA-SCOPE-ORG`` is ignored), unless
  the operation refuses it (:class:`~rankcore.loyalty.errors.ScopeAllNotSupported`, 310141).

Every read and write of the loyalty domain resolves its scope first, and treats an entity
owned by an org outside the result exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.loyalty.errors import ConnectedOrgsNotSet, ScopeAllNotSupported
from rankcore.tenancy import Tenants
from rankcore.validate import Choice, check_id

__all__ = ["Scope", "ScopeKind", "as_scope", "resolve_one", "resolve_scope"]


class ScopeKind(Choice):
    """The values of the ``DATA-SCOPE`` header (:meth:`parse` takes any case)."""

    SELF = "SELF"
    """The acting organisation only (the default)."""
    OTHER = "OTHER"
    """The organisations named in ``DATA-SCOPE-ORG``, each connected to the actor."""
    ALL = "ALL"
    """The acting organisation and every organisation connected to it."""


def _check_actor(_instance: object, _attribute: object, value: int) -> None:
    check_id(value, "actor")


def _to_kind(value: object) -> ScopeKind:
    return ScopeKind.parse(value, "kind")


def _to_orgs(value: object) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidArgumentType(
            f"orgs must be an iterable of int org ids, not {type(value).__name__}"
        )
    return frozenset(check_id(org, "each of orgs") for org in value)


@attrs.frozen
class Scope:
    """The data scope of one request: who acts (``actor``), and which orgs it reaches.

    >>> Scope(50156)
    Scope(actor=50156, kind=<ScopeKind.SELF: 'SELF'>, orgs=frozenset())
    >>> Scope(50156, "other", [50157]).orgs
    frozenset({50157})
    """

    actor: int = attrs.field(validator=_check_actor)
    kind: ScopeKind = attrs.field(default=ScopeKind.SELF, converter=_to_kind)
    orgs: frozenset[int] = attrs.field(factory=frozenset, converter=_to_orgs)

    @classmethod
    def own(cls, actor: int) -> Scope:
        """``SELF``: the actor's own data only. O(1)."""
        return cls(actor)

    @classmethod
    def other(cls, actor: int, orgs: Iterable[int]) -> Scope:
        """``OTHER``: the listed orgs, each of which must be connected to ``actor``. O(k)."""
        return cls(actor, ScopeKind.OTHER, frozenset(orgs))

    @classmethod
    def all_connected(cls, actor: int) -> Scope:
        """``ALL``: the actor and every org connected to it. O(1)."""
        return cls(actor, ScopeKind.ALL)


def as_scope(value: Scope | int) -> Scope:
    """``value`` if it is a :class:`Scope`; an org id becomes the ``SELF`` scope of that org."""
    if isinstance(value, Scope):
        return value
    return Scope(check_id(value, "org"))


def _actor(tenants: Tenants, actor: int) -> None:
    if actor not in tenants:
        raise InvalidArgument(f"org {actor} is not registered")


def resolve_scope(
    tenants: Tenants, scope: Scope | int, *, allow_all: bool = True
) -> frozenset[int]:
    """The set of org ids a request with this scope may touch.

    Raises :class:`~rankcore.loyalty.errors.ScopeAllNotSupported` (310141) for ``ALL`` when
    ``allow_all`` is false, :class:`~rankcore.loyalty.errors.ConnectedOrgsNotSet` (310144)
    for an ``OTHER`` scope that lists no org or an org not connected to the actor, and
    :class:`~rankcore.InvalidArgument` when the actor is not a registered org.
    O(k) for k orgs in the result.
    """
    if type(scope) is int:  # the common case: an org reading its own data
        _actor(tenants, scope)
        return frozenset((scope,))
    scope = as_scope(scope)
    actor = scope.actor
    _actor(tenants, actor)
    kind = scope.kind
    if kind is ScopeKind.SELF:
        return frozenset((actor,))
    if kind is ScopeKind.ALL:
        if not allow_all:
            raise ScopeAllNotSupported(
                f"DATA-SCOPE ALL is not supported here: name the org with SELF or OTHER"
                f" (actor {actor})"
            )
        org = tenants.get(actor)
        assert org is not None
        return frozenset(other for other in org.connected if other in tenants) | {actor}
    if not scope.orgs:
        raise ConnectedOrgsNotSet("DATA-SCOPE OTHER needs at least one org in DATA-SCOPE-ORG")
    for other in sorted(scope.orgs):
        if other != actor and not tenants.connected(actor, other):
            raise ConnectedOrgsNotSet(f"org {other} is not connected to org {actor}")
    return scope.orgs


def resolve_one(tenants: Tenants, scope: Scope | int) -> int:
    """The one org a write that creates or feeds data acts on.

    ``SELF`` gives the actor; ``OTHER`` must name exactly one connected org (else 310144);
    ``ALL`` is refused (310141). O(1).
    """
    if type(scope) is int:  # the hot path: an org acting on its own data
        _actor(tenants, scope)
        return scope
    scope = as_scope(scope)
    if scope.kind is ScopeKind.OTHER and len(scope.orgs) > 1:
        _actor(tenants, scope.actor)
        raise ConnectedOrgsNotSet(
            f"this operation acts on one org; DATA-SCOPE-ORG lists {len(scope.orgs)}"
        )
    (org,) = resolve_scope(tenants, scope, allow_all=False)
    return org
