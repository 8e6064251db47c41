"""A Griffe extension for the API reference: rankcore's docstrings are reStructuredText-ish
(doctest examples, ``:class:`` roles), which the reference renders as Markdown.

- a doctest example (``>>>`` lines and their output, up to a blank line) becomes a fenced
  ``pycon`` block, so that its output is not read as Markdown;
- a role such as ``:class:`~rankcore.Engine``` becomes inline code (``Engine``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match[2]
    if match[1]:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _fence(text: str) -> str:
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.lstrip()
        if not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class ReferenceDocstrings(griffe.Extension):
    """Rewrite each docstring for Markdown as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            value = _fence(obj.docstring.value)
            obj.docstring.value = _ROLE.sub(_role, value)
