"""Every code example in the README and docs runs, and every docstring example holds."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from servers import RedisServer

import rankcore

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_PYTHON = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_SHELL = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


_REDIS = "redis://127.0.0.1:6379"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_examples_run(page: Path, tmp_path: Path) -> None:
    """Blocks run in order in one namespace; a page whose examples reach Redis at
    ``redis://127.0.0.1:6379`` gets a real server of its own on a free port instead."""
    namespace: dict[str, object] = {"__name__": f"example_{page.stem}"}
    text = page.read_text()
    server = RedisServer(tmp_path / "redis").start() if _REDIS in text else None
    try:
        if server is not None:
            text = text.replace(_REDIS, f"redis://127.0.0.1:{server.port}")
        for block in _PYTHON.findall(text):
            exec(compile(block, str(page), "exec"), namespace)
    finally:
        if server is not None:
            server.stop()


_CONTINUES = re.compile(r"\A# continues\b")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_example_stands_alone_or_says_what_it_continues(page: Path, tmp_path: Path) -> None:
    """A block whose first line is a ``# continues ...`` comment runs after the blocks before
    it, in their namespace; every other block runs on its own, in a fresh namespace."""
    text = page.read_text()
    server = RedisServer(tmp_path / "redis").start() if _REDIS in text else None
    try:
        if server is not None:
            text = text.replace(_REDIS, f"redis://127.0.0.1:{server.port}")
        namespace: dict[str, object] = {}
        for block in _PYTHON.findall(text):
            if not _CONTINUES.match(block):
                namespace = {"__name__": f"example_{page.stem}"}
            exec(compile(block, str(page), "exec"), namespace)
    finally:
        if server is not None:
            server.stop()


def test_the_docs_site_lists_every_page_and_only_pages_that_exist() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    listed = re.findall(r"^\s*- (?:[^:\n]+: )?([\w/.-]+\.md)\s*$", config, re.M)
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert sorted(listed) == sorted(pages)
    assert "mkdocs build --strict" in (ROOT / ".ci" / "run").read_text()


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_second() -> None:
    commands = [b.strip() for b in _SHELL.findall((ROOT / "README.md").read_text())]
    assert len(commands) == 2
    assert commands[0].endswith("rankcore demo")
    assert commands[1].endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[1] in ci


MODULES = sorted(
    module.name
    for module in pkgutil.walk_packages(rankcore.__path__, "rankcore.")
    if not module.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
