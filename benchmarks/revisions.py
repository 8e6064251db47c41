"""Child processes running the ``rankcore`` of a chosen tree: this one, or a past revision
taken out of the repository's history.

``python -c`` puts the working directory first on ``sys.path``, so a child started from the
repository would import this tree whatever was meant. :func:`spawn` therefore starts every
child in its tree with that tree on ``PYTHONPATH``, and :func:`check_import` checks the
path a child reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

BASELINE = "5c89750"
"""The last revision before batch ingestion: the code issue #14 measured."""

HERE = Path(__file__).resolve().parent.parent
"""This tree: the repository holding this script."""


def checkout(revision: str, folder: Path) -> Path:
    """``revision``'s ``rankcore`` package, unpacked into ``folder`` with ``git archive``;
    returns ``folder``. Exits with git's message when the revision is not in the history
    (a shallow clone)."""
    done = subprocess.run(
        ["git", "-C", str(HERE), "archive", "--format=tar", revision, "rankcore"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"git archive {revision} failed: {done.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(done.stdout)) as archive:
        archive.extractall(folder, filter="data")
    return folder


def spawn(tree: Path, code: str, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """``python -c code args`` importing ``rankcore`` from ``tree``; ``popen`` goes to
    :class:`subprocess.Popen` (text mode)."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        **popen,
    )


def run(tree: Path, code: str, *args: str) -> str:
    """The output of ``python -c code args`` importing ``rankcore`` from ``tree``; exits
    with the child's error when it fails."""
    child = spawn(tree, code, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    if child.returncode != 0:
        sys.exit(f"a child for {tree} failed:\n{err}")
    return out


def check_import(tree: Path, source: str) -> None:
    """Exit unless ``source`` (a child's ``rankcore.__file__``) lies in ``tree``."""
    if not Path(source).is_relative_to(tree):
        sys.exit(f"a child for {tree} imported rankcore from {source}")
