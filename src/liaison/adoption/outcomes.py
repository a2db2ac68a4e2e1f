"""The outcome vocabulary, point keys and totals (pure: no web or database).

A point is what a feedback packet lists: a cluster (``c12``) or an opinion
standing alone (``o34``). Upper stations answer per point, so outcomes are
recorded per point key and fanned out to the opinions behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from liaison.core.errors import MAX_INT, Invalid
from liaison.i18n import N_, Labels, _

__all__ = [
    "ADOPTED_OUTCOMES",
    "MAX_FINAL_ARTICLE",
    "MAX_NOTE",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "SOURCES",
    "OutcomeInput",
    "Totals",
    "check_input",
    "parse_outcome",
    "parse_point_key",
    "totals",
]

#: Outcomes in the order pages list them.
OUTCOMES: tuple[str, ...] = ("adopted", "partly", "not_adopted", "pending")
OUTCOME_LABELS: Labels[str] = Labels({
    "adopted": N_("采纳"),
    "partly": N_("部分采纳"),
    "not_adopted": N_("未采纳"),
    "pending": N_("待定"),
})
#: Outcomes counted as adopted in the figures stations report (采纳 and 部分采纳).
ADOPTED_OUTCOMES: frozenset[str] = frozenset({"adopted", "partly"})
#: Who decided: an officer of this station, or the upper station whose answer was passed down.
SOURCES: tuple[str, ...] = ("person", "upstream")
MAX_NOTE = 2000
MAX_FINAL_ARTICLE = 50

_POINT_KEY = re.compile(r"^([co])(\d{1,10})$")


def parse_outcome(value: str, *, field: str = "outcome") -> str:
    """The outcome code for ``value``: a code (``adopted``) or its Chinese label (``采纳``)."""
    cleaned = (value or "").strip()
    if cleaned in OUTCOME_LABELS:
        return cleaned
    for code, label in OUTCOME_LABELS.items():
        if cleaned in (label, OUTCOME_LABELS.source(code)):  # the shown label, or the Chinese one
            return code
    choices = "、".join(f"{code}（{label}）" for code, label in OUTCOME_LABELS.items())
    raise Invalid(_("采纳情况“%(value)s”无效，应为 %(choices)s 之一") % {"value": cleaned, "choices": choices}, field=field)


def parse_point_key(value: str, *, field: str = "point") -> tuple[str, int]:
    """``("c", 12)`` for ``c12``: the kind (cluster or opinion) and its id."""
    match = _POINT_KEY.match((value or "").strip().lower())
    if match is None or not 0 < int(match.group(2)) <= MAX_INT:
        raise Invalid(_("意见编号“%(value)s”无效，应为 c12（归并组）或 o34（单条意见）这样的编号") % {"value": value}, field=field)
    return match.group(1), int(match.group(2))


@dataclass(frozen=True, slots=True)
class OutcomeInput:
    """One point's outcome as an officer or the upper station gives it."""

    point_key: str
    outcome: str
    note: str = ""
    final_article: str = ""


def check_input(item: OutcomeInput, *, prefix: str = "") -> OutcomeInput:
    """The input cleaned (codes normalised, text trimmed), or Invalid naming the field (with ``prefix``)."""
    kind, number = parse_point_key(item.point_key, field=f"{prefix}point_key" if prefix else "point")
    outcome = parse_outcome(item.outcome, field=f"{prefix}outcome")
    note = (item.note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(_("说明最多 %(max)s 字（现有 %(n)s 字）") % {"max": MAX_NOTE, "n": len(note)}, field=f"{prefix}note")
    final_article = (item.final_article or "").strip()
    if len(final_article) > MAX_FINAL_ARTICLE:
        raise Invalid(_("通过文本的条文最多 %(max)s 字，如“第十二条”") % {"max": MAX_FINAL_ARTICLE}, field=f"{prefix}final_article")
    return OutcomeInput(point_key=f"{kind}{number}", outcome=outcome, note=note, final_article=final_article)


@dataclass(slots=True)
class Totals:
    """The figures stations report: collected, submitted (sent up), adopted — plus the breakdown."""

    collected: int = 0
    submitted: int = 0
    adopted: int = 0
    opinions_by_outcome: dict[str, int] = field(default_factory=dict)
    points_by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def points_decided(self) -> int:
        return sum(n for code, n in self.points_by_outcome.items() if code != "pending")

    def as_dict(self) -> dict[str, object]:
        return {
            "collected": self.collected,
            "submitted": self.submitted,
            "adopted": self.adopted,
            "opinions_by_outcome": dict(self.opinions_by_outcome),
            "points_by_outcome": dict(self.points_by_outcome),
        }


def totals(collected: int, submitted: int, points: Iterable[tuple[str, int]]) -> Totals:
    """Totals from ``(outcome, opinions)`` per recorded point; adopted counts 采纳 and 部分采纳."""
    result = Totals(collected=collected, submitted=submitted,
                    opinions_by_outcome=dict.fromkeys(OUTCOMES, 0), points_by_outcome=dict.fromkeys(OUTCOMES, 0))
    for outcome, opinions in points:
        result.points_by_outcome[outcome] = result.points_by_outcome.get(outcome, 0) + 1
        result.opinions_by_outcome[outcome] = result.opinions_by_outcome.get(outcome, 0) + opinions
        if outcome in ADOPTED_OUTCOMES:
            result.adopted += opinions
    return result
