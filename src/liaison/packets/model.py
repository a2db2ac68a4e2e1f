"""The content of a feedback packet (意见汇总 / 反馈报告): frozen, versioned, pure.

A packet is compiled once per version (v1, v2 …) from a draft's opinions and clusters and never
changes afterwards. This module only describes it; compiling it from the database lives
elsewhere, and the exporters (JSON, DOCX, XLSX) read it.

``to_dict()`` gives the JSON form documented in ``docs/packet-format.md`` (schema
``liaison.packet/1``); ``Packet.from_dict(packet.to_dict()) == packet`` for every packet whose
contributor details: a "masked" packet masks names and phones when it is built (whatever the
compiler passed in), and masking is idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from liaison.core.privacy import mask_name, mask_phone
from liaison.opinions.validation import CHANNEL_LABELS

__all__ = [
    "CHANNEL_LABELS",
    "CONTRIBUTOR_FIELDS",
    "MAX_EXAMPLES",
    "PERSONAL_DATA_MODES",
    "SCHEMA",
    "STANCES",
    "STANCE_LABELS",
    "ArticleSection",
    "Example",
    "KeyQuestion",
    "Packet",
    "Point",
    "Sections",
    "Statistics",
    "channel_label",
    "contributor_view",
    "point_index",
]

SCHEMA = "liaison.packet/1"
MAX_EXAMPLES = 3
PERSONAL_DATA_MODES = ("masked", "full")
#: Stances of a point: the analysis stances plus "mixed" for a cluster whose members disagree.
STANCES = ("support", "oppose", "amend", "question", "mixed")
STANCE_LABELS: dict[str, str] = {
    "support": "赞成",
    "oppose": "反对",
    "amend": "修改建议",
    "question": "疑问",
    "mixed": "意见不一",
}
#: Contributor details an example may carry; only name and phone are masked (region and
#: occupation are coarse and useful to the reader of the packet).
CONTRIBUTOR_FIELDS = ("name", "phone", "occupation", "region")

PersonalData = Literal["masked", "full"]


def channel_label(channel: str) -> str:
    """Chinese name of an opinion channel (``online`` → 网上征求意见); unknown ones pass through."""
    # The packet is a Chinese document for the congress, whatever language the compiling officer reads.
    return CHANNEL_LABELS.source(channel) if channel in CHANNEL_LABELS else channel


def contributor_view(contributor: Mapping[str, Any] | None, personal_data: str) -> dict[str, str] | None:
    """The contributor details a packet shows: masked (张*, 138****1234) unless ``personal_data == "full"``.

    Keeps only :data:`CONTRIBUTOR_FIELDS` with non-empty values; ``None`` when nothing is left.
    Masking is idempotent, so masking an already masked dict changes nothing.
    """
    if not contributor:
        return None
    out: dict[str, str] = {}
    for key in CONTRIBUTOR_FIELDS:
        value = contributor.get(key)
        if value is None:
            continue
        value = str(value).strip()
        if not value:
            continue
        if personal_data != "full":
            if key == "name":
                value = mask_name(value)
            elif key == "phone":
                value = mask_phone(value)
        out[key] = value
    return out or None


def _counts(value: Mapping[str, Any] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in (value or {}).items()}


@dataclass(frozen=True)
class Example:
    """One verbatim opinion quoted under a point."""

    text: str
    suggestion: str | None = None
    reason: str | None = None
    contributor: dict[str, str] | None = None
    channel: str | None = None
    office: str | None = None

    def __post_init__(self) -> None:
        # Keep only the known, non-empty contributor fields (no masking here: the packet decides).
        object.__setattr__(self, "contributor", contributor_view(self.contributor, "full"))

    def masked(self) -> Example:
        return replace(self, contributor=contributor_view(self.contributor, "masked"))

    def to_dict(self, personal_data: str = "masked") -> dict[str, Any]:
        return {
            "text": self.text,
            "suggestion": self.suggestion,
            "reason": self.reason,
            "contributor": contributor_view(self.contributor, personal_data),
            "channel": self.channel,
            "office": self.office,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Example:
        contributor = data.get("contributor")
        return cls(
            text=data["text"],
            suggestion=data.get("suggestion"),
            reason=data.get("reason"),
            contributor=dict(contributor) if contributor else None,
            channel=data.get("channel"),
            office=data.get("office"),
        )


@dataclass(frozen=True)
class Point:
    """One point (归并意见): a cluster of opinions that say the same thing, or a single opinion."""

    id: str
    summary: str | None
    representative_text: str
    count: int
    people: int
    stance: str | None = None
    channels: dict[str, int] = field(default_factory=dict)
    offices: dict[str, int] = field(default_factory=dict)
    activities: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    #: Placeholder for the outcome (采纳情况) recorded after the law passes; always None in v1 packets.
    adoption: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", _counts(self.channels))
        object.__setattr__(self, "offices", _counts(self.offices))
        object.__setattr__(self, "activities", tuple(self.activities))
        object.__setattr__(self, "examples", tuple(self.examples))
        if len(self.examples) > MAX_EXAMPLES:
            raise ValueError(f"point {self.id}: at most {MAX_EXAMPLES} examples, got {len(self.examples)}")
        if self.count < 1 or self.people < 1:
            raise ValueError(f"point {self.id}: count and people must be at least 1")
        if self.people > self.count:
            raise ValueError(f"point {self.id}: people ({self.people}) cannot exceed count ({self.count})")
        if self.stance is not None and self.stance not in STANCES:
            raise ValueError(f"point {self.id}: unknown stance {self.stance!r}")

    @property
    def text(self) -> str:
        """What the packet says for this point: the staff summary, else the representative opinion."""
        return (self.summary or "").strip() or self.representative_text

    def to_dict(self, personal_data: str = "masked") -> dict[str, Any]:
        return {
            "id": self.id,
            "summary": self.summary,
            "representative_text": self.representative_text,
            "count": self.count,
            "people": self.people,
            "stance": self.stance,
            "channels": dict(self.channels),
            "offices": dict(self.offices),
            "activities": list(self.activities),
            "examples": [e.to_dict(personal_data) for e in self.examples],
            "adoption": self.adoption,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Point:
        return cls(
            id=data["id"],
            summary=data.get("summary"),
            representative_text=data["representative_text"],
            count=int(data["count"]),
            people=int(data["people"]),
            stance=data.get("stance"),
            channels=_counts(data.get("channels")),
            offices=_counts(data.get("offices")),
            activities=tuple(data.get("activities") or ()),
            examples=tuple(Example.from_dict(e) for e in data.get("examples") or ()),
            adoption=data.get("adoption"),
        )


@dataclass(frozen=True)
class ArticleSection:
    """The points about one article (条), in the draft's order."""

    number: int
    label: str  # 第十二条
    chapter: str | None  # 第二章　管理 (None when the draft has no chapters)
    text: str  # the article's text as consulted on
    points: tuple[Point, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", tuple(self.points))

    def to_dict(self, personal_data: str = "masked") -> dict[str, Any]:
        return {
            "number": self.number,
            "label": self.label,
            "chapter": self.chapter,
            "text": self.text,
            "points": [p.to_dict(personal_data) for p in self.points],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleSection:
        return cls(
            number=int(data["number"]),
            label=data["label"],
            chapter=data.get("chapter"),
            text=data["text"],
            points=tuple(Point.from_dict(p) for p in data.get("points") or ()),
        )


@dataclass(frozen=True)
class Sections:
    """General comments (总体意见) first, then article by article."""

    general: tuple[Point, ...] = ()
    articles: tuple[ArticleSection, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "general", tuple(self.general))
        object.__setattr__(self, "articles", tuple(self.articles))

    def to_dict(self, personal_data: str = "masked") -> dict[str, Any]:
        return {
            "general": [p.to_dict(personal_data) for p in self.general],
            "articles": [a.to_dict(personal_data) for a in self.articles],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sections:
        return cls(
            general=tuple(Point.from_dict(p) for p in data.get("general") or ()),
            articles=tuple(ArticleSection.from_dict(a) for a in data.get("articles") or ()),
        )


@dataclass(frozen=True)
class KeyQuestion:
    """A key question (重点问题) the draft asked, with the points that answer it (by point id)."""

    question: str
    points: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", tuple(self.points))

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "points": list(self.points)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyQuestion:
        return cls(question=data["question"], points=tuple(data.get("points") or ()))


@dataclass(frozen=True)
class Statistics:
    """Counts over every opinion received for the draft up to compilation.

    ``collected = kept + unscreened + set_aside``; set-aside opinions are counted here and
    never listed. ``merged`` counts opinions folded into a point with other opinions (members
    of clusters of size ≥ 2 beyond the first). The ``by_*`` counts are over the opinions in
    the packet (kept and unscreened), keyed by channel code, office name and article label
    (``总体意见`` for general comments), in the order the compiler chose.
    """

    collected: int
    kept: int
    unscreened: int
    set_aside: int
    merged: int
    by_channel: dict[str, int] = field(default_factory=dict)
    by_office: dict[str, int] = field(default_factory=dict)
    by_article: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("by_channel", "by_office", "by_article"):
            object.__setattr__(self, name, _counts(getattr(self, name)))
        if self.collected != self.kept + self.unscreened + self.set_aside:
            raise ValueError("statistics: collected must equal kept + unscreened + set_aside")

    @property
    def included(self) -> int:
        """Opinions the packet is built from (kept and unscreened)."""
        return self.kept + self.unscreened

    def to_dict(self) -> dict[str, Any]:
        return {
            "collected": self.collected,
            "kept": self.kept,
            "unscreened": self.unscreened,
            "set_aside": self.set_aside,
            "merged": self.merged,
            "by_channel": dict(self.by_channel),
            "by_office": dict(self.by_office),
            "by_article": dict(self.by_article),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Statistics:
        return cls(
            collected=int(data["collected"]),
            kept=int(data["kept"]),
            unscreened=int(data["unscreened"]),
            set_aside=int(data["set_aside"]),
            merged=int(data["merged"]),
            by_channel=_counts(data.get("by_channel")),
            by_office=_counts(data.get("by_office")),
            by_article=_counts(data.get("by_article")),
        )


@dataclass(frozen=True)
class Packet:
    """A frozen, numbered compilation of a draft's points (v1, v2 …)."""

    version: int
    station: dict[str, Any]  # {"name": ..., "id": ...}
    draft: dict[str, Any]  # {"slug", "title", "issuer", "round", "version"}
    compiled_at: datetime
    compiled_by: str
    personal_data: PersonalData
    sections: Sections
    statistics: Statistics
    key_questions: tuple[KeyQuestion, ...] = ()
    schema: str = SCHEMA

    def __post_init__(self) -> None:
        object.__setattr__(self, "station", dict(self.station))
        object.__setattr__(self, "draft", dict(self.draft))
        object.__setattr__(self, "key_questions", tuple(self.key_questions))
        if self.version < 1:
            raise ValueError("packet version starts at 1")
        if self.personal_data not in PERSONAL_DATA_MODES:
            raise ValueError(f"personal_data must be one of {PERSONAL_DATA_MODES}")
        if self.compiled_at.tzinfo is None:
            raise ValueError("compiled_at must be timezone-aware")
        if self.personal_data == "masked":
            # A masked packet never holds full personal data, whatever the compiler passed in.
            object.__setattr__(self, "sections", _masked_sections(self.sections))
        ids = [p.id for p in self.points()]
        if len(ids) != len(set(ids)):
            raise ValueError("point ids must be unique within a packet")
        known = set(ids)
        for kq in self.key_questions:
            missing = [pid for pid in kq.points if pid not in known]
            if missing:
                raise ValueError(f"key question {kq.question!r} refers to unknown points {missing}")

    @property
    def label(self) -> str:
        return f"v{self.version}"

    def points(self) -> list[Point]:
        """Every point, general ones first, then article by article."""
        out = list(self.sections.general)
        for article in self.sections.articles:
            out.extend(article.points)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "version": self.version,
            "station": dict(self.station),
            "draft": dict(self.draft),
            "compiled_at": self.compiled_at.isoformat(),
            "compiled_by": self.compiled_by,
            "personal_data": self.personal_data,
            "sections": self.sections.to_dict(self.personal_data),
            "key_questions": [k.to_dict() for k in self.key_questions],
            "statistics": self.statistics.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Packet:
        compiled_at = data["compiled_at"]
        if isinstance(compiled_at, str):
            compiled_at = datetime.fromisoformat(compiled_at.replace("Z", "+00:00"))
        return cls(
            schema=data.get("schema", SCHEMA),
            version=int(data["version"]),
            station=dict(data["station"]),
            draft=dict(data["draft"]),
            compiled_at=compiled_at,
            compiled_by=data["compiled_by"],
            personal_data=data["personal_data"],
            sections=Sections.from_dict(data["sections"]),
            key_questions=tuple(KeyQuestion.from_dict(k) for k in data.get("key_questions") or ()),
            statistics=Statistics.from_dict(data["statistics"]),
        )


def _masked_point(point: Point) -> Point:
    return replace(point, examples=tuple(e.masked() for e in point.examples))


def _masked_sections(sections: Sections) -> Sections:
    return Sections(
        general=tuple(_masked_point(p) for p in sections.general),
        articles=tuple(replace(a, points=tuple(_masked_point(p) for p in a.points)) for a in sections.articles),
    )


def point_index(packet: Packet) -> dict[str, tuple[str, int]]:
    """``point id → (where, n)``: the section label (总体意见 or 第十二条) and the point's 1-based number there."""
    out: dict[str, tuple[str, int]] = {}
    for n, p in enumerate(packet.sections.general, 1):
        out[p.id] = ("总体意见", n)
    for article in packet.sections.articles:
        for n, p in enumerate(article.points, 1):
            out[p.id] = (article.label, n)
    return out

