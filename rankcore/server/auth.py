"""HTTP Basic authentication, as both vendors do it: password hashes, credentials, principals.

A credentials file is a JSON list of ``{"username", "password_hash", "org", "user"}``: a
Capillary user (``org`` and the user id that ``createdBy`` reports) or a Rehook API key
(username: the key, password: the secret; ``user`` may be left out and is then 0). Hashes
are ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` (:func:`hash_password`, ``rankcore
passwd``).

Verification compares in constant time (:func:`hmac.compare_digest`), and an unknown username
spends one scrypt as a known one does, so timing reveals neither. Successful verifications
are cached in memory, keyed by the username and the SHA-256 of the password, so that only
the first request of a principal pays for scrypt; failures are never cached.

This module needs no third-party package (``rankcore passwd`` works without the ``server``
extra).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.validate import check_id

__all__ = [
    "SCHEME",
    "Credential",
    "Credentials",
    "CredentialsError",
    "Principal",
    "hash_password",
    "parse_basic",
    "verify_password",
]

SCHEME: Final = "scrypt"
DEFAULT_N: Final = 2**15
"""scrypt's CPU/memory cost: 32 MiB and about 0.2 s per hash on a 2020s core."""
DEFAULT_R: Final = 8
DEFAULT_P: Final = 1
SALT_BYTES: Final = 16
HASH_BYTES: Final = 32
_MAX_N: Final = 2**20
_MAX_R: Final = 32
_MAX_P: Final = 16


class CredentialsError(InvalidArgument):
    """A credentials file or a password hash that cannot be used; the message says where."""


@attrs.frozen
class Principal:
    """Who a request acts as: the tenant (``org``) and the user id (``user``)."""

    org: int
    user: int


@attrs.frozen
class _Hash:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    maxmem = 129 * r * (n + p + 2) + (1 << 20)  # scrypt's working memory, with room to spare
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length)


def _check_params(n: int, r: int, p: int) -> None:
    if n < 2 or n > _MAX_N or n & (n - 1):
        raise CredentialsError(f"scrypt n must be a power of 2 from 2 to {_MAX_N}, got {n}")
    if not 1 <= r <= _MAX_R:
        raise CredentialsError(f"scrypt r must be from 1 to {_MAX_R}, got {r}")
    if not 1 <= p <= _MAX_P:
        raise CredentialsError(f"scrypt p must be from 1 to {_MAX_P}, got {p}")


def hash_password(
    password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P
) -> str:
    """``password``'s hash, ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, with a random
    16-byte salt (so two hashes of one password differ). O(n * r * p).

    >>> encoded = hash_password("s3cret", n=16)
    >>> encoded.startswith("scrypt$16$8$1$")
    True
    >>> verify_password("s3cret", encoded), verify_password("S3cret", encoded)
    (True, False)
    """
    _check_params(n, r, p)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password.encode("utf-8"), salt, n, r, p, HASH_BYTES)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _parse_hash(encoded: str) -> _Hash:
    """The parts of an encoded hash; :class:`CredentialsError` says what is wrong."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise CredentialsError("a password hash must read scrypt$<n>$<r>$<p>$<salt>$<hash>")
    numbers = parts[1:4]
    if not all(text.isascii() and text.isdigit() and len(text) <= 8 for text in numbers):
        raise CredentialsError("scrypt n, r and p must be decimal integers")
    n, r, p = (int(text) for text in numbers)
    _check_params(n, r, p)
    try:
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError):
        raise CredentialsError("the salt and the hash must be base64") from None
    if not salt or len(salt) > 64:
        raise CredentialsError("the salt must hold 1 to 64 bytes")
    if not 16 <= len(digest) <= 64:
        raise CredentialsError("the hash must hold 16 to 64 bytes")
    return _Hash(n, r, p, salt, digest)


def _matches(password: str, stored: _Hash) -> bool:
    computed = _scrypt(
        password.encode("utf-8", "surrogatepass"),
        stored.salt,
        stored.n,
        stored.r,
        stored.p,
        len(stored.digest),
    )
    return hmac.compare_digest(computed, stored.digest)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` has the hash ``encoded`` (constant-time comparison). Raises
    :class:`CredentialsError` for a malformed hash. O(the hash's n * r * p)."""
    return _matches(password, _parse_hash(encoded))


@attrs.frozen
class Credential:
    """One entry of a credentials file: who ``username`` acts as once verified."""

    username: str
    password_hash: str = attrs.field(repr=False)
    principal: Principal


def _entry(value: object, where: str) -> Credential:
    if not isinstance(value, Mapping):
        raise CredentialsError(f"{where}: an entry must be a JSON object")
    unknown = sorted(set(value) - {"username", "password_hash", "org", "user"})
    if unknown:
        raise CredentialsError(f"{where}: unknown field {unknown[0]!r}")
    username = value.get("username")
    if not isinstance(username, str) or not username or ":" in username:
        raise CredentialsError(f"{where}.username: a non-empty string without ':' is required")
    encoded = value.get("password_hash")
    if not isinstance(encoded, str):
        raise CredentialsError(f"{where}.password_hash: a string is required")
    try:
        _parse_hash(encoded)
        org = check_id(value.get("org"), "org")
        user = check_id(value.get("user", 0), "user")
    except (InvalidArgument, InvalidArgumentType) as exc:
        raise CredentialsError(f"{where}: {exc}") from None
    return Credential(username, encoded, Principal(org, user))


class Credentials:
    """The principals a server accepts, by username. Safe to use from several threads.

    >>> creds = Credentials([Credential("ann", hash_password("pw", n=16), Principal(7, 1))])
    >>> creds.verify("ann", "pw"), creds.verify("ann", "nope"), creds.verify("bob", "pw")
    (Principal(org=7, user=1), None, None)
    """

    def __init__(self, entries: Iterable[Credential]) -> None:
        self._entries: dict[str, tuple[Principal, _Hash]] = {}
        for entry in entries:
            if entry.username in self._entries:
                raise CredentialsError(f"username {entry.username!r} is listed twice")
            self._entries[entry.username] = (entry.principal, _parse_hash(entry.password_hash))
        # An unknown username is checked against this, with the parameters of a real entry,
        # so that it costs what a known one costs.
        first = next(iter(self._entries.values()), None)
        n, r, p = (first[1].n, first[1].r, first[1].p) if first else (DEFAULT_N, DEFAULT_R, 1)
        self._decoy = _parse_hash(hash_password(secrets.token_hex(16), n=n, r=r, p=p))
        self._verified: dict[tuple[str, bytes], Principal] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Credentials:
        """Read a credentials file (see the module). Raises :class:`CredentialsError` naming
        the entry and field for a file that cannot be used. O(entries)."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as file:
                document = json.loads(file.read().decode("utf-8"))
        except OSError as exc:
            raise CredentialsError(f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise CredentialsError("not UTF-8") from None
        except (ValueError, RecursionError) as exc:
            raise CredentialsError(f"not JSON: {exc}") from None
        if not isinstance(document, list):
            raise CredentialsError("the file must hold a JSON list of credentials")
        return cls(_entry(value, f"[{i}]") for i, value in enumerate(document))

    def __len__(self) -> int:
        return len(self._entries)

    def verify(self, username: str, password: str) -> Principal | None:
        """The principal of ``username`` if ``password`` is its password, else ``None``.

        A cached success costs one SHA-256; anything else one scrypt, whether the username
        is known or not.
        """
        key = (username, hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())
        cached = self._verified.get(key)
        if cached is not None:
            return cached
        known = self._entries.get(username)
        if known is None:
            _matches(password, self._decoy)
            return None
        principal, stored = known
        if not _matches(password, stored):
            return None
        with self._lock:
            self._verified[key] = principal
        return principal

    def cached(self, username: str, password: str) -> Principal | None:
        """The principal if this exact pair was verified before, else ``None``. O(1): one
        SHA-256, never scrypt (so the caller can skip a thread hop)."""
        key = (username, hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())
        return self._verified.get(key)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """The username and password of an ``Authorization: Basic ...`` header (RFC 7617,
    UTF-8), or ``None`` for a missing or malformed one.

    >>> parse_basic("Basic YW5uOnM6M2NyZXQ=")
    ('ann', 's:3cret')
    >>> parse_basic("Bearer abc") is None and parse_basic("Basic !!") is None
    True
    """
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    username, colon, password = text.partition(":")
    if not colon:
        return None
    return username, password
