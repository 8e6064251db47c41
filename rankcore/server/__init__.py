"""``rankcore serve``: a Starlette app over the router, with HTTP Basic auth, lifecycle
endpoints and Prometheus metrics (see ``docs/server.md``).

Needs the ``server`` extra (``pip install 'rankcore[server]'``) for :func:`create_app`;
:mod:`rankcore.server.auth` (password hashes, credentials) works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rankcore.server.auth import Credential, Credentials, CredentialsError, Principal, hash_password

if TYPE_CHECKING:
    from rankcore.server.app import create_app

__all__ = [
    "Credential",
    "Credentials",
    "CredentialsError",
    "Principal",
    "create_app",
    "hash_password",
]


def __getattr__(name: str) -> Any:
    """:func:`create_app` is imported on first use, so that importing the package (for
    :mod:`rankcore.server.auth`) needs no third-party package."""
    if name == "create_app":
        from rankcore.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
