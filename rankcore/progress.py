"""Progress reporting for long command-line runs, on stderr.

:func:`progress_bar` uses ``tqdm`` when it is installed (``pip install 'rankcore[progress]'``)
and otherwise a small built-in progress line. Either way nothing is shown unless the stream is
a terminal, so piped or captured output stays clean. Callers should report in batches (every
few thousand items): each report costs a little, but nothing between reports does.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, TextIO

__all__ = ["NullProgress", "Progress", "TextProgress", "progress_bar"]


class Progress(Protocol):
    """Something that shows how far a run of known length has got."""

    def update(self, n: int) -> None:
        """Report ``n`` more items done."""

    def close(self) -> None:
        """The run is over: finish the display."""


class NullProgress:
    """Shows nothing (output is not a terminal)."""

    def update(self, n: int) -> None:
        """Ignore the report. O(1)."""

    def close(self) -> None:
        """Nothing to finish. O(1)."""


class TextProgress:
    """A one-line progress display, rewritten in place with a carriage return.

    It redraws only when the whole percentage changes, so at most about a hundred writes
    happen whatever the length of the run.
    """

    def __init__(self, total: int, description: str, stream: TextIO, unit: str = "it") -> None:
        self._total = max(total, 0)
        self._description = description
        self._stream = stream
        self._unit = unit
        self._done = 0
        self._shown = -1

    @property
    def done(self) -> int:
        """Items reported so far. O(1)."""
        return self._done

    def update(self, n: int) -> None:
        """Report ``n`` more items; redraw if the percentage changed. O(1)."""
        self._done += n
        percent = 100 if self._total == 0 else min(100, self._done * 100 // self._total)
        if percent != self._shown:
            self._shown = percent
            self._stream.write(
                f"\r{self._description}: {percent:3d}% "
                f"({self._done:,}/{self._total:,} {self._unit})"
            )
            self._stream.flush()

    def close(self) -> None:
        """End the line. O(1)."""
        if self._shown >= 0:
            self._stream.write("\n")
            self._stream.flush()


def _tqdm() -> Any:
    """The ``tqdm`` class, or ``None`` when the optional dependency is not installed."""
    try:
        return importlib.import_module("tqdm").tqdm
    except ImportError:
        return None


def progress_bar(total: int, description: str, stream: TextIO, unit: str = "it") -> Progress:
    """A progress display for ``total`` items on ``stream``, shown only on a terminal. O(1)."""
    if not stream.isatty():
        return NullProgress()
    tqdm = _tqdm()
    if tqdm is not None:
        bar: Progress = tqdm(total=total, desc=description, unit=unit, file=stream)
        return bar
    return TextProgress(total, description, stream, unit)
