"""The replicated log on Redis: one stream of encoded commands, and its checkpoint snapshot.

Keys carry a hash tag (``{<prefix>:p0}:log``, ``{<prefix>:p0}:snapshot``) so that a partition's
stream and snapshot live in one slot of a Redis Cluster. Entries are ``XADD`` with one field,
``c``, the command's canonical JSON; Redis orders them, and every replica applies them in that
order (no consensus of rankcore's own). A checkpoint stores the snapshot with the entry it
covers and trims the stream before that entry, in one Lua script so that an older
checkpoint can never replace a newer one.

A URL's ``?partitions=N`` (default 1) names the deployment's partition count: partition
``k`` is the stream ``{<prefix>:p<k>}:log``, and the hash ``{<prefix>}:directory``
(:class:`RedisDirectory`) records which partition holds each org (see
:mod:`rankcore.partitioned`).

Needs the ``redis`` extra (redis-py, with hiredis): ``pip install 'rankcore[redis]'``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rankcore.errors import InvalidArgument
from rankcore.persistence.errors import LogUnavailable

__all__ = ["MAX_PARTITIONS", "RedisDirectory", "RedisLog", "partition_count"]

_STORE: Final = """
local function newer(a, b)
  if not b then return true end
  local ams, aseq = string.match(a, "(%d+)-(%d+)")
  local bms, bseq = string.match(b, "(%d+)-(%d+)")
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
end
local stored = redis.call("HGET", KEYS[1], "position")
if not newer(ARGV[1], stored) then return 0 end
redis.call("HSET", KEYS[1], "position", ARGV[1], "data", ARGV[2])
redis.call("XTRIM", KEYS[2], "MINID", ARGV[1])
return 1
"""
"""Store a snapshot only if it covers a later entry than the stored one, then trim."""


MAX_PARTITIONS: Final = 1024
"""The largest partition count a URL's ``?partitions=`` may name."""


def _settings(url: object) -> tuple[Any, dict[str, str], str, int]:
    """``url`` split, its query without rankcore's own options, its ``?prefix=`` and its
    ``?partitions=`` (refused with :class:`InvalidArgument` when malformed). O(len(url))."""
    if not isinstance(url, str):
        raise InvalidArgument(f"url must be a redis:// URL, not {type(url).__name__}")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    prefix = query.pop("prefix", "rankcore")
    if not prefix or any(c in prefix for c in "{}"):
        raise InvalidArgument(f"prefix must be non-empty and hold no braces, got {prefix!r}")
    count = query.pop("partitions", "1")
    if not count.isdigit() or not 1 <= int(count) <= MAX_PARTITIONS:
        raise InvalidArgument(
            f"partitions must be an integer from 1 to {MAX_PARTITIONS}, got {count!r}"
        )
    return parts, query, prefix, int(count)


def partition_count(url: str) -> int:
    """The deployment's partition count, from ``url``'s ``?partitions=N`` (default 1). O(1)."""
    return _settings(url)[3]


def _client(url: str) -> tuple[Any, str, int]:
    """A redis-py client for ``url``, the key prefix its ``?prefix=`` names and the partition
    count its ``?partitions=`` names."""
    try:
        import redis
        import redis.cluster
    except ImportError:  # pragma: no cover - the extra is installed in the test environment
        raise InvalidArgument(
            "a Redis log needs the 'redis' extra: pip install 'rankcore[redis]'"
        ) from None
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    parts, query, prefix, count = _settings(url)
    options: dict[str, Any] = {"socket_timeout": 10.0, "socket_connect_timeout": 5.0}
    if parts.scheme == "redis+cluster":
        plain = urlunsplit(("redis", parts.netloc, parts.path, urlencode(query), ""))
        return redis.cluster.RedisCluster.from_url(plain, **options), prefix, count
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise InvalidArgument(
            f"url must start with redis://, rediss:// or redis+cluster://, got {parts.scheme!r}"
        )
    plain = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    # No retries: a resent XADD whose first reply was lost would append the command twice;
    # a failure is LogUnavailable at once and the next call reconnects.
    options["retry"] = Retry(NoBackoff(), 0)
    return redis.Redis.from_url(plain, **options), prefix, count


@contextlib.contextmanager
def _reaching(name: str) -> Iterator[None]:
    """Every Redis failure in the caller's terms: :class:`LogUnavailable`."""
    import redis

    try:
        yield
    except redis.RedisError as exc:
        raise LogUnavailable(f"the Redis log {name!r} is unavailable: {exc}") from None


class RedisDirectory:
    """Which partition holds each org: the hash ``{<prefix>}:directory`` (a hash tag of its
    own), field the org id, value the partition number. An entry never changes once set.
    Every Redis failure is raised as :class:`LogUnavailable`."""

    def __init__(self, url: str) -> None:
        self._redis, prefix, self.partitions = _client(url)
        self.name = f"{prefix}:directory"
        self.key = "{" + prefix + "}:directory"

    def claim(self, org: int, partition: int) -> int:
        """Record ``org`` on ``partition`` unless it is recorded already (``HSETNX``), and
        return the partition it is recorded on. One pipelined round trip."""
        with _reaching(self.name):
            pipe = self._redis.pipeline(transaction=False)
            pipe.hsetnx(self.key, str(org), str(partition))
            pipe.hget(self.key, str(org))
            _, stored = pipe.execute()
        return int(stored)

    def lookup(self, org: int) -> int | None:
        """The partition ``org`` is recorded on, or ``None``. One round trip (``HGET``)."""
        with _reaching(self.name):
            stored = self._redis.hget(self.key, str(org))
        return None if stored is None else int(stored)

    def close(self) -> None:
        """Close the client's connections."""
        self._redis.close()


class RedisLog:
    """One partition's stream of commands on Redis. Thread-safe (redis-py pools its
    connections); every Redis failure is raised as :class:`LogUnavailable`."""

    def __init__(self, url: str, partition: int = 0) -> None:
        self._redis, prefix, count = _client(url)
        if isinstance(partition, bool) or not isinstance(partition, int):
            raise InvalidArgument(f"partition must be an int, not {type(partition).__name__}")
        if not 0 <= partition < count:
            raise InvalidArgument(f"partition must be in [0, {count}), got {partition}")
        self.partitions = count
        self.name = f"{prefix}:p{partition}"
        tag = "{" + self.name + "}"
        self.stream = f"{tag}:log"
        self.snapshot_key = f"{tag}:snapshot"
        self._store = self._redis.register_script(_STORE)
        # A cluster's pipeline finds the stream's master; a single server is spoken to on
        # one pooled connection, without the pipeline's bookkeeping (a write's hot path).
        self._pool = getattr(self._redis, "connection_pool", None)

    def _reaching(self) -> contextlib.AbstractContextManager[None]:
        """Every Redis failure in the caller's terms: :class:`LogUnavailable`."""
        return _reaching(self.name)

    def append_and_read(
        self, payload: bytes, position: str | None, count: int = 1000
    ) -> tuple[str, list[tuple[str, bytes]]]:
        """Append one encoded command and read up to ``count`` entries after ``position``
        (the new one among them, unless more than ``count`` came first), in one pipelined
        round trip (``XADD`` then ``XRANGE``); returns the new entry's id and the entries."""
        start = _after(position)
        with self._reaching():
            if self._pool is None:
                pipe = self._redis.pipeline(transaction=False)
                pipe.xadd(self.stream, {"c": payload})
                pipe.xrange(self.stream, min=start, max="+", count=count)
                entry, rows = pipe.execute()
                return _text(entry), _entries(rows)
            entry, rows = self._exchange(
                ("XADD", self.stream, "*", "c", payload),
                ("XRANGE", self.stream, start, "+", "COUNT", count),
            )
        # Unparsed XRANGE rows: [id, [field, value]], our one field "c".
        return _text(entry), [(_text(row[0]), row[1][1]) for row in rows]

    def _exchange(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Send ``commands`` on one pooled connection and read their replies: one round
        trip, never retried. A connection that failed midway is dropped, not reused."""
        pool = self._pool
        assert pool is not None
        connection = pool.get_connection()
        try:
            connection.send_packed_command(connection.pack_commands(commands))
            return [connection.read_response() for _ in commands]
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)

    def read_after(self, position: str | None, count: int = 1000) -> list[tuple[str, bytes]]:
        """Up to ``count`` entries after ``position`` (from the start for ``None``), in order.
        One round trip (``XRANGE``)."""
        with self._reaching():
            rows = self._redis.xrange(self.stream, min=_after(position), max="+", count=count)
        return _entries(rows)

    def wait(self, position: str | None, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until an entry after ``position`` exists (``XREAD
        BLOCK``); whether one does."""
        with self._reaching():
            rows = self._redis.xread(
                {self.stream: position or "0-0"}, count=1, block=int(timeout * 1000)
            )
        return bool(rows)

    def load_snapshot(self) -> tuple[str, bytes] | None:
        """The stored checkpoint: the entry it covers and the snapshot bytes, or ``None``."""
        with self._reaching():
            position, data = self._redis.hmget(self.snapshot_key, ["position", "data"])
        if position is None or data is None:
            return None
        return _text(position), data

    def store_snapshot(self, position: str, data: bytes) -> bool:
        """Store ``data`` as the checkpoint covering ``position`` and trim the stream before
        it, unless a checkpoint of a later entry is stored already; whether it was stored."""
        with self._reaching():
            stored = self._store(keys=[self.snapshot_key, self.stream], args=[position, data])
        return bool(stored)

    def close(self) -> None:
        """Close the client's connections."""
        self._redis.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _after(position: str | None) -> str:
    """The ``XRANGE`` start just after ``position`` (the stream's start for ``None``)."""
    return "-" if position is None else f"({position}"


def _entries(rows: list[Any]) -> list[tuple[str, bytes]]:
    return [(_text(entry), fields[b"c"]) for entry, fields in rows]
