"""Durability: snapshots, the write-ahead journal and the plain-state codec they share.

This package holds only I/O and encoding; it knows nothing of the engine or the domains.
The :class:`~rankcore.Engine` builds its state from the domains' ``to_state()`` methods and
hands it to :mod:`rankcore.persistence.snapshot`; it appends one journal record per accepted
mutation through :mod:`rankcore.persistence.journal`. The formats are described in
``docs/durability.md``.
"""

from __future__ import annotations
