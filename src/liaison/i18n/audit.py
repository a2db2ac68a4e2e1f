"""Find interface text that bypasses the catalog.

A Chinese string written straight into a template would stay Chinese in every
locale; this walks each template's syntax tree and reports literal text with
Chinese characters that is not inside a translation call. The test suite runs
it (tests/test_i18n.py), so a new page cannot forget the i18n layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, nodes

__all__ = ["Untranslated", "untranslated_in_source", "untranslated_in_templates"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TRANSLATING = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "N_"})


@dataclass(frozen=True, slots=True)
class Untranslated:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text.strip()[:60]!r}"


def _environment() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def _walk(node: nodes.Node, name: str, inside_call: bool) -> Iterator[Untranslated]:
    if isinstance(node, nodes.TemplateData) and _HAN.search(node.data):
        yield Untranslated(name, node.lineno, node.data)
        return
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and not inside_call and _HAN.search(node.value):
        yield Untranslated(name, node.lineno, node.value)
        return
    translating = isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in _TRANSLATING
    for child in node.iter_child_nodes():
        yield from _walk(child, name, inside_call or translating)


def untranslated_in_source(source: str, name: str = "<string>") -> list[Untranslated]:
    """Chinese text in one template's source that no translation call covers."""
    return list(_walk(_environment().parse(source), name, False))


def untranslated_in_templates(root: Path) -> list[Untranslated]:
    found: list[Untranslated] = []
    for path in sorted(root.rglob("*.html")):
        found.extend(untranslated_in_source(path.read_text(encoding="utf-8"), str(path.relative_to(root))))
    return found


def gettext_shadowed_in(source: str, name: str = "<module>") -> list[str]:
    """Places in a module that import ``_`` (gettext) yet bind ``_`` themselves.

    ``for _, x in …`` or a parameter named ``_`` silently turns a later ``_("…")``
    in that scope into a call of something else; the test suite runs this on every module.
    """
    import ast

    tree = ast.parse(source)
    imports_gettext = any(
        isinstance(node, ast.ImportFrom) and node.module == "liaison.i18n" and any(a.name == "_" for a in node.names)
        for node in ast.walk(tree)
    )
    if not imports_gettext:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            found.append(f"{name}:{node.lineno}")
        elif isinstance(node, ast.arg) and node.arg == "_":
            found.append(f"{name}:{node.lineno}")
    return found
