"""All the machine's tags for one opinion, and how staff decisions combine with them (pure).

:class:`DraftTagger` bundles, for one draft, what tagging needs — the taxonomy, the article
numbers and an :class:`~liaison.analysis.suggest.ArticleSuggester` per draft version, the draft's
title — so the analysis worker builds it once per draft and calls :meth:`DraftTagger.tags` per
opinion. :func:`effective_tags` reads stored rows (machine and person) back into what an opinion
*is* tagged with: a person's decision always wins, and the machine's own row stays stored beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from liaison.analysis.references import referenced_articles
from liaison.analysis.stance import STANCES, classify_stance
from liaison.analysis.suggest import ArticleSuggester
from liaison.analysis.tags import Tag, Taxonomy, sector_tag

__all__ = ["MACHINE_SOURCES", "SINGLE_KINDS", "STANCES", "DraftTagger", "EffectiveTags", "effective_tags"]

#: Kinds an opinion has at most one of; topics are many.
SINGLE_KINDS = ("stance", "sector", "article")
MACHINE_SOURCES = ("rule", "suggestion")
#: Below this an article suggestion is not worth showing (about one in eight right, see suggest.py).
SUGGESTION_FLOOR = 0.3
_STANCE_TAGS: dict[tuple[str, float], Tag] = {}


class DraftTagger:
    """The machine's tags for opinions on one draft.

    Args:
        taxonomy: the draft's topics.
        versions: for each draft version number, its articles as ``(number, text)``.
        title: the draft's title, so 《某市养犬管理条例》第十条 reads as the draft's own article.
    """

    def __init__(self, taxonomy: Taxonomy, versions: Mapping[int, Sequence[tuple[int, str]]], title: str = ""):
        self.taxonomy = taxonomy
        self.title = title or None
        self._articles = {v: list(arts) for v, arts in versions.items()}
        self._valid = {v: {n for n, _ in arts} for v, arts in self._articles.items()}
        self._suggesters: dict[int, ArticleSuggester] = {}

    def _suggester(self, version: int) -> ArticleSuggester | None:
        if version not in self._articles:
            return None
        if version not in self._suggesters:  # built on first need: milliseconds per version
            self._suggesters[version] = ArticleSuggester(self._articles[version])
        return self._suggesters[version]

    def article_tag(self, text: str, version: int) -> Tag | None:
        """The article the text names (``rule``, 0.95) or, failing that, the suggester's guess
        (``suggestion``, its own confidence) when at least :data:`SUGGESTION_FLOOR`."""
        refs = referenced_articles(text, self._valid.get(version), draft_title=self.title)
        if refs:
            return Tag(str(refs[0]), "article", "rule", 0.95)
        suggester = self._suggester(version)
        guess = suggester.suggest(text) if suggester is not None else None
        if guess is not None and guess[1] >= SUGGESTION_FLOOR:
            return Tag(str(guess[0]), "article", "suggestion", round(guess[1], 2))
        return None

    def tags(self, text: str, *, version: int = 1, article: int | None = None,
             occupation: str | None = None) -> list[Tag]:
        """Stance, topics, sector and (when the opinion was filed under no article) an article."""
        found = classify_stance(text)
        stance_tag = _STANCE_TAGS.get(found)
        if stance_tag is None:  # Tags are immutable: one per (stance, confidence) serves all
            stance_tag = _STANCE_TAGS[found] = Tag(found[0], "stance", "rule", found[1])
        out = [stance_tag]
        out.extend(self.taxonomy.tag(text))
        sector = sector_tag(occupation)
        if sector is not None:
            out.append(sector)
        if article is None:
            art = self.article_tag(text, version)
            if art is not None:
                out.append(art)
        return out


@dataclass
class EffectiveTags:
    """What an opinion is tagged with once people's decisions are applied.

    Each entry is a :class:`Tag`; ``source == "person"`` marks a staff decision.
    """

    stance: Tag | None = None
    sector: Tag | None = None
    article: Tag | None = None
    topics: list[Tag] = field(default_factory=list)

    def get(self, kind: str) -> Tag | None:
        return {"stance": self.stance, "sector": self.sector, "article": self.article}.get(kind)

    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]


def effective_tags(rows: Iterable[Tag]) -> EffectiveTags:
    """Combine one opinion's stored tags.

    For stance, sector and article: a person's row (confidence > 0) wins, else the machine's most
    confident one. For topics: every person row with confidence > 0, and every machine topic that no
    person row names (a person row with confidence 0 is "not this topic").
    """
    rows = list(rows)
    out = EffectiveTags()
    for kind in SINGLE_KINDS:
        people = [t for t in rows if t.kind == kind and t.source == "person" and t.confidence > 0]
        machine = [t for t in rows if t.kind == kind and t.source in MACHINE_SOURCES]
        chosen = people[-1] if people else max(machine, key=lambda t: t.confidence, default=None)
        setattr(out, kind, chosen)
    decided = {t.name for t in rows if t.kind == "topic" and t.source == "person"}
    topics = [t for t in rows if t.kind == "topic" and (
        (t.source == "person" and t.confidence > 0) or (t.source in MACHINE_SOURCES and t.name not in decided))]
    topics.sort(key=lambda t: (-t.confidence, t.name))
    out.topics = topics
    return out
