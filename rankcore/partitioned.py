"""Replicas of a partitioned deployment: org families spread over several Redis streams.

An org and every org connected to it form a *family*; a family lives on one partition, so
that a data-scope read across connected orgs stays on one stream and one replica applies it.
Partition ``k`` is the stream ``{<prefix>:p<k>}:log`` (with its checkpoint), so a Redis
Cluster spreads the partitions over its masters; the hash ``{<prefix>}:directory`` records
which partition holds each org. The deployment's partition count ``N`` is the URL's
``?partitions=N`` and cannot change once orgs are placed.

A :class:`PartitionedEngine` is what :meth:`rankcore.Engine.connect` answers for ``N > 1``:
one ordinary replica per partition it follows, behind the :class:`~rankcore.Engine`
interface. A call naming an org goes to the replica of that org's partition; an org on a
partition this replica does not follow raises :class:`~rankcore.errors.PartitionNotFollowed`.
See ``docs/scaling.md``.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from rankcore.campaigns.errors import CampaignNotFound
from rankcore.engine import Engine, EngineStats
from rankcore.errors import InvalidArgument, InvalidArgumentType, PartitionNotFollowed
from rankcore.log.redis import RedisDirectory, RedisLog
from rankcore.loyalty.scope import Scope
from rankcore.persistence.journal import RecoveryReport
from rankcore.persistence.snapshot import canonical
from rankcore.tenancy import Org
from rankcore.timeline.clock import Clock, SystemClock, check_clock
from rankcore.validate import check_id, check_zone

__all__ = ["DELEGATION", "PartitionedEngine", "followed_partitions"]

E = TypeVar("E")
T = TypeVar("T")
C = TypeVar("C", bound=type)

ORG: Final = "org"
"""Routed to the partition of the org (or the :class:`Scope`'s actor) named first."""
CAMPAIGN: Final = "campaign"
"""Routed by the ``org=`` keyword, else to the followed partition that holds the campaign."""
OWN: Final = "own"
"""Defined by :class:`PartitionedEngine` itself (every partition, or refused)."""

DELEGATION: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "add_customer", "add_period", "add_target", "badge_group", "badge_groups",
            "board", "board_among", "board_around", "board_intervals", "board_page",
            "board_payouts", "board_rank", "boards", "campaign", "campaign_entry",
            "campaign_interval", "campaign_intervals", "campaign_leaderboard",
            "campaign_page", "campaign_payouts", "campaigns", "create_badge_group",
            "create_board", "create_campaign", "create_target_group", "current_period",
            "customer", "customers", "delete_board", "end_board", "enroll", "event_rules",
            "join", "milestone_progress", "periods", "record_activities", "record_activity",
            "register", "remove", "set_target_group_active", "streak_progress", "submit",
            "submit_many", "target_group", "target_groups", "target_leaderboard", "targets",
            "track_event", "unenroll", "update_customer", "user_rankings",
        ),
        ORG,
    ),
    **dict.fromkeys(("award", "award_many"), CAMPAIGN),
    **dict.fromkeys(
        (
            "add_org", "advance_to", "checkpoint", "clock", "close", "connect", "lag", "load",
            "now", "org", "orgs", "recovery", "replicated", "save", "snapshot", "stats",
            "subscribe", "sync", "tick", "try_call",
        ),
        OWN,
    ),
}  # fmt: skip
"""How :class:`PartitionedEngine` answers each public attribute of :class:`Engine`. A new
public attribute of :class:`Engine` must be classified here (the test suite checks)."""


def followed_partitions(partitions: object, count: int) -> tuple[int, ...]:
    """The sorted partition numbers named by ``partitions`` (``None``: all ``count``), each an
    int in ``[0, count)``; refused with :class:`InvalidArgument` or
    :class:`InvalidArgumentType` otherwise. O(count)."""
    if partitions is None:
        return tuple(range(count))
    if isinstance(partitions, (str, bytes)) or not isinstance(partitions, Iterable):
        raise InvalidArgumentType(
            f"partitions must be an iterable of partition numbers, not {type(partitions).__name__}"
        )
    followed: set[int] = set()
    for k in partitions:
        if isinstance(k, bool) or not isinstance(k, int):
            raise InvalidArgumentType(f"each partition must be an int, not {type(k).__name__}")
        if not 0 <= k < count:
            raise InvalidArgument(f"partition {k} is not in [0, {count}) (see ?partitions=)")
        followed.add(k)
    if not followed:
        raise InvalidArgument("partitions must name at least one partition to follow")
    return tuple(sorted(followed))


def _routed(name: str) -> Callable[..., Any]:
    """The delegating method for ``Engine.<name>``, whose first parameter is ``org``."""
    target = getattr(Engine, name)
    parameters = list(inspect.signature(target).parameters)
    if parameters[1:2] != ["org"]:
        raise TypeError(f"Engine.{name} is classified {ORG!r} but its first parameter is not org")

    @functools.wraps(target)
    def method(self: PartitionedEngine, *args: Any, **kwargs: Any) -> Any:
        org = args[0] if args else kwargs.get("org")
        return getattr(self._inner_for(org), name)(*args, **kwargs)

    return method


def _by_campaign(name: str) -> Callable[..., Any]:
    """The delegating method for ``Engine.<name>(campaign_id, ..., org=None)``."""
    target = getattr(Engine, name)
    if "org" not in inspect.signature(target).parameters:
        raise TypeError(f"Engine.{name} is classified {CAMPAIGN!r} but takes no org keyword")

    @functools.wraps(target)
    def method(self: PartitionedEngine, *args: Any, **kwargs: Any) -> Any:
        campaign_id = args[0] if args else kwargs.get("campaign_id")
        inner = self._inner_for_campaign(campaign_id, kwargs.get("org"))
        return getattr(inner, name)(*args, **kwargs)

    return method


def _delegating(cls: C) -> C:
    """Generate the delegating methods of ``cls`` from :data:`DELEGATION`, and check that
    every ``OWN`` attribute is defined by ``cls`` itself."""
    for name, kind in DELEGATION.items():
        if kind == ORG:
            setattr(cls, name, _routed(name))
        elif kind == CAMPAIGN:
            setattr(cls, name, _by_campaign(name))
        elif name not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must define {name!r} itself")
    return cls


@_delegating
class PartitionedEngine(Engine):
    """A replica of the partitions it follows, behind the :class:`Engine` interface.

    Made by :meth:`Engine.connect` when the URL names ``?partitions=N`` with ``N > 1``; holds
    one ordinary replica per followed partition. Calls naming an org are routed to that
    org's partition (:class:`~rankcore.errors.PartitionNotFollowed` for a partition not
    followed); :meth:`sync`, :meth:`checkpoint`, :meth:`close`, :meth:`advance_to` and
    :meth:`tick` act on every followed partition. Safe to call from several threads.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        follow: bool = False,
        seed: int = 0,
        partitions: tuple[int, ...],
    ) -> None:
        # Engine.__init__ is not called: every public attribute delegates to the replicas.
        if clock is not None:
            check_clock(clock)
        self._wall: Clock = clock if clock is not None else SystemClock()
        self._directory = RedisDirectory(url)
        self._count = self._directory.partitions
        self._followed = partitions
        self._placed: dict[int, int] = {}  # org -> partition: entries never change
        self._placing = threading.Lock()  # add_org: directory claim then append, one at a time
        self._inner: dict[int, Engine] = {}
        try:
            for k in partitions:
                log = RedisLog(url, partition=k)
                self._inner[k] = Engine._open_replica(log, clock=clock, follow=follow, seed=seed)
        except BaseException:
            for inner in self._inner.values():
                inner.close()
            self._directory.close()
            raise

    # -- routing ------------------------------------------------------------------------------

    @property
    def partitions(self) -> tuple[int, ...]:
        """The partition numbers this replica follows, ascending."""
        return self._followed

    @property
    def partition_count(self) -> int:
        """The deployment's partition count ``N`` (the URL's ``?partitions=``)."""
        return self._count

    def partition_of(self, org_id: int) -> int | None:
        """The partition holding ``org_id`` (followed or not), or ``None`` for an org the
        directory does not know. O(1): a cached answer, else one ``HGET``."""
        org_id = check_id(org_id, "org_id")
        known = self._placed.get(org_id)
        if known is None:
            known = self._directory.lookup(org_id)
            if known is not None:
                self._placed[org_id] = known
        return known

    def _inner_for(self, org: object) -> Engine:
        """The replica of the partition holding ``org`` (an id or a :class:`Scope`); any
        replica for an unknown org or a malformed argument (it refuses it as usual)."""
        actor = org.actor if isinstance(org, Scope) else org
        if isinstance(actor, bool) or not isinstance(actor, int) or actor <= 0:
            return self._any()
        k = self.partition_of(actor)
        if k is None:
            return self._any()
        return self._followed_inner(actor, k)

    def _followed_inner(self, org: int, k: int) -> Engine:
        inner = self._inner.get(k)
        if inner is None:
            raise PartitionNotFollowed(org, k, self._followed)
        return inner

    def _any(self) -> Engine:
        return self._inner[self._followed[0]]

    def _inner_for_campaign(self, campaign_id: object, org: object) -> Engine:
        """With ``org``: its partition's replica. Without: the first followed partition
        whose replica holds ``campaign_id`` (synced once if none does yet)."""
        if org is not None:
            return self._inner_for(org)
        if not isinstance(campaign_id, str):
            return self._any()  # refused there with the usual error
        for attempt in range(2):
            for inner in self._inner.values():
                if campaign_id in inner._state.campaigns._campaigns:  # ids are engine-wide
                    return inner
            if attempt == 0:
                self.sync()
        raise CampaignNotFound(campaign_id)

    # -- tenants ------------------------------------------------------------------------------

    def add_org(
        self,
        org_id: int,
        timezone: str | ZoneInfo = "UTC",
        *,
        leaderboards: bool = True,
        connected: Iterable[int] = (),
    ) -> Org:
        """Register an org on its family's partition: the partition of the ``connected`` orgs
        (which must all be on one), else ``org_id % N``. The directory records it (``HSETNX``)
        before the org is appended to that partition's stream; a retry after a failure in
        between proceeds. Refused, changing nothing, for a family on a partition this replica
        does not follow (:class:`~rankcore.errors.PartitionNotFollowed`). O(connections).
        """
        org_id = check_id(org_id, "org_id")
        check_zone(timezone)
        if not isinstance(leaderboards, bool):
            raise InvalidArgumentType(
                f"leaderboards must be a bool, not {type(leaderboards).__name__}"
            )
        if isinstance(connected, (str, bytes)) or not isinstance(connected, Iterable):
            raise InvalidArgumentType("connected must be an iterable of int org ids")
        links = tuple(check_id(other, "each of connected") for other in connected)
        family: tuple[int, int] | None = None  # (a connected org, its partition)
        for other in links:
            if other == org_id:
                continue
            k = self.partition_of(other)
            if k is None:
                raise InvalidArgument(
                    f"org {org_id} cannot be connected to org {other}: it is not registered"
                )
            if family is not None and family[1] != k:
                raise InvalidArgument(
                    f"org {org_id} cannot be connected to orgs {family[0]} and {other}: they"
                    f" live on partitions {family[1]} and {k}, and a family lives on one"
                )
            family = family or (other, k)
        k = family[1] if family is not None else org_id % self._count
        inner = self._followed_inner(org_id, k)
        with self._placing:
            placed = self._directory.claim(org_id, k)
            if placed != k:
                self._placed[org_id] = placed
                raise InvalidArgument(f"org {org_id} already exists")
            self._placed[org_id] = k
            if inner.org(org_id) is not None:  # refused here rather than through the log
                raise InvalidArgument(f"org {org_id} already exists")
            return inner.add_org(org_id, timezone, leaderboards=leaderboards, connected=links)

    def org(self, org_id: int) -> Org | None:
        """The organisation with this id, or ``None`` (also for an org the directory does
        not know); :class:`~rankcore.errors.PartitionNotFollowed` for an org on a partition
        not followed. O(1)."""
        org_id = check_id(org_id, "org_id")
        k = self.partition_of(org_id)
        if k is None:
            return None
        return self._followed_inner(org_id, k).org(org_id)

    def orgs(self) -> tuple[Org, ...]:
        """Every org of the followed partitions: partition by partition, each in the order
        its orgs were added. O(orgs)."""
        return tuple(org for inner in self._inner.values() for org in inner.orgs())

    # -- time ---------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The wall clock that stamps this replica's writes."""
        return self._wall

    def now(self) -> datetime:
        """The latest time of the followed partitions' logs. O(partitions)."""
        return max(inner.now() for inner in self._inner.values())

    def advance_to(self, t: datetime) -> None:
        """:meth:`Engine.advance_to` on every followed partition. O(partitions) plus what
        closes."""
        for inner in self._inner.values():
            inner.advance_to(t)

    def tick(self) -> None:
        """Close whatever is due on every followed partition. O(partitions) plus what
        closes."""
        for inner in self._inner.values():
            inner.tick()

    # -- replication --------------------------------------------------------------------------

    @property
    def replicated(self) -> bool:
        """Always ``True``: every partition is a replica of its stream."""
        return True

    def sync(self) -> None:
        """Apply everything appended to every followed partition's stream. Raises
        :class:`~rankcore.LogUnavailable` if a stream cannot be read. O(entries applied)."""
        for inner in self._inner.values():
            inner.sync()

    def lag(self) -> float:
        """The largest lag of the followed partitions (seconds). O(partitions)."""
        return max(inner.lag() for inner in self._inner.values())

    def stats(self) -> EngineStats:
        """The followed partitions' counters summed, and their largest lag. O(partitions)."""
        each = [inner.stats() for inner in self._inner.values()]
        return EngineStats(
            mutations=sum(s.mutations for s in each),
            appended=sum(s.appended for s in each),
            lag=max(s.lag for s in each),
        )

    def try_call(self, function: Callable[[], T]) -> tuple[bool, T | None]:
        """Call ``function`` holding every followed partition's lock if no other thread holds
        any of them now: ``(True, its result)``, or ``(False, None)`` at once. O(partitions)
        plus the call."""
        if not callable(function):
            raise InvalidArgumentType(f"function must be callable, not {type(function).__name__}")
        held: list[Any] = []
        try:
            for inner in self._inner.values():
                lock = inner._lock
                if not lock.acquire(blocking=False):
                    return False, None
                held.append(lock)
            return True, function()
        finally:
            for lock in reversed(held):
                lock.release()

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Subscribe ``handler`` on every followed partition (each publishes the events of its
        own orgs); returns a function that cancels all of them. O(partitions)."""
        cancels = [inner.subscribe(event_type, handler) for inner in self._inner.values()]

        def cancel() -> None:
            for each in cancels:
                each()

        return cancel

    # -- persistence --------------------------------------------------------------------------

    @property
    def recovery(self) -> RecoveryReport | None:
        """Always ``None``: a replica has no file journal."""
        return None

    def snapshot(self) -> bytes:
        """Canonical JSON ``{"partitions": {"<k>": <the partition's snapshot as text>}}`` of
        the followed partitions. O(size of the state)."""
        parts = {str(k): inner.snapshot().decode() for k, inner in self._inner.items()}
        return canonical({"partitions": parts})

    def save(self, path: str | os.PathLike[str]) -> None:
        """Refused (:class:`InvalidArgument`): a partitioned replica's durability is Redis;
        use :meth:`checkpoint`."""
        raise InvalidArgument("a partitioned replica cannot be saved to a file; use checkpoint()")

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> Engine:
        """Refused (:class:`InvalidArgument`): use :meth:`Engine.load`."""
        raise InvalidArgument("PartitionedEngine.load is not supported; use Engine.load")

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        follow: bool = False,
        seed: int = 0,
        partitions: Iterable[int] | None = None,
    ) -> Engine:
        """Refused (:class:`InvalidArgument`): use :meth:`Engine.connect`."""
        raise InvalidArgument("PartitionedEngine.connect is not supported; use Engine.connect")

    def checkpoint(self) -> None:
        """:meth:`Engine.checkpoint` on every followed partition. O(size of the state)."""
        for inner in self._inner.values():
            inner.checkpoint()

    def close(self) -> None:
        """Close every followed partition's replica and the directory's connections.
        Idempotent."""
        for inner in self._inner.values():
            inner.close()
        self._directory.close()
