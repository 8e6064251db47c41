"""The facade a game backend imports: one :class:`Engine` owns everything.

The engine owns the tenants, the clock, a seeded id generator, event subscriptions and one
re-entrant lock. Reads take the lock, close whatever the clock says is due (intervals,
periods) and ask a domain service. Writes have one path, :meth:`Engine._execute`: a public
method builds a command (:mod:`rankcore.commands`), and the engine closes what is due,
encodes the command's log record, applies the command to the domains, appends the record
and publishes the events the domains returned, all at one instant read once from the clock.
Encoding comes first, so no encoding failure can follow an applied change; recovery applies
the journal's commands through the same path. Domain services never see the engine: data
flows from here down.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar, cast
from zoneinfo import ZoneInfo

import attrs

from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    AwardBatchResult,
    AwardResult,
    BoardInfo,
    BoardInterval,
    BoardStanding,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
    Operator,
    SubmitResult,
)
from rankcore.commands import (
    MAX_BATCH,
    ActivityInput,
    ActivityItem,
    AddCustomer,
    AddOrg,
    AddPeriod,
    AddTarget,
    AdvanceTo,
    Award,
    AwardMany,
    BatchResult,
    Command,
    CreateBadgeGroup,
    CreateBoard,
    CreateCampaign,
    CreateTargetGroup,
    DeleteBoard,
    EndBoard,
    Enroll,
    EventRule,
    JoinBoard,
    RecordActivities,
    RecordActivity,
    Register,
    RemoveMember,
    SetTargetGroupActive,
    Submit,
    SubmitMany,
    Sync,
    TrackEvent,
    Unenroll,
    UpdateCustomer,
    decode_command,
    encode_args,
    unrecordable,
)
from rankcore.errors import InvalidArgument, InvalidArgumentType, RankcoreError
from rankcore.events import EventBus
from rankcore.ids import IdGenerator
from rankcore.log.redis import RedisLog, partition_count
from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import Customer, CustomerProfile
from rankcore.loyalty.periods import Period
from rankcore.loyalty.scope import Scope
from rankcore.loyalty.targets import EnrollmentMode, Target, TargetGroup, TargetType
from rankcore.loyalty.views import (
    ActivityResult,
    EnrollmentStatus,
    MilestoneProgress,
    StreakProgress,
    TargetLeaderboard,
    UserRanking,
)
from rankcore.persistence.codec import decode_time, encode_time
from rankcore.persistence.errors import (
    JournalCorrupted,
    JournalError,
    LogUnavailable,
    PersistenceError,
    SnapshotCorrupted,
)
from rankcore.persistence.journal import (
    FsyncPolicy,
    Journal,
    JournalLock,
    JournalScan,
    RecoveryReport,
    encode_record,
    scan_journal,
)
from rankcore.persistence.snapshot import (
    canonical,
    decode_snapshot,
    encode_snapshot,
    read_snapshot,
    write_atomic,
)
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.state import State
from rankcore.tenancy import Org
from rankcore.timeline.clock import (
    EARLIEST,
    Clock,
    ManualClock,
    SystemClock,
    check_clock,
    read_clock,
    require_aware,
)
from rankcore.timeline.recurrence import Recurrence
from rankcore.timeline.reset import Reset
from rankcore.validate import check_id

__all__ = ["DEFAULT_CHECKPOINT_EVERY", "Engine", "EngineStats"]

DEFAULT_CHECKPOINT_EVERY: Final = 100_000
"""Journalled mutations (records; a batch record counts as its activities) after which a
journalled engine checkpoints by itself (see ``docs/durability.md``): recovery then replays
at most this many."""

E = TypeVar("E")
R = TypeVar("R")
T = TypeVar("T")

_log = logging.getLogger("rankcore.persistence")


@attrs.frozen
class EngineStats:
    """What :meth:`Engine.stats` reports.

    ``mutations``: changes applied since the engine was opened (replayed journal records and
    other replicas' log entries included; a batch counts as its entries). ``appended``:
    records this engine wrote to its journal or to its shared log. ``lag``: as
    :meth:`Engine.lag` (seconds; ``0.0`` without a shared log).
    """

    mutations: int
    appended: int
    lag: float


class Engine:
    """An in-memory leaderboard engine. Safe to call from several threads.

    ``clock`` defaults to the system clock; pass a :class:`~rankcore.ManualClock` for
    simulations. ``seed`` makes generated ids deterministic; ``ids`` replaces the id
    generator altogether (for example to keep the ids of data imported from a vendor).

    ``journal`` (a file path) makes the engine durable: every accepted mutation is appended
    to that write-ahead journal before the call returns, and opening an engine on an existing
    journal restores its checkpoint snapshot (``<journal>.snapshot``) and replays the journal
    after it (see :attr:`recovery`). The journal is locked (``<journal>.lock``) while the
    engine is open: a second engine on it raises :class:`~rankcore.JournalLocked`. ``fsync``
    is ``"always"``, ``"interval"`` (every ``fsync_interval`` seconds) or ``"never"``;
    ``checkpoint_every`` checkpoints by itself after that many mutations (records, a batch
    counting as its activities; ``None``: never);
    ``replay_events=True`` keeps the events the replay caused in :attr:`recovery` (by default
    replay publishes and keeps nothing). See ``docs/durability.md``.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        ids: IdGenerator | None = None,
        journal: str | os.PathLike[str] | None = None,
        fsync: FsyncPolicy | str = FsyncPolicy.ALWAYS,
        fsync_interval: float = 1.0,
        checkpoint_every: int | None = DEFAULT_CHECKPOINT_EVERY,
        replay_events: bool = False,
    ) -> None:
        if clock is not None:
            check_clock(clock)
        if ids is not None and not isinstance(ids, IdGenerator):
            raise InvalidArgumentType(f"ids must be an IdGenerator, not {type(ids).__name__}")
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._last_now: datetime | None = None  # the last reading, to refuse a clock going back
        self._lock = threading.RLock()
        self._ids = ids if ids is not None else IdGenerator(_seed(seed))
        self._events = EventBus()
        self._state = State.new(self._ids)
        # -- persistence (see the section at the end) --
        self._journal: Journal | None = None
        self._journal_seq = 0
        self._since_checkpoint = 0
        self._checkpoint_every = _checkpoint_every(checkpoint_every)
        self._replaying = False
        self._failed: JournalError | None = None
        self._closed = False
        self._recovery: RecoveryReport | None = None
        self._applied = 0  # changes applied (a batch counts as its entries), replay included
        self._appended = 0  # records this engine wrote to its journal or its shared log
        # -- replication (see ``connect``): the log, the wall clock, the last applied entry --
        self._replica: RedisLog | None = None
        self._wall: Clock = self._clock
        self._last_wall: datetime | None = None
        self._position: str | None = None
        self._applying = False
        self._deferred: list[object] = []
        self._synced_at: datetime | None = None
        self._due: datetime | None = None  # a replica's next closing, while _due_known
        self._due_known = False
        self._follower: threading.Thread | None = None
        self._stop = threading.Event()
        if journal is not None:
            policy = FsyncPolicy.parse(fsync, "fsync")
            if isinstance(fsync_interval, bool) or not isinstance(fsync_interval, (int, float)):
                raise InvalidArgumentType("fsync_interval must be a number of seconds")
            if not 0 < fsync_interval < float("inf"):
                raise InvalidArgument(f"fsync_interval must be positive, got {fsync_interval}")
            self._open_journal(journal, policy, float(fsync_interval), clock, replay_events)

    # -- time ---------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        return self._clock

    def now(self) -> datetime:
        """The engine's current time. Raises :class:`~rankcore.ClockError` for a clock that
        answers a naive time, not a time, or an earlier time than before. O(1)."""
        with self._lock:
            self._check_usable()
            return self._read_wall() if self._replica is not None else self._read_clock()

    def _read_wall(self) -> datetime:
        now = read_clock(self._wall, self._last_wall)
        self._last_wall = now
        return now

    def _read_clock(self) -> datetime:
        now = read_clock(self._clock, self._last_now)
        self._last_now = now
        return now

    def advance_to(self, t: datetime) -> None:
        """Move a manual clock to ``t`` and close every interval and period that ended.

        With a system clock, ``t`` must not be in the future (:class:`InvalidArgument`);
        this only closes what is due.
        """
        require_aware(t, "t")
        with self._lock:
            self._check_usable()
            if self._replica is not None:  # a replica's time is its log's: move the wall
                if isinstance(self._wall, ManualClock):
                    self._wall.set(t)
                elif t > self._read_wall():
                    raise InvalidArgument(f"t ({t.isoformat()}) is later than the system clock")
                self._sync()
                return
            clock = self._clock
            if not isinstance(clock, ManualClock):
                now = self._sync()
                if t > now:
                    raise InvalidArgument(
                        f"t ({t.isoformat()}) is later than the system clock ({now.isoformat()});"
                        " only a ManualClock can be moved"
                    )
            elif t > clock.now():
                clock.set(t)
                self._execute(AdvanceTo(t))
            else:
                clock.set(t)  # refuses to go backwards
                self._sync()

    def tick(self) -> None:
        """Close whatever the clock says is due, without doing anything else."""
        with self._lock:
            self._sync()

    def _sync(self) -> datetime:
        """Close what is due at the clock's time, publish the resulting events, and return
        that time: the operation that called it acts at that same instant (a second reading
        of a system clock could fall past an end that was not closed).

        Called under the lock at the start of every public operation. On a replica, what is
        due at the wall clock's time is closed through the log (a ``Sync`` command), so that
        every replica closes it at the same point of the history.
        """
        self._check_usable()
        if self._replica is not None and not self._applying:
            return self._sync_replica()
        now = self._read_clock()
        events = self._state.close_due(now)
        if events:
            line = self._encode(Sync(), now)  # closings with effects depend on when they ran
            if line is not None:
                self._append(line)
            self._publish(events)
        return now

    # -- the write path -----------------------------------------------------------------------

    def _execute(self, command: Command[R]) -> R:
        """The one write path: close what is due, encode, apply, append, publish.

        Everything happens under the lock at one instant. A command the domains refuse
        raises and changes nothing; one that cannot be encoded is refused before it is
        applied. O(the command's own cost).
        """
        if self._replica is not None and not self._applying:
            return cast(R, self._write_through(command))
        with self._lock:
            now = self._sync()
            line = self._encode(command, now)
            self._due_known = False
            result, events, changed = self._state.apply(command, now)
            if changed:
                self._applied += _mutations(command)
                if line is not None:
                    self._append(line, _mutations(command))
            self._publish(events)
            return cast(R, result)

    def _encode(self, command: Command[Any], now: datetime) -> bytes | None:
        """The journal line of ``command`` acting at ``now`` (``None``: nothing to append).

        Raises :class:`InvalidArgument` (or :class:`InvalidArgumentType`) naming the
        argument that cannot be recorded, before anything is applied.
        """
        if self._journal is None or self._replaying:
            return None
        record = {
            "n": self._journal_seq + 1,
            "t": encode_time(now),
            "op": command.op,
            "args": encode_args(command),
        }
        try:
            return encode_record(record)
        except (ValueError, RecursionError):
            raise unrecordable(command) from None

    def _append(self, line: bytes, mutations: int = 1) -> None:
        """Append an applied command's line; a failure kills the engine (its memory is then
        ahead of its journal). Checkpoints every ``checkpoint_every`` mutations (a batch
        record counts as its activities), so that recovery replays at most that many."""
        journal = self._journal
        assert journal is not None
        try:
            journal.append(line)
        except JournalError as exc:
            self._failed = exc
            raise
        self._journal_seq += 1
        self._appended += 1
        self._since_checkpoint += mutations
        if self._checkpoint_every is not None and self._since_checkpoint >= self._checkpoint_every:
            self._since_checkpoint = 0
            try:
                self._checkpoint(journal)
            except PersistenceError as exc:  # the record is safe; the next try comes later
                _log.warning("automatic checkpoint of %s failed: %s", journal.path, exc)

    # -- replication over a shared log ----------------------------------------------------------

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
        """A replica of the engine whose commands a Redis stream holds (``redis://host:6379/0
        ?prefix=rankcore``, ``rediss://...``, or ``redis+cluster://host:port``).

        Any replica accepts writes: a write is encoded, appended to the stream (one ``XADD``)
        and returns once this replica has applied the log up to its own entry (it reads its
        own writes). Reads are local and in memory; :meth:`sync` applies what others
        appended, and ``follow=True`` keeps a thread tailing the stream so that reads lag by
        about a round trip. Replicas synced to the same entry hold byte-identical
        :meth:`snapshot`\\ s. ``clock`` (default: the system clock) stamps this replica's
        writes; the engine's own time is its log's. The stored checkpoint (see
        :meth:`checkpoint`) is loaded first, then the stream after it. Needs the ``redis``
        extra. See ``docs/scaling.md``.

        A URL with ``?partitions=N`` (N > 1) spreads org families over N streams and answers
        a :class:`~rankcore.partitioned.PartitionedEngine`; ``partitions`` names the partition
        numbers (in ``[0, N)``) this replica follows (default: all). See ``docs/scaling.md``.
        """
        count = partition_count(url)
        if count > 1 or partitions is not None:
            from rankcore.partitioned import PartitionedEngine, followed_partitions

            followed = followed_partitions(partitions, count)
            if count > 1:
                return PartitionedEngine(
                    url, clock=clock, follow=follow, seed=seed, partitions=followed
                )
        return cls._open_replica(RedisLog(url), clock=clock, follow=follow, seed=seed)

    @classmethod
    def _open_replica(
        cls, log: RedisLog, *, clock: Clock | None, follow: bool, seed: int
    ) -> Engine:
        """A replica of ``log``: its checkpoint, then its stream after it (see :meth:`connect`)."""
        engine = cls(clock=clock, seed=seed)
        engine._wall = engine._clock
        engine._clock = ManualClock(EARLIEST)  # the log's time: moved by its entries only
        engine._replica = log
        stored = log.load_snapshot()
        if stored is not None:
            position, data = stored
            engine._restore(decode_snapshot(data, f"the checkpoint of {log.name!r}"), None, "")
            engine._position = position
        engine.sync()
        if follow:
            engine._follower = threading.Thread(
                target=engine._follow, name="rankcore-log-follower", daemon=True
            )
            engine._follower.start()
        return engine

    @property
    def replicated(self) -> bool:
        """Whether this engine is a replica of a shared log (made by :meth:`connect`)."""
        return self._replica is not None

    def sync(self) -> None:
        """Apply everything appended to the log so far, by any replica (a no-op for an engine
        without a shared log). Raises :class:`~rankcore.LogUnavailable` if the log cannot be
        read. O(entries applied)."""
        with self._lock:
            self._check_usable()
            if self._replica is not None:
                self._catch_up(None)

    def lag(self) -> float:
        """Seconds since this replica last knew it had applied the whole log (``0.0`` for an
        engine without a shared log, ``inf`` before its first sync). O(1)."""
        with self._lock:
            if self._replica is None:
                return 0.0
            if self._synced_at is None:
                return math.inf
            return max((self._read_wall() - self._synced_at).total_seconds(), 0.0)

    def stats(self) -> EngineStats:
        """Counters since this engine was opened, for monitoring (``rankcore serve`` exports
        them at ``/metrics``). O(1)."""
        with self._lock:
            return EngineStats(mutations=self._applied, appended=self._appended, lag=self.lag())

    def try_call(self, function: Callable[[], T]) -> tuple[bool, T | None]:
        """Call ``function`` holding the engine's lock if no other thread holds it now:
        ``(True, its result)``, or ``(False, None)`` at once without calling it.

        For an event loop that answers a read in place when the engine is idle, and hands
        it to a worker thread otherwise, so that it never waits on another thread's write.
        O(1) plus the call.
        """
        if not callable(function):
            raise InvalidArgumentType(f"function must be callable, not {type(function).__name__}")
        if not self._lock.acquire(blocking=False):
            return False, None
        try:
            return True, function()
        finally:
            self._lock.release()

    def _sync_replica(self) -> datetime:
        """A replica's closing: append a ``Sync`` when something is due at the wall clock's
        time; reads go on from local state when the log is unreachable."""
        if not self._due_known:  # every applied command forgets it (see _execute)
            self._due, self._due_known = self._state.next_due(), True
        if self._due is not None:
            wall = self._read_wall()
            if self._due <= wall:
                try:
                    self._write_through(Sync(), wall)
                except LogUnavailable as exc:
                    _log.warning("closings wait for the log: %s", exc)
        return self._clock.now()

    def _write_through(self, command: Command[Any], wall: datetime | None = None) -> Any:
        """Encode ``command`` at the wall clock's time, append it to the log, apply the log up
        to it and answer what applying it answered (or raise its refusal)."""
        replica = self._replica
        assert replica is not None
        with self._lock:
            self._check_usable()
            stamp = self._read_wall() if wall is None else wall
            record = {"t": encode_time(stamp), "op": command.op, "args": encode_args(command)}
            try:
                payload = canonical(record)
            except (ValueError, RecursionError):
                raise unrecordable(command) from None
            entry, batch = replica.append_and_read(payload, self._position)
            self._appended += 1
            return self._catch_up(entry, batch, stamp)

    def _catch_up(
        self,
        until: str | None,
        batch: list[tuple[str, bytes]] | None = None,
        wall: datetime | None = None,
    ) -> Any:
        """Apply the log's entries after the last applied one: up to ``until`` (returning what
        that entry answered, or raising its refusal), or to the end for ``None``. ``batch``
        holds entries already read (the write path reads them with its append) and ``wall``
        the wall clock's time before they were read (else it is read now)."""
        replica = self._replica
        assert replica is not None
        if wall is None:
            wall = self._read_wall()
        outcome: tuple[Any, RankcoreError | None] = (None, None)
        while True:
            if batch is None:
                batch = replica.read_after(self._position, 1000)
            for entry, payload in batch:
                if not _later(entry, self._position):
                    continue  # applied meanwhile (a subscriber's own write caught up)
                applied = self._apply_entry(entry, payload)
                if entry == until:
                    outcome, until = applied, None
            if until is None and len(batch) < 1000:
                break
            if not batch:  # pragma: no cover - our own entry is always there to read
                raise LogUnavailable(f"entry {until} vanished from the log {replica.name!r}")
            batch = None
        self._synced_at = wall
        result, error = outcome
        if error is not None:
            raise error
        return result

    def _apply_entry(self, entry: str, payload: bytes) -> tuple[Any, RankcoreError | None]:
        """Apply one log entry at its instant, as every replica does: the same entries in the
        same order give the same state, generated ids included."""
        clock = self._clock
        assert isinstance(clock, ManualClock)
        try:
            record = json.loads(payload)
            t = decode_time(record["t"])
            command = decode_command(record["op"], record["args"])
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            _log.warning("log entry %s is malformed and skipped: %s", entry, exc)
            self._position = entry
            return None, InvalidArgument(f"log entry {entry} is malformed")
        if t > clock.now():
            clock.set(t)
        assert self._replica is not None
        self._ids.reseed(f"{self._replica.name}:{entry}")
        self._applying = True
        try:
            return self._execute(command), None
        except RankcoreError as exc:  # refused here as on every replica: changes nothing
            return None, exc
        finally:
            self._applying = False
            self._position = entry
            deferred, self._deferred = self._deferred, []
            self._publish(deferred)

    def _follow(self) -> None:
        """The follower thread: wait for new entries (``XREAD BLOCK``) and apply them."""
        replica = self._replica
        assert replica is not None
        while not self._stop.is_set():
            try:
                if replica.wait(self._position, 1.0) and not self._stop.is_set():
                    self.sync()
            except LogUnavailable:
                self._stop.wait(0.5)
            except JournalError:  # closed
                return

    # -- events -------------------------------------------------------------------------------

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call ``handler(event)`` for each published event of ``event_type`` (or a subclass).

        Returns a function that cancels the subscription. Handlers run in the calling thread,
        with the engine's lock held, after the change is complete; they may call the engine.
        A handler that raises is logged on the ``rankcore.events`` logger and interrupts
        nothing: every event still reaches every subscriber. O(1).
        """
        if not isinstance(event_type, type):
            raise InvalidArgumentType(
                f"event_type must be a class, not {type(event_type).__name__}"
            )
        if not callable(handler):
            raise InvalidArgumentType(f"handler must be callable, not {type(handler).__name__}")
        with self._lock:
            return self._events.subscribe(event_type, handler)

    def _publish(self, events: list[object]) -> None:
        """Deliver ``events``; while a replica applies a log entry they wait until it is
        applied, so that a handler's own writes go through the log like any other."""
        if self._applying:
            self._deferred.extend(events)
            return
        for event in events:
            self._events.publish(event)

    # -- tenants ------------------------------------------------------------------------------

    def add_org(
        self,
        org_id: int,
        timezone: str | ZoneInfo = "UTC",
        *,
        leaderboards: bool = True,
        connected: Iterable[int] = (),
    ) -> Org:
        """Register an organisation (or a Rehook application) with its IANA time zone.

        Every org in ``connected`` must exist already. O(connections).
        """
        return self._execute(AddOrg(org_id, timezone, leaderboards, _items(connected, "connected")))

    def org(self, org_id: int) -> Org | None:
        """The organisation with this id, or ``None``. O(1)."""
        org_id = check_id(org_id, "org_id")
        with self._lock:
            self._check_usable()
            return self._state.tenants.get(org_id)

    # -- campaigns (Rehook-style leaderboard campaigns) -----------------------------------------

    def create_campaign(
        self,
        org: int,
        *,
        recurrence: Recurrence | str,
        start: datetime,
        end: datetime,
        brackets: Iterable[Bracket | Mapping[str, object]] = (),
        order: Order | str = Order.DESC,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        campaign_id: str | None = None,
        retention: int | None = None,
        activity_ids: Sequence[str] = (),
    ) -> CampaignInfo:
        """Create a leaderboard campaign of tenant ``org`` (see ``docs/campaigns.md``).

        ``recurrence``: daily, weekly, monthly or campaign_duration, on ``org``'s local
        calendar. ``brackets``: :class:`Bracket` objects or mappings with ``position``,
        ``reward_value`` and optional ``min_value``. ``campaign_id`` defaults to a generated
        ``camp_`` id; ``activity_ids`` name the first intervals instead of generated
        ``ldac_`` ids (both keep a vendor's ids when importing). ``retention`` keeps only the
        last N closed intervals (default: all). Intervals already over are closed at once.
        O(b log b) for b brackets.
        """
        return self._execute(
            CreateCampaign(
                org,
                recurrence,
                start,
                end,
                _items(brackets, "brackets"),
                order,
                ties,
                campaign_id,
                retention,
                _items(activity_ids, "activity_ids"),
            )
        )

    def campaign(self, org: int, campaign_id: str) -> CampaignInfo | None:
        """Tenant ``org``'s campaign ``campaign_id``, or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.find(org, campaign_id)

    def register(self, org: int, source_id: str) -> bool:
        """Register a customer ``source_id`` with tenant ``org``; returns whether it was new.

        Awarding points to an unknown source id registers it too. O(1).
        """
        return self._execute(Register(org, source_id))

    def award(
        self,
        campaign_id: str,
        source_id: str,
        points: Score,
        at: datetime | None = None,
        *,
        event_id: str | int | None = None,
        org: int | None = None,
    ) -> AwardResult:
        """Add ``points`` to ``source_id`` in the interval of the campaign containing ``at``
        (default: now). A repeated ``event_id`` is not counted again (``duplicate``); points for
        a closed or future interval, or outside the campaign, raise :class:`AwardRefused`.
        ``org``, if given, must own the campaign. O(log n).
        """
        return self._execute(Award(campaign_id, source_id, points, at, event_id, org))

    def award_many(
        self, campaign_id: str, awards: Iterable[object], *, org: int | None = None
    ) -> AwardBatchResult:
        """Award a batch of points in one campaign, in order, under one lock, at one instant,
        as one journal record (one fsync) or one log entry.

        Each award is a mapping with ``source_id``, ``points`` and optional ``at`` and
        ``event_id`` (the arguments of :meth:`award`), or a tuple ``(source_id, points[,
        at[, event_id]])``. The result equals awarding them one by one in batch order: a
        repeated ``event_id`` (also within the batch) is a duplicate; an award that
        :meth:`award` would refuse for the campaign's state (a closed or future interval,
        a time outside the campaign, later than now or too late, an event id reused for
        another award, a score that cannot be ranked) is reported by position in
        :attr:`~rankcore.campaigns.AwardBatchResult.refusals` and changes nothing, and the
        others are applied. An unknown campaign, a wrong ``org``, a malformed award (a
        field of the wrong type or out of bounds, an unknown key) or more than 10,000
        awards refuse the whole call with :class:`~rankcore.InvalidArgument` (or
        :class:`~rankcore.InvalidArgumentType`, :class:`~rankcore.CampaignNotFound`)
        naming the position, changing nothing; nothing is journalled for a batch that
        changed nothing. O(k log n) for k awards.
        """
        return self._execute(AwardMany(campaign_id, _award_items(awards), org))

    def campaign_intervals(self, org: int, campaign_id: str) -> tuple[IntervalInfo, ...]:
        """The campaign's retained intervals so far, oldest first. O(intervals)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.intervals(org, campaign_id)

    def campaign_interval(
        self, org: int, campaign_id: str, activity_id: str | None = None
    ) -> IntervalInfo | None:
        """Interval ``activity_id`` (default: the active, else the latest), or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.interval(org, campaign_id, activity_id)

    def campaign_page(
        self, org: int, campaign_id: str, page: int = 1, *, activity_id: str | None = None
    ) -> tuple[CampaignEntry, ...]:
        """Page ``page`` (from 1, 20 entries) of an interval's standings with rewards.

        O(log n + 20).
        """
        with self._lock:
            self._sync()
            return self._state.campaigns.page(org, campaign_id, page, activity_id)

    def campaign_entry(
        self, org: int, campaign_id: str, source_id: str, *, activity_id: str | None = None
    ) -> CampaignEntry | None:
        """``source_id``'s entry in an interval (``None``: no points there); raises
        :class:`SourceNotFound` for a source id the tenant does not know. O(log n)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.entry(org, campaign_id, source_id, activity_id)

    def campaign_payouts(
        self, org: int, campaign_id: str, activity_id: str
    ) -> tuple[Payout, ...] | None:
        """What interval ``activity_id`` paid out (``()`` while open; ``None``: no such
        interval). O(payouts)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.payouts(org, campaign_id, activity_id)

    def campaign_leaderboard(
        self,
        org: int,
        campaign_id: str,
        *,
        activity_id: str | None = None,
        page: int = 1,
        source_id: str | None = None,
    ) -> CampaignLeaderboard:
        """Everything Rehook's leaderboard response shows, read atomically.

        Raises :class:`CampaignNotFound` and :class:`SourceNotFound`; an unknown
        ``activity_id`` gives ``interval=None`` and no entries. O(log n + 20 + intervals).
        """
        with self._lock:
            self._sync()
            return self._state.campaigns.leaderboard(
                org, campaign_id, activity_id=activity_id, page=page, source_id=source_id
            )

    def campaigns(self, org: int) -> list[CampaignInfo]:
        """Tenant ``org``'s campaigns in creation order. O(campaigns of the engine)."""
        org = check_id(org, "org")
        with self._lock:
            self._sync()
            found: list[CampaignInfo] = []
            for campaign in self._state.campaigns._campaigns.values():  # no public listing yet
                info = campaign.info
                if isinstance(info, CampaignInfo) and info.org == org:
                    found.append(info)
            return found

    def track_event(
        self,
        org: int,
        campaign_id: str,
        event_name: str,
        *,
        points: Score | None = None,
        points_field: str | None = None,
    ) -> EventRule:
        """Make campaign ``campaign_id`` of ``org`` track events named ``event_name`` (what
        Rehook's ``POST /events/invoke`` sends): each is worth ``points``, or the number in
        its metadata field ``points_field`` (exactly one of the two). Replaces the
        campaign's earlier rule. Raises :class:`CampaignNotFound` for another tenant's or an
        unknown campaign. O(1).
        """
        return self._execute(TrackEvent(org, campaign_id, event_name, points, points_field))

    def event_rules(self, org: int, event_name: str | None = None) -> list[EventRule]:
        """The rules of ``org``'s campaigns (only those tracking ``event_name``, if given),
        in the order they were set. O(rules of the org)."""
        org = check_id(org, "org")
        with self._lock:
            self._check_usable()
            rules = self._state.event_rules.get(org, {}).values()
            return [r for r in rules if event_name is None or r.event_name == event_name]

    # -- boards -------------------------------------------------------------------------------
    # Named boards of an org: tournaments, and Rehook campaigns (boards made by
    # ``create_campaign``). See ``docs/tournaments.md``.

    def create_board(
        self,
        org: int,
        board_id: str,
        *,
        order: Order | str = Order.DESC,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        subscore: Order | str | None = None,
        operator: Operator | str = Operator.BEST,
        reset: Reset | Recurrence | str | timedelta | None = None,
        brackets: Iterable[Bracket | Mapping[str, object]] = (),
        join_required: bool = False,
        capacity: int | None = None,
        max_submissions: int | None = None,
        grace: timedelta = timedelta(0),
        start: datetime | None = None,
        end: datetime | None = None,
        retention: int | None = None,
    ) -> BoardInfo:
        """Create board ``board_id`` of tenant ``org`` (1 to 64 letters, digits, ``_.-``;
        unique among the org's boards and the engine's campaign ids).

        ``operator``: ``best``, ``set`` or ``incr``. ``subscore``: the order of a second sort
        key (``None``: none). ``reset``: a :class:`~rankcore.timeline.reset.Reset` or what
        ``Reset.parse`` reads (``"weekly thursday 09:00"``, ``"daily"``, ``"cron 0 9 * * 4"``,
        a ``timedelta``; ``None``: one interval) on ``org``'s local calendar; ``start``
        defaults to now and ``end`` to never. ``join_required``: members must :meth:`join`
        each interval first; ``capacity``: at most this many entrants per interval;
        ``max_submissions``: per member per interval; ``grace``: an ended interval still
        takes submissions stamped before its end for this long, then closes and pays by its
        ``brackets``; ``retention``: keep only the last N closed intervals. Intervals already
        over close at once. O(b log b) for b brackets.
        """
        return self._execute(
            CreateBoard(
                org,
                board_id,
                order,
                ties,
                subscore,
                operator,
                reset,
                _items(brackets, "brackets"),
                join_required,
                capacity,
                max_submissions,
                grace,
                start,
                end,
                retention,
            )
        )

    def join(self, org: int, board_id: str, member: str) -> bool:
        """Enter ``member`` in the current interval of a board that needs joining; returns
        whether it was new. Refused past the board's capacity
        (:class:`~rankcore.campaigns.BoardFull`). O(1)."""
        return self._execute(JoinBoard(org, board_id, member))

    def submit(
        self,
        org: int,
        board_id: str,
        member: str,
        score: Score,
        *,
        subscore: Score | None = None,
        meta: object = None,
        at: datetime | None = None,
        event_id: str | int | None = None,
    ) -> BoardStanding:
        """Submit ``score`` for ``member`` (text, 1 to 256 characters) under the board's
        operator, in the interval containing ``at`` (default: now; an interval in its grace
        takes times before its end). Returns the member's standing there, with its
        ``submissions`` count. ``meta`` (a JSON value; ``None``: keep) is kept beside the
        entry. A repeated ``event_id`` changes nothing and answers the standing. Refusals
        change nothing: :class:`~rankcore.AwardRefused` (no interval takes ``at``),
        :class:`~rankcore.campaigns.NotJoined`, :class:`~rankcore.campaigns.BoardFull`,
        :class:`~rankcore.campaigns.SubmissionLimit`. O(log n).
        """
        return self._execute(Submit(org, board_id, member, score, subscore, meta, at, event_id))

    def submit_many(self, org: int, board_id: str, entries: Iterable[object]) -> SubmitResult:
        """Apply a batch of submissions to one board under one lock, as one journal record:
        each entry is a mapping (``member``, ``score``, optional ``subscore``, ``meta``,
        ``at``, ``event_id``) or a tuple ``(member, score[, at])``. The result equals
        submitting them one by one in order: a refused entry is reported by its position
        in :attr:`SubmitResult.refusals` and the others are applied. O(k log n) for k entries.
        """
        return self._execute(SubmitMany(org, board_id, _items(entries, "entries")))

    def remove(self, org: int, board_id: str, member: str) -> bool:
        """Take ``member`` off the board's intervals that have not closed (a ban): it
        disappears from their listings and their payouts. Returns whether it was there.
        O(log n)."""
        return self._execute(RemoveMember(org, board_id, member))

    def end_board(self, org: int, board_id: str) -> tuple[IntervalClosed, ...]:
        """Close the board now: its open interval (cut short now) and any in grace close and
        pay; no interval opens after. Returns (and publishes) the closings. O(log n + payouts).
        """
        return self._execute(EndBoard(org, board_id))

    def delete_board(self, org: int, board_id: str) -> bool:
        """Forget the board (or campaign) and everything it holds. O(boards + event ids)."""
        return self._execute(DeleteBoard(org, board_id))

    def board(self, org: int, board_id: str) -> BoardInfo | None:
        """The settings of ``org``'s board ``board_id``, or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board(org, board_id)

    def boards(self, org: int) -> tuple[BoardInfo, ...]:
        """Every board of ``org``, campaigns included, in creation order. O(boards)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.boards(org)

    def board_intervals(self, org: int, board_id: str) -> tuple[BoardInterval, ...]:
        """The board's retained intervals, oldest first (past ones kept per ``retention``).
        O(intervals)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_intervals(org, board_id)

    def board_page(
        self, org: int, board_id: str, offset: int, limit: int, *, interval: str | None = None
    ) -> list[BoardStanding]:
        """Up to ``limit`` standings from entry ``offset`` (from 0) of interval ``interval``
        (an activity id; default: the current one, else the latest). O(log n + limit)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_page(org, board_id, offset, limit, interval)

    def board_around(
        self,
        org: int,
        board_id: str,
        member: str,
        before: int,
        after: int,
        *,
        interval: str | None = None,
    ) -> list[BoardStanding]:
        """``member``'s standing with up to ``before`` entries above it and ``after`` below
        (``[]`` when it has no score there). O(log n + before + after)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_around(
                org, board_id, member, before, after, interval
            )

    def board_among(
        self, org: int, board_id: str, members: Iterable[str], *, interval: str | None = None
    ) -> list[BoardStanding]:
        """The standings of those of ``members`` with a score (a friends board), in rank
        order, each ranked on the whole board. O(m + k log n)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_among(org, board_id, members, interval)

    def board_rank(
        self, org: int, board_id: str, member: str, *, interval: str | None = None
    ) -> BoardStanding | None:
        """``member``'s standing (rank, score, submissions), or ``None`` without a score.
        O(log n)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_rank(org, board_id, member, interval)

    def board_payouts(self, org: int, board_id: str, interval: str) -> tuple[Payout, ...] | None:
        """What interval ``interval`` paid (``()`` while open; ``None``: no such interval).
        O(payouts)."""
        with self._lock:
            self._sync()
            return self._state.campaigns.board_payouts(org, board_id, interval)

    def orgs(self) -> tuple[Org, ...]:
        """Every registered org, in the order they were added. O(orgs)."""
        with self._lock:
            self._check_usable()
            return tuple(self._state.tenants)

    # -- loyalty (Capillary-style targets, enrollments, badge groups) ---------------------------
    # Every method below takes ``org``: the acting org's id (its own data, ``DATA-SCOPE:
    # SELF``) or a :class:`~rankcore.loyalty.Scope` (``OTHER`` / ``ALL``). An entity outside
    # the scope behaves exactly like one that does not exist. See ``docs/loyalty.md``.

    def add_customer(
        self,
        org: int | Scope,
        customer_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        mobile: str | None = None,
        email: str | None = None,
        gender: str | None = None,
        birthday: object = None,
        anniversary: object = None,
    ) -> Customer:
        """Register a customer of ``org`` with its enrichment profile (``None``: never
        captured; ``birthday``/``anniversary`` may be ``datetime.date``). O(1).
        """
        profile = CustomerProfile(
            first_name, last_name, mobile, email, gender, birthday, anniversary
        )
        return self._execute(
            AddCustomer(org, customer_id, *(value for _, value in profile.items()))
        )

    def update_customer(
        self, org: int | Scope, customer_id: int, profile: CustomerProfile
    ) -> Customer:
        """Replace the profile of a customer of ``org`` (310011 if unknown). O(1)."""
        if not isinstance(profile, CustomerProfile):
            raise InvalidArgumentType(
                f"profile must be a CustomerProfile, not {type(profile).__name__}"
            )
        return self._execute(UpdateCustomer(org, customer_id, profile))

    def customer(self, org: int | Scope, customer_id: int) -> Customer | None:
        """The customer with this id in scope, or ``None``. O(orgs in scope)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.customer(org, customer_id)

    def customers(self, org: int | Scope, *, offset: int = 0, limit: int = 100) -> list[Customer]:
        """A page of ``org``'s customers in registration order. O(offset + limit)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.customers(org, offset, limit)

    def create_target_group(
        self,
        org: int | Scope,
        group_id: int,
        name: str,
        *,
        active: bool = True,
        leaderboard: bool = True,
    ) -> TargetGroup:
        """Create a target group of ``org``; ids are unique across the engine. O(1)."""
        return self._execute(CreateTargetGroup(org, group_id, name, active, leaderboard))

    def set_target_group_active(self, org: int | Scope, group_id: int, active: bool) -> TargetGroup:
        """(De)activate a target group; a deactivated one counts nothing and is frozen. O(1)."""
        return self._execute(SetTargetGroupActive(org, group_id, active))

    def target_group(self, org: int | Scope, group_id: int) -> TargetGroup | None:
        """The target group with this id in scope (active or not), or ``None``. O(1)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.target_group(org, group_id)

    def add_period(
        self,
        org: int | Scope,
        group_id: int,
        period_id: int,
        *,
        ref_code: str,
        name: str,
        start: datetime,
        end: datetime,
    ) -> Period:
        """Add the period ``[start, end)`` to a target group (no overlaps; unique name).

        A period already over when added is born closed. O(periods of the group).
        """
        return self._execute(AddPeriod(org, group_id, period_id, ref_code, name, start, end))

    def periods(self, org: int | Scope, group_id: int) -> list[Period]:
        """A target group's periods in time order. O(periods)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.periods(org, group_id)

    def current_period(self, org: int | Scope, group_id: int) -> Period | None:
        """The target group's period containing the engine's time, or ``None``. O(log p)."""
        with self._lock:
            now = self._sync()
            return self._state.loyalty.current_period(org, group_id, now)

    def add_target(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        *,
        name: str,
        type: TargetType | str,
        metric: str,
        value: Score,
        streak_length: int | None = None,
        leaderboard: bool = True,
        ties: TiePolicy | str = TiePolicy.ORDINAL,
        order: Order | str = Order.DESC,
        enrollment: EnrollmentMode | str = EnrollmentMode.AUTO,
    ) -> Target:
        """Add a ``MILESTONE`` or ``STREAK`` target tracking ``metric`` to a target group.

        ``value``: the per-period total to reach; ``streak_length``: consecutive periods a
        streak needs; ``enrollment``: ``auto`` (first activity enrolls) or ``explicit``.
        ``ties`` defaults to ordinal, as Capillary's leaderboards rank (ties by the time the
        value was reached). O(1).
        """
        return self._execute(
            AddTarget(
                org,
                group_id,
                target_id,
                name,
                type,
                metric,
                value,
                streak_length,
                leaderboard,
                ties,
                order,
                enrollment,
            )
        )

    def targets(self, org: int | Scope, group_id: int) -> list[Target]:
        """A target group's targets in creation order. O(targets)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.targets(org, group_id)

    def record_activity(
        self,
        org: int | Scope,
        customer: int,
        metric: str,
        value: Score,
        at: datetime | None = None,
        event_id: str | int | None = None,
    ) -> ActivityResult:
        """Count an activity of a customer of ``org`` towards every target on ``metric``
        it takes part in, in the period containing ``at`` (default: now).

        A repeated ``event_id`` is a duplicate and changes nothing. Raises
        :class:`~rankcore.loyalty.PeriodClosed` for a period already closed and
        :class:`~rankcore.InvalidArgument` for a time in the future; publishes
        :class:`~rankcore.loyalty.MilestoneReached` and
        :class:`~rankcore.loyalty.StreakAchieved`. O(t log n) for t targets on the metric.
        """
        return self._execute(RecordActivity(org, customer, metric, value, at, event_id))

    def record_activities(
        self, org: int | Scope, activities: Iterable[ActivityInput]
    ) -> BatchResult:
        """Count a batch of activities of customers of ``org``, in order, under one lock, at
        one instant, as one journal record (one fsync) or one log entry.

        Each activity is a mapping with ``customer``, ``metric``, ``value`` and optional
        ``at`` and ``event_id`` (the arguments of :meth:`record_activity`), or a tuple
        ``(customer, metric, value[, at[, event_id]])``. The result equals recording them
        one by one in batch order: a repeated ``event_id`` (also within the batch) is a
        duplicate; an activity the domain refuses (unknown customer, closed period, a time
        in the future, an event id reused for another activity) is reported by position in
        :attr:`BatchResult.refusals` and changes nothing, and the others are applied. A
        malformed activity (a field of the wrong type or out of bounds, an unknown key) or
        more than :data:`~rankcore.commands.MAX_BATCH` activities refuse the whole call
        with :class:`~rankcore.InvalidArgument` (or :class:`~rankcore.InvalidArgumentType`)
        naming the position, changing nothing. Nothing is journalled for a batch that
        changed nothing. O(b t log n) for b activities and t targets on their metrics.
        """
        return self._execute(RecordActivities(org, _activity_items(activities)))

    def enroll(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None = None,
        initial_balance: Score | None = None,
        reset_streak: bool | None = None,
    ) -> EnrollmentStatus:
        """Enroll or re-enroll a customer in a target (Capillary's enroll API).

        Milestones need ``period_name``; ``initial_balance`` sets the achieved value (on a
        re-enroll, ``None`` resumes). Streaks cover every period; ``reset_streak`` restarts a
        re-enrolled streak at 0. ``DATA-SCOPE: ALL`` is refused (310141). O(log n).
        """
        return self._execute(
            Enroll(
                org, group_id, target_id, customer_id, period_name, initial_balance, reset_streak
            )
        )

    def unenroll(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        customer_id: int,
        *,
        period_name: str | None = None,
    ) -> EnrollmentStatus:
        """Unenroll a customer (milestones: from ``period_name``); it leaves the open board
        and accrues nothing until re-enrolled. O(log n).
        """
        return self._execute(Unenroll(org, group_id, target_id, customer_id, period_name))

    def milestone_progress(
        self, org: int | Scope, group_id: int, target_id: int, customer_id: int, period_id: int
    ) -> MilestoneProgress:
        """A customer's achieved value on a milestone in one period. O(1)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.milestone_progress(
                org, group_id, target_id, customer_id, period_id
            )

    def streak_progress(
        self, org: int | Scope, group_id: int, target_id: int, customer_id: int
    ) -> StreakProgress:
        """A customer's streak count on a streak target. O(1)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.streak_progress(org, group_id, target_id, customer_id)

    def target_leaderboard(
        self,
        org: int | Scope,
        group_id: int,
        target_id: int,
        *,
        period_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> TargetLeaderboard:
        """A page of a target's leaderboard in a period (default: the current one), as
        Capillary's leaderboard API reports it. ``offset`` counts entries from 0.
        O(log n + limit).
        """
        with self._lock:
            now = self._sync()
            return self._state.loyalty.target_leaderboard(
                org,
                group_id,
                target_id,
                period_id=period_id,
                offset=offset,
                limit=limit,
                now=now,
            )

    def user_rankings(
        self,
        org: int | Scope,
        customer_id: int,
        wanted: Sequence[tuple[int | None, int, int, int | None]] | None = None,
        *,
        limit: int = 25,
    ) -> list[UserRanking]:
        """A customer's places on target leaderboards (Capillary's user ranks read):
        ``wanted`` lists ``(org or None, group id, target id, period id or None)``; ``None``
        means every leaderboard-enabled target in scope, in its current period, at most
        ``limit``. Boards the customer is not on are left out. O(w log n) for w boards.
        """
        with self._lock:
            now = self._sync()
            return self._state.loyalty.user_rankings(
                org,
                customer_id,
                None if wanted is None else list(_items(wanted, "wanted")),
                limit=check_id(limit, "limit"),
                now=now,
            )

    def create_badge_group(
        self, org: int | Scope, name: str | None, rank: int | None, *, user: int
    ) -> BadgeGroup:
        """Create a badge group of ``org`` on behalf of ``user`` (733 if the name is taken,
        732 without a rank); its id is 24 hex digits from the seeded generator. O(1).
        """
        return self._execute(CreateBadgeGroup(org, name, rank, user))

    def badge_groups(self, org: int | Scope) -> list[BadgeGroup]:
        """The badge groups in scope, by rank then creation order. O(g log g)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.badge_groups(org)

    def badge_group(self, org: int | Scope, group_id: str) -> BadgeGroup | None:
        """The badge group with this id in scope, or ``None``. O(g)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.badge_group(org, group_id)

    def target_groups(self, org: int | Scope) -> list[TargetGroup]:
        """The target groups in scope (active or not), by id. O(g log g)."""
        with self._lock:
            self._sync()
            return self._state.loyalty.target_groups(org)

    # -- persistence (snapshots, journal) -------------------------------------------------------
    # Domains export plain state (``to_state``) and rebuild from it (``from_state``); the
    # formats live in ``rankcore.persistence`` and are described in ``docs/durability.md``.

    @property
    def recovery(self) -> RecoveryReport | None:
        """What opening on a journal restored and replayed (``None`` without a journal)."""
        return self._recovery

    def snapshot(self) -> bytes:
        """The engine's whole state as snapshot bytes (the same state gives the same bytes).

        Refused with :class:`~rankcore.JournalError` once a journal append has failed (the
        state then holds a change the caller was told failed). O(size of the state).
        """
        with self._lock:
            self._check_consistent()
            return encode_snapshot(self._to_state())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write a snapshot of everything the engine holds to ``path``, atomically
        (temporary file, fsync, rename): a crash during the save leaves the previous file
        intact. Subscriptions are not saved. Raises :class:`~rankcore.PersistenceError`
        naming ``path`` if the file system refuses. O(size of the state).
        """
        with self._lock:
            self._check_consistent()
            write_atomic(_path(path), encode_snapshot(self._to_state()))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> Engine:
        """An engine with the state saved at ``path``.

        A newer format version (:class:`~rankcore.persistence.errors.SnapshotVersionError`),
        a truncated, corrupted or malformed file
        (:class:`~rankcore.persistence.errors.SnapshotCorrupted`) is refused before anything
        is built. Without ``clock``, a saved manual clock comes back at its saved time and a
        system clock as a new system clock; a manual ``clock`` earlier than the saved time is
        moved forward to it. O(size of the state).
        """
        state = read_snapshot(_path(path))
        engine = cls(clock=clock)
        with engine._lock:
            engine._restore(state, clock, f"snapshot {os.fspath(path)!r}")
        return engine

    def checkpoint(self) -> None:
        """Write the journal's snapshot (``<journal>.snapshot``) and start a fresh journal.

        Recovery then replays only what follows. Raises :class:`InvalidArgument` for an
        engine without a journal, and :class:`~rankcore.PersistenceError` if the snapshot
        cannot be written (the engine keeps its journal and goes on). On a replica, stores
        the snapshot in the log with the entry it covers and trims the stream before it
        (unless a later checkpoint is stored already). O(size of the state).
        """
        with self._lock:
            self._check_usable()
            if self._replica is not None:
                if self._position is not None:
                    self._replica.store_snapshot(self._position, encode_snapshot(self._to_state()))
                return
            journal = self._journal
            if journal is None:
                raise InvalidArgument("checkpoint() needs an engine opened with a journal")
            self._checkpoint(journal)

    def _checkpoint(self, journal: Journal) -> None:
        write_atomic(_snapshot_path(journal.path), encode_snapshot(self._to_state()))
        try:
            journal.reset(self._journal_seq)
        except JournalError as exc:
            self._failed = exc  # the journal's file is gone from under it
            raise
        self._since_checkpoint = 0

    def close(self) -> None:
        """fsync and close the journal (if any), stop its background fsync and release its
        lock. A journalled engine is then finished: every later mutation or read raises
        :class:`~rankcore.persistence.errors.JournalError` (open a new one on the journal);
        :meth:`snapshot` and :meth:`save` still work. A replica stops following its log and
        closes its connections. Idempotent."""
        if self._replica is not None and not self._closed:
            self._stop.set()
            if self._follower is not None:
                self._follower.join()
            with self._lock:
                self._closed = True
                self._replica.close()
            return
        with self._lock:
            if self._journal is not None and not self._closed:
                self._closed = True
                try:
                    self._journal.close()
                except OSError as exc:
                    self._failed = JournalError(
                        f"cannot close journal {os.fspath(self._journal.path)!r}: {exc.strerror}"
                    )
                    raise self._failed from None

    def _check_usable(self) -> None:
        self._check_consistent()
        if self._closed:
            raise JournalError("the engine's journal is closed; open a new engine on it")

    def _check_consistent(self) -> None:
        if self._failed is not None:
            raise JournalError(f"the engine no longer accepts operations: {self._failed}")

    def _to_state(self) -> dict[str, object]:
        clock = self._clock
        version, internal, gauss = self._ids.getstate()
        state: dict[str, object] = {
            "engine": {
                "journal_seq": self._journal_seq,
                "clock": (
                    {"kind": "manual", "now": encode_time(clock.now())}
                    if isinstance(clock, ManualClock)
                    else {"kind": "system"}
                ),
                "ids": [version, list(internal), gauss],
                "log_position": self._position,
            },
            **self._state.to_state(),
        }
        return state

    def _restore(self, state: Any, clock: Clock | None, source: str) -> None:
        """Replace everything by ``state``; builds it all first and checks that it writes
        back the state it was built from, so a malformed state changes nothing and is
        refused whole (:class:`SnapshotCorrupted`)."""
        try:
            meta = state["engine"]
            version, internal, gauss = meta["ids"]
            ids_state = (version, tuple(internal), gauss)
            probe = IdGenerator()
            probe.setstate(ids_state)  # checks the state before it replaces ours
            restored = State.from_state(state, self._ids)
            seq = meta["journal_seq"]
            if type(seq) is not int or seq < 0:
                raise ValueError("bad journal sequence")
            position = meta.get("log_position")
            if position is not None and not isinstance(position, str):
                raise ValueError("bad log position")
            saved = meta["clock"]
            saved_now = decode_time(saved["now"]) if saved["kind"] == "manual" else None
            if saved_now is not None:
                require_aware(saved_now, "the saved clock's time")  # within 1970 to 3000
        except Exception as exc:  # whatever a malformed value makes a builder raise
            raise SnapshotCorrupted(f"{source} holds malformed state: {exc!r}") from None
        self._ids.setstate(ids_state)
        self._state = restored
        self._due_known = False
        self._journal_seq = seq
        self._position = position
        self._clock = _restored_clock(clock, saved_now)

    def _open_journal(
        self,
        path: str | os.PathLike[str],
        policy: FsyncPolicy,
        interval: float,
        clock: Clock | None,
        replay_events: bool,
    ) -> None:
        """Lock the journal at ``path``, then recover from it (and its snapshot) or start
        one. The lock is released if recovery fails."""
        path = _path(path)
        lock = JournalLock(path)
        try:
            with self._lock:
                self._recover(path, lock, policy, interval, clock, replay_events)
        except BaseException:
            lock.release()
            raise

    def _recover(
        self,
        path: str,
        lock: JournalLock,
        policy: FsyncPolicy,
        interval: float,
        clock: Clock | None,
        replay_events: bool,
    ) -> None:
        snapshot = _snapshot_path(path)
        if not os.path.exists(snapshot):
            if os.path.exists(path):
                raise JournalCorrupted(f"journal {path!r} has no snapshot {snapshot!r}")
            write_atomic(snapshot, encode_snapshot(self._to_state()))
            self._journal = Journal.create(path, self._journal_seq, policy, interval, lock)
            self._recovery = RecoveryReport(False, 0)
            return
        self._restore(read_snapshot(snapshot), clock, f"snapshot {snapshot!r}")
        held = self._journal_seq
        if not os.path.exists(path):
            if held > 0:
                raise JournalCorrupted(
                    f"journal {path!r} is missing, but its snapshot {snapshot!r} has seen"
                    f" {held} mutations: what followed them cannot be recovered"
                )
            self._journal = Journal.create(path, held, policy, interval, lock)
            self._recovery = RecoveryReport(True, 0)
            return
        scan = scan_journal(path)
        if scan.after > held:
            raise JournalCorrupted(
                f"journal {path!r} follows mutation {scan.after}, but its snapshot holds"
                f" only {held}"
            )
        replayed, mutations, events = self._replay(scan, replay_events)
        problem = scan.problem
        if scan.last < held:  # a checkpoint was cut short after its snapshot was written
            problem = (
                f"the journal ends at mutation {scan.last}, behind its snapshot ({held}):"
                f" a checkpoint was interrupted; the journal was started afresh at {held}"
            )
            self._journal = Journal.create(path, held, policy, interval, lock)
        else:
            self._journal = Journal.resume(path, scan, policy, interval, lock)
        self._recovery = RecoveryReport(
            True, replayed, scan.dropped_bytes, problem, tuple(events), mutations
        )
        if self._checkpoint_every is not None and mutations >= self._checkpoint_every:
            self._checkpoint(self._journal)

    def _replay(self, scan: JournalScan, keep: bool) -> tuple[int, int, list[object]]:
        """Apply the journal's commands after the snapshot through the write path, each at
        its recorded instant, publishing nothing (the events were delivered before the
        crash). Streams the file; returns how many records were applied, the mutations they
        held (a batch record counts its activities) and the events."""
        real_clock, real_events = self._clock, self._events
        replay_clock: ManualClock | None = None
        events: list[object] = []
        bus = EventBus()
        if keep:
            bus.subscribe(object, events.append)
        self._events, self._replaying = bus, True
        replayed = mutations = 0
        try:
            for record in scan:
                if record["n"] <= self._journal_seq:
                    continue  # already in the snapshot
                try:
                    t = decode_time(record.get("t"))
                    command = decode_command(record.get("op"), record.get("args"))
                except (TypeError, ValueError) as exc:
                    raise JournalCorrupted(
                        f"journal {scan.name!r}: record {record['n']} is malformed: {exc}"
                    ) from None
                if replay_clock is None:
                    replay_clock = ManualClock(t)
                    self._clock = replay_clock
                elif t > replay_clock.now():
                    replay_clock.set(t)
                try:
                    self._execute(command)
                except Exception as exc:
                    raise JournalCorrupted(
                        f"journal {scan.name!r}: record {record['n']} ({command.op}) cannot be"
                        f" replayed: {exc!r}"
                    ) from exc
                self._journal_seq = record["n"]
                replayed += 1
                mutations += _mutations(command)
        finally:
            self._replaying = False
            self._events = real_events
            self._clock = real_clock
            self._last_now = None  # the replay's clock is not the one read from now on
            if replay_clock is not None:
                recovered = replay_clock.now()
                if isinstance(real_clock, ManualClock) and real_clock.now() < recovered:
                    real_clock.set(recovered)
        return replayed, mutations, events


def _mutations(command: Command[Any]) -> int:
    """What a command's record counts for checkpoints and recovery: a batch its activities,
    anything else one. O(1)."""
    if isinstance(command, RecordActivities):
        return len(command.activities)
    if isinstance(command, SubmitMany):
        return len(command.entries)
    if isinstance(command, AwardMany):
        return len(command.awards)
    return 1


def _later(entry: str, position: str | None) -> bool:
    """Whether stream entry ``entry`` comes after ``position`` (``None``: the start)."""
    if position is None:
        return True
    ms, _, seq = entry.partition("-")
    last_ms, _, last_seq = position.partition("-")
    return (int(ms), int(seq)) > (int(last_ms), int(last_seq))


def _path(path: object) -> str:
    """A file path argument as text; :class:`InvalidArgumentType` for anything else."""
    if isinstance(path, (str, os.PathLike)):
        text = os.fspath(path)
        if isinstance(text, str) and text and "\0" not in text:
            return text
    raise InvalidArgumentType(f"a path must be a non-empty str or os.PathLike, not {path!r:.80}")


def _snapshot_path(journal: str | os.PathLike[str]) -> str:
    return os.fspath(journal) + ".snapshot"


def _items(values: object, name: str) -> tuple[Any, ...]:
    """An iterable argument as a tuple (a command holds values, not iterators)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise InvalidArgumentType(f"{name} must be a list, not {type(values).__name__}")
    return tuple(values)


_ACTIVITY_KEYS: Final = ("customer", "metric", "value", "at", "event_id")


def _activity_items(activities: object) -> tuple[ActivityItem, ...]:
    """A batch argument as ``(customer, metric, value, at, event_id)`` tuples; the fields
    themselves are checked when the batch is applied. O(batch)."""
    if isinstance(activities, (str, bytes, Mapping)) or not isinstance(activities, Iterable):
        raise InvalidArgumentType(f"activities must be a list, not {type(activities).__name__}")
    items: list[ActivityItem] = []
    for position, item in enumerate(activities):
        if len(items) >= MAX_BATCH:
            raise InvalidArgument(f"a batch holds at most {MAX_BATCH:,} activities")
        if type(item) is tuple and len(item) == 5:
            items.append(item)
        elif isinstance(item, (tuple, list)) and 3 <= len(item) <= 5:
            items.append(cast(ActivityItem, (*item, None, None)[:5]))
        elif isinstance(item, Mapping):
            unknown = [key for key in item if key not in _ACTIVITY_KEYS]
            if unknown:
                raise InvalidArgument(f"activities[{position}] has an unknown key {unknown[0]!r}")
            missing = [key for key in _ACTIVITY_KEYS[:3] if key not in item]
            if missing:
                raise InvalidArgument(f"activities[{position}] has no {missing[0]!r}")
            items.append(cast(ActivityItem, tuple(item.get(key) for key in _ACTIVITY_KEYS)))
        else:
            raise InvalidArgumentType(
                f"activities[{position}] must be a mapping or a (customer, metric, value[, at"
                f"[, event_id]]) tuple, not {type(item).__name__}"
            )
    return tuple(items)


_AWARD_KEYS: Final = ("source_id", "points", "at", "event_id")


def _award_items(awards: object) -> tuple[tuple[Any, Any, Any, Any], ...]:
    """A batch of awards as ``(source_id, points, at, event_id)`` tuples; the fields
    themselves are checked when the batch is applied. O(batch)."""
    if isinstance(awards, (str, bytes, Mapping)) or not isinstance(awards, Iterable):
        raise InvalidArgumentType(f"awards must be a list, not {type(awards).__name__}")
    items: list[tuple[Any, Any, Any, Any]] = []
    for position, item in enumerate(awards):
        if len(items) >= MAX_BATCH:
            raise InvalidArgument(f"a batch holds at most {MAX_BATCH:,} awards")
        if type(item) is tuple and len(item) == 4:
            items.append(item)
        elif isinstance(item, (tuple, list)) and 2 <= len(item) <= 4:
            items.append(cast(tuple[Any, Any, Any, Any], (*item, None, None)[:4]))
        elif isinstance(item, Mapping):
            unknown = [key for key in item if key not in _AWARD_KEYS]
            if unknown:
                raise InvalidArgument(f"awards[{position}] has an unknown key {unknown[0]!r}")
            missing = [key for key in _AWARD_KEYS[:2] if key not in item]
            if missing:
                raise InvalidArgument(f"awards[{position}] has no {missing[0]!r}")
            items.append(cast(tuple[Any, Any, Any, Any], tuple(item.get(k) for k in _AWARD_KEYS)))
        else:
            raise InvalidArgumentType(
                f"awards[{position}] must be a mapping or a (source_id, points[, at[, event_id]])"
                f" tuple, not {type(item).__name__}"
            )
    return tuple(items)


def _seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidArgumentType(f"seed must be an int, not {type(seed).__name__}")
    return seed


def _checkpoint_every(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(
            f"checkpoint_every must be an int or None, not {type(value).__name__}"
        )
    if value < 1:
        raise InvalidArgument(f"checkpoint_every must be at least 1, got {value}")
    return value


def _restored_clock(clock: Clock | None, saved_now: datetime | None) -> Clock:
    """The clock of a restored engine: ``clock`` if given (a manual one moved forward to the
    saved time), else the saved kind."""
    if clock is None:
        return SystemClock() if saved_now is None else ManualClock(saved_now)
    if isinstance(clock, ManualClock) and saved_now is not None and clock.now() < saved_now:
        clock.set(saved_now)
    return clock
