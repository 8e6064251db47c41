"""What a user would pick instead of rankcore: a Redis sorted set, bare or through the PyPI
``leaderboard`` package, on a private ``redis-server`` that this module starts and stops.

The server listens on a free loopback port (127.0.0.1 only) with no persistence
(``--save "" --appendonly no``) and runs in a temporary directory; :func:`redis_server` stops
it on the way out, errors included. Every subject answers the same three calls as the
in-process ones: ``incr(member, delta) -> competition rank``, ``top(100)`` and
``around(member, 10, 10)``, each as a list of (member, score, competition rank).

Competition rank on a sorted set is ``ZCOUNT key (score +inf`` + 1 (Redis' own ``ZREVRANK``
is an ordinal rank). Inside a tie, Redis lists members by name, not by time reached.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

INSTALL_HINT = (
    "redis-server was not found: install it to compare against Redis "
    "(Debian/Ubuntu: sudo apt-get install redis-server; Fedora: sudo dnf install redis; "
    "macOS: brew install redis), or pass --redis-server PATH. "
    "Running the in-process subjects only."
)
CLIENT_HINT = (
    "the Python packages 'redis' and 'leaderboard' are needed for the Redis subjects: "
    "pip install -e '.[benchmarks]'. Running the in-process subjects only."
)
KEY = "board"
PACKAGE_KEY = "board-package"
_LOAD_BATCH = 10_000

Listing = list[tuple[Any, float, int]]


def find_server(path: str | None = None) -> str | None:
    """The redis-server binary: ``path`` if given and executable, else the one on PATH."""
    if path is not None:
        return path if shutil.which(path) else None
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if shutil.which("/usr/bin/redis-server") else None
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def redis_server(binary: str) -> Iterator[int]:
    """Run ``binary`` on a free loopback port without persistence; yield the port.

    Waits at most 10 s for the server to answer PING; always stops it afterwards.
    """
    import redis

    with tempfile.TemporaryDirectory(prefix="rankcore-bench-redis-") as workdir:
        port = _free_port()
        command = [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--save", "",
            "--appendonly", "no",
            "--dir", workdir,
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            client = redis.Redis(host="127.0.0.1", port=port)
            for _ in range(200):  # bounded: 200 * 50 ms
                if process.poll() is not None:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"redis-server exited at start: {error.strip()}")
                try:
                    if client.ping():
                        break
                except redis.ConnectionError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("redis-server did not answer PING within 10 s")
            client.close()
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stderr is not None:
                process.stderr.close()


def _ranked(rows: Sequence[tuple[bytes, float]], first_rank: int, start: int) -> Listing:
    """Competition ranks for consecutive rows starting at index ``start`` whose first row has
    rank ``first_rank``."""
    out: Listing = []
    rank = first_rank
    previous = None
    for i, (member, score) in enumerate(rows):
        if previous is not None and score != previous:
            rank = start + i + 1
        previous = score
        out.append((member, score, rank))
    return out


class RedisSubject:
    """A Redis sorted set through redis-py, one command per round trip."""

    def __init__(self, port: int, key: str = KEY) -> None:
        import redis

        self.client = redis.Redis(host="127.0.0.1", port=port)
        self.key = key

    def load(self, entries: Sequence[tuple[int, int]]) -> None:
        """Replace the set by ``entries`` (ZADD in pipelined batches)."""
        self.client.delete(self.key)
        for i in range(0, len(entries), _LOAD_BATCH):
            batch = entries[i : i + _LOAD_BATCH]
            self.client.zadd(self.key, {str(m): s for m, s in batch})

    def incr(self, member: int, delta: int) -> int:
        """ZINCRBY, then ZCOUNT of the strictly better scores: two round trips."""
        score = self.client.zincrby(self.key, delta, str(member))
        return int(self.client.zcount(self.key, f"({score!r}", "+inf")) + 1

    def incr_many(self, ops: Sequence[tuple[int, int]]) -> list[int]:
        """The same, pipelined: every ZINCRBY of ``ops`` in one round trip, then every
        ZCOUNT in another. A rank is then the one after the whole batch was applied."""
        pipe = self.client.pipeline(transaction=False)
        for member, delta in ops:
            pipe.zincrby(self.key, delta, str(member))
        scores = pipe.execute()
        for score in scores:
            pipe.zcount(self.key, f"({score!r}", "+inf")
        return [int(count) + 1 for count in pipe.execute()]

    def top(self, count: int) -> Listing:
        """ZREVRANGE 0 count-1 WITHSCORES; ranks computed here. One round trip."""
        rows = self.client.zrevrange(self.key, 0, count - 1, withscores=True)
        return _ranked(rows, 1, 0)

    def around(self, member: int, before: int, after: int) -> Listing:
        """ZREVRANK, ZREVRANGE WITHSCORES, and ZCOUNT for the first row's rank: three trips."""
        index = self.client.zrevrank(self.key, str(member))
        if index is None:
            return []
        start = max(0, index - before)
        rows = self.client.zrevrange(self.key, start, index + after, withscores=True)
        if not rows:
            return []
        first = int(self.client.zcount(self.key, f"({rows[0][1]!r}", "+inf")) + 1
        return _ranked(rows, first, start)

    def close(self) -> None:
        self.client.close()


class RedisScriptSubject(RedisSubject):
    """Submit + rank as one server-side Lua script: one round trip per call."""

    _SCRIPT = (
        "local s = redis.call('ZINCRBY', KEYS[1], ARGV[1], ARGV[2]) "
        "return redis.call('ZCOUNT', KEYS[1], '(' .. s, '+inf') + 1"
    )

    def __init__(self, port: int, key: str = KEY) -> None:
        super().__init__(port, key)
        self.script = self.client.register_script(self._SCRIPT)

    def incr(self, member: int, delta: int) -> int:
        return int(self.script(keys=[self.key], args=[delta, str(member)]))


class PackageSubject:
    """The PyPI ``leaderboard`` package's ``CompetitionRankingLeaderboard`` on the same
    server (its own key): ``rank_for``, ``top`` and ``around_me``.

    The package (3.7.3) writes with redis-py 2 argument orders (``zincrby(name, member,
    delta)``, ``zadd(name, member, score)``), which redis-py 3 and later reject or misread,
    so a submission here is redis-py's ``ZINCRBY`` (one round trip) followed by the
    package's ``rank_for`` (ZSCORE, then ZCOUNT: two more).
    """

    def __init__(self, port: int, key: str = PACKAGE_KEY) -> None:
        import redis
        from leaderboard.competition_ranking_leaderboard import CompetitionRankingLeaderboard

        self.connection = redis.Redis(host="127.0.0.1", port=port)
        self.board = CompetitionRankingLeaderboard(key, redis_connection=self.connection)
        self.key = key

    def copy_from(self, key: str) -> None:
        """Make this board a copy of the sorted set ``key`` (Redis COPY, server-side)."""
        self.connection.delete(self.key)
        self.connection.copy(key, self.key)

    def incr(self, member: int, delta: int) -> int:
        name = str(member)
        self.connection.zincrby(self.key, delta, name)
        return int(self.board.rank_for(name))

    def top(self, count: int) -> Listing:
        return [(row["member"], row["score"], row["rank"]) for row in self.board.top(count)]

    def around(self, member: int, before: int, after: int) -> Listing:
        rows = self.board.around_me(str(member), page_size=before + after + 1)
        return [(row["member"], row["score"], row["rank"]) for row in rows]

    def close(self) -> None:
        self.connection.close()
