"""Feedback packets (意见汇总 / 反馈报告): the content model and its exports (pure: no web or database).

- :mod:`liaison.packets.model`: frozen dataclasses (Packet, Point, …) with ``to_dict``/``from_dict``.
- :mod:`liaison.packets.export_json`: ``packet_to_json``, ``validate`` (JSON Schema ``liaison.packet/1``).
- :mod:`liaison.packets.export_docx`: ``packet_to_docx`` (official-document style after GB/T 9704).
- :mod:`liaison.packets.export_xlsx`: ``packet_to_xlsx`` (意见汇总表, 全部意见, 统计情况).

The exporters are imported lazily (python-docx and openpyxl are only loaded when used).
See docs/packet-format.md.
"""

from __future__ import annotations

from typing import Any

from liaison.packets.model import (
    SCHEMA,
    ArticleSection,
    Example,
    KeyQuestion,
    Packet,
    Point,
    Sections,
    Statistics,
    contributor_view,
)

__all__ = [
    "SCHEMA",
    "ArticleSection",
    "Example",
    "KeyQuestion",
    "Packet",
    "Point",
    "Sections",
    "Statistics",
    "contributor_view",
    "packet_to_docx",
    "packet_to_json",
    "packet_to_xlsx",
    "validate",
]

_LAZY = {
    "packet_to_json": "liaison.packets.export_json",
    "validate": "liaison.packets.export_json",
    "packet_to_docx": "liaison.packets.export_docx",
    "packet_to_xlsx": "liaison.packets.export_xlsx",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
