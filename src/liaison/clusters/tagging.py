"""Tags stored per opinion (stance, topics, sector, article) and each draft's editable taxonomy.

The machine's tags are written by the analysis worker in the same transaction that assigns a
batch of opinions to clusters (see :func:`tag_batch`), and rewritten for a whole draft by
``liaison analysis rebuild``. Staff decisions are rows with ``source='person'``: the machine
never deletes or overwrites them, and :func:`liaison.analysis.opinion_tags.effective_tags` lets
them win. After a taxonomy edit the worker re-tags the draft's topics (machine rows only) in
bounded steps (:func:`retag_step`), so a draft of a million opinions never holds the database lock
for long.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from liaison.analysis.opinion_tags import MACHINE_SOURCES, STANCES, DraftTagger, EffectiveTags, effective_tags
from liaison.analysis.tags import SECTORS, Tag, Taxonomy, Topic, suggest_keywords
from liaison.audit import service as audit
from liaison.clusters.tables import OpinionTag, TopicTaxonomy
from liaison.core.errors import Conflict, Invalid, NotFound
from liaison.db import bulk_insert, transaction
from liaison.drafts.tables import Draft, DraftArticle, DraftVersion
from liaison.opinions.tables import Contributor, Opinion
from liaison.i18n import N_, Labels, _

__all__ = [
    "NONE", "SECTOR_NAMES", "STANCE_LABELS", "TagCache", "add_keyword", "article_numbers", "article_overrides",
    "clear_machine_tags", "delete_topic", "effective_article", "keyword_suggestions", "mark_tagged",
    "opinions_on_article", "opinions_tagged", "recount_articles", "retag_pending", "retag_progress", "retag_step",
    "retag_topics", "save_topic", "set_article", "set_sector", "set_stance", "set_topics", "tag_batch", "tags_of",
    "taxonomy_of",
]

log = logging.getLogger("liaison.tagging")
STANCE_LABELS = Labels({"support": N_("支持"), "oppose": N_("反对"), "amend": N_("修改"), "question": N_("疑问")})
#: A person's "no sector" / "no article (总体意见)": the value of their row, so it wins over the
#: machine's like any person's choice (a person row with confidence 0 would let the machine's show).
NONE = "none"
#: The sectors a person can choose: the machine's vocabulary, so filters see one set of names.
SECTOR_NAMES: tuple[str, ...] = tuple(SECTORS)
_COLUMNS = ["opinion", "draft", "kind", "value", "source", "confidence", "decided_by", "decided_at"]
_CHUNK = 1000
RETAG_STEP = 2000  # opinions re-tagged per transaction after a taxonomy edit
MAX_NAME = 50
MAX_KEYWORD = 30
MAX_KEYWORDS = 200
MAX_TOPICS = 100


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- taxonomy


async def _seed(draft_id: int) -> Taxonomy:
    """Topics from the chapters of the draft's current version (empty when it has none)."""
    from liaison.drafts.parser import DraftFormatError, parse_draft

    draft = await Draft.select(Draft.current_version).where(Draft.id == draft_id).first().run()
    if draft is None:
        raise NotFound(_("草案 %(id)s 不存在") % {"id": draft_id}, field="draft")
    version = await DraftVersion.select(DraftVersion.source_text).where(
        (DraftVersion.draft == draft_id) & (DraftVersion.number == draft["current_version"])
    ).first().run()
    if version is None:
        return Taxonomy([])
    try:
        return Taxonomy.from_draft(parse_draft(version["source_text"]))
    except DraftFormatError:  # imported once, so this should not happen; start empty rather than fail
        log.warning("draft %s: current version no longer parses; empty taxonomy", draft_id)
        return Taxonomy([])


async def taxonomy_of(draft_id: int) -> tuple[Taxonomy, int]:
    """The draft's taxonomy and its revision; seeded from the chapter names on first use."""
    row = await TopicTaxonomy.select(TopicTaxonomy.topics, TopicTaxonomy.revision).where(
        TopicTaxonomy.draft == draft_id).output(load_json=True).first().run()
    if row is None:
        seeded = await _seed(draft_id)
        # another process may seed it at the same moment (the draft is unique): keep the first
        await TopicTaxonomy.insert(TopicTaxonomy(draft=draft_id, topics=seeded.to_dict(), revision=1,
                                                 updated_by="seed")).on_conflict(action="DO NOTHING").run()
        row = await TopicTaxonomy.select(TopicTaxonomy.topics, TopicTaxonomy.revision).where(
            TopicTaxonomy.draft == draft_id).output(load_json=True).first().run()
    return Taxonomy.from_dict(row["topics"]), row["revision"]


def _clean_keywords(raw: str | Iterable[str]) -> list[str]:
    words = raw.replace("，", ",").replace("、", ",").replace("\n", ",").split(",") if isinstance(raw, str) else raw
    out: list[str] = []
    for w in words:
        w = w.strip()
        if not w:
            continue
        if len(w) > MAX_KEYWORD:
            raise Invalid(_("关键词“%(word)s…”太长：每个关键词最多 %(max)s 字") % {"word": w[:10], "max": MAX_KEYWORD},
                          field="keywords")
        if w not in out:
            out.append(w)
    if len(out) > MAX_KEYWORDS:
        raise Invalid(_("一个主题最多 %(max)s 个关键词") % {"max": MAX_KEYWORDS}, field="keywords")
    return out


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("请填写主题名称"), field="name")
    if len(name) > MAX_NAME:
        raise Invalid(_("主题名称最多 %(max)s 字") % {"max": MAX_NAME}, field="name")
    return name


async def _store(draft_id: int, taxonomy: Taxonomy, revision: int, actor: str, action: str,
                 before: dict[str, Any], after: dict[str, Any], *, renamed: tuple[str, str] | None = None,
                 removed: str | None = None) -> None:
    """Save an edited taxonomy, refusing if someone saved another edit meanwhile.

    The worker then re-tags the draft's topics (:func:`retag_step`); a renamed topic's rows are
    renamed here, people's included, and a deleted topic's rows go.
    """
    async with transaction():
        current = await TopicTaxonomy.select(TopicTaxonomy.revision).where(
            TopicTaxonomy.draft == draft_id).first().run()
        if current is None or current["revision"] != revision:
            raise Conflict(_("主题分类刚被其他人修改过，请刷新页面后再改"), field="revision")
        await TopicTaxonomy.update({
            TopicTaxonomy.topics: taxonomy.to_dict(), TopicTaxonomy.revision: revision + 1,
            TopicTaxonomy.retag_after: 0, TopicTaxonomy.updated_by: actor, TopicTaxonomy.updated_at: _now(),
        }).where(TopicTaxonomy.draft == draft_id).run()
        topic_rows = (OpinionTag.draft == draft_id) & (OpinionTag.kind == "topic")
        if renamed is not None:  # people's decisions follow the topic to its new name
            await OpinionTag.update({OpinionTag.value: renamed[1]}).where(
                topic_rows & (OpinionTag.value == renamed[0])).run()
        if removed is not None:
            await OpinionTag.delete().where(topic_rows & (OpinionTag.value == removed)).run()
        await audit.record("draft", draft_id, f"taxonomy_{action}", actor, before=before, after=after)


async def save_topic(draft_id: int, revision: int, original: str | None, name: str, keywords: str | Iterable[str],
                     actor: str) -> None:
    """Add a topic (``original`` None) or rename it and replace its keywords (the worker re-tags)."""
    taxonomy, _revision = await taxonomy_of(draft_id)
    name = _clean_name(name)
    words = _clean_keywords(keywords)
    names = [t.name for t in taxonomy.topics]
    if original is None:
        if name in names:
            raise Invalid(_("已有主题“%(name)s”") % {"name": name}, field="name")
        if len(names) >= MAX_TOPICS:
            raise Invalid(_("一部草案最多 %(max)s 个主题") % {"max": MAX_TOPICS}, field="name")
        taxonomy.topics.append(Topic(name, words))
        return await _store(draft_id, taxonomy, revision, actor, "add", {}, {"name": name, "keywords": words})
    if original not in names:
        raise NotFound(_("没有主题“%(name)s”") % {"name": original}, field="original")
    if name != original and name in names:
        raise Invalid(_("已有主题“%(name)s”") % {"name": name}, field="name")
    topic = taxonomy.topics[names.index(original)]
    before = topic.to_dict()
    topic.name, topic.keywords = name, words
    return await _store(draft_id, taxonomy, revision, actor, "edit", before, topic.to_dict(),
                        renamed=(original, name) if name != original else None)


async def add_keyword(draft_id: int, revision: int, topic_name: str, word: str, actor: str) -> None:
    """Add one suggested keyword to a topic."""
    taxonomy, _revision = await taxonomy_of(draft_id)
    topic = next((t for t in taxonomy.topics if t.name == topic_name), None)
    if topic is None:
        raise NotFound(_("没有主题“%(name)s”") % {"name": topic_name}, field="topic")
    return await save_topic(draft_id, revision, topic.name, topic.name, [*topic.keywords, *_clean_keywords([word])],
                            actor)


async def delete_topic(draft_id: int, revision: int, name: str, actor: str) -> None:
    """Remove a topic and every tag of it (people's included: the topic no longer exists)."""
    taxonomy, _revision = await taxonomy_of(draft_id)
    kept = [t for t in taxonomy.topics if t.name != name]
    if len(kept) == len(taxonomy.topics):
        raise NotFound(_("没有主题“%(name)s”") % {"name": name}, field="name")
    removed = next(t for t in taxonomy.topics if t.name == name)
    return await _store(draft_id, Taxonomy(kept), revision, actor, "delete", removed.to_dict(), {}, removed=name)


async def keyword_suggestions(draft_id: int, *, top: int = 40, limit: int = 20_000) -> list[tuple[str, int]]:
    """Frequent words of the draft's latest ``limit`` opinions that no topic has yet, with counts."""
    taxonomy, _revision = await taxonomy_of(draft_id)
    rows = await Opinion.select(Opinion.text).where(Opinion.draft == draft_id).order_by(
        Opinion.id, ascending=False).limit(limit).run()
    known = {k for t in taxonomy.topics for k in t.keywords} | {t.name for t in taxonomy.topics}
    ranked = suggest_keywords((r["text"] for r in rows), draft_terms=known, top=top + len(known))
    return [(w, n) for w, n in ranked if w not in known][:top]


# ---------------------------------------------------------------- machine tags


async def _draft_tagger(draft_id: int, taxonomy: Taxonomy) -> DraftTagger:
    draft = await Draft.select(Draft.title).where(Draft.id == draft_id).first().run()
    versions = await DraftVersion.select(DraftVersion.id, DraftVersion.number).where(
        DraftVersion.draft == draft_id).run()
    number_of = {v["id"]: v["number"] for v in versions}
    articles: dict[int, list[tuple[int, str]]] = {n: [] for n in number_of.values()}
    if number_of:
        for a in await DraftArticle.select(DraftArticle.version, DraftArticle.number, DraftArticle.text).where(
            DraftArticle.version.is_in(list(number_of))
        ).order_by(DraftArticle.position).run():
            articles[number_of[a["version"]]].append((a["number"], a["text"]))
    return DraftTagger(taxonomy, articles, draft["title"] if draft else "")


class TagCache:
    """The worker's taggers, one per draft, rebuilt when the taxonomy's revision changes."""

    def __init__(self) -> None:
        self._taggers: dict[int, tuple[int, DraftTagger]] = {}

    async def tagger(self, draft_id: int) -> DraftTagger:
        taxonomy, revision = await taxonomy_of(draft_id)
        cached = self._taggers.get(draft_id)
        if cached is not None and cached[0] == revision:
            return cached[1]
        if cached is not None:  # only the topics changed: keep the article suggesters
            cached[1].taxonomy = taxonomy
            tagger = cached[1]
        else:
            tagger = await _draft_tagger(draft_id, taxonomy)
        self._taggers[draft_id] = (revision, tagger)
        return tagger

    def forget(self, draft_id: int) -> None:
        self._taggers.pop(draft_id, None)


async def _stored_values(opinion_ids: Sequence[int]) -> tuple[set[tuple[int, str, str]], bool]:
    """The (opinion, kind, value) a person decided for these opinions, and whether the machine has
    rows for them already (a taxonomy edit tags opinions the worker has not reached yet)."""
    decided: set[tuple[int, str, str]] = set()
    machine = False
    for start in range(0, len(opinion_ids), 500):
        for r in await OpinionTag.select(
            OpinionTag.opinion, OpinionTag.kind, OpinionTag.value, OpinionTag.source
        ).where(OpinionTag.opinion.is_in(list(opinion_ids[start:start + 500]))).run():
            if r["source"] == "person":
                decided.add((r["opinion"], r["kind"], r["value"]))
            else:
                machine = True
    return decided, machine


async def tag_batch(cache: TagCache, draft_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Write the machine's tags for ``rows`` (``id``, ``text``, ``article``, ``version``) of one draft.

    Runs inside the caller's transaction. Earlier machine rows of these opinions are replaced; a value a
    person decided is left to the person. Returns the number of rows written.
    """
    if not rows:
        return 0
    tagger = await cache.tagger(draft_id)
    ids = [r["id"] for r in rows]
    decided, machine = await _stored_values(ids)
    occupation: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if machine:
            await OpinionTag.delete().where(OpinionTag.opinion.is_in(chunk) & OpinionTag.source.is_in(
                list(MACHINE_SOURCES))).run()
        for c in await Contributor.select(Contributor.opinion, Contributor.occupation).where(
            Contributor.opinion.is_in(chunk) & (Contributor.occupation != "")
        ).run():
            occupation[c["opinion"]] = c["occupation"]
    now = _now()
    out: list[tuple[Any, ...]] = []
    for r in rows:
        for tag in tagger.tags(r["text"], version=r.get("version") or 1, article=r.get("article"),
                               occupation=occupation.get(r["id"])):
            if (r["id"], tag.kind, tag.name) not in decided:
                out.append((r["id"], draft_id, tag.kind, tag.name, tag.source, tag.confidence, "", now))
    await bulk_insert(OpinionTag, _COLUMNS, out)
    return len(out)


async def clear_machine_tags(draft_id: int) -> None:
    """Drop the machine's tags of a draft (inside the caller's transaction); people's stay."""
    await OpinionTag.delete().where((OpinionTag.draft == draft_id) & OpinionTag.source.is_in(
        list(MACHINE_SOURCES))).run()


async def retag_topics(draft_id: int, taxonomy: Taxonomy, *, after: int = 0,
                       limit: int | None = None) -> tuple[int, int]:
    """Recompute the machine's topic tags of the draft's opinions with id > ``after`` (at most
    ``limit`` of them), inside the caller's transaction. Returns (opinions done, last id done)."""
    done, last = 0, after
    now = _now()
    while limit is None or done < limit:
        size = _CHUNK if limit is None else min(_CHUNK, limit - done)
        rows = await Opinion.select(Opinion.id, Opinion.text).where(
            (Opinion.draft == draft_id) & (Opinion.id > last)).order_by(Opinion.id).limit(size).run()
        if not rows:
            break
        ids = [r["id"] for r in rows]
        await OpinionTag.delete().where(OpinionTag.opinion.is_in(ids) & (OpinionTag.kind == "topic") & (
            OpinionTag.source.is_in(list(MACHINE_SOURCES)))).run()
        decided = {(r["opinion"], r["value"]) for r in await OpinionTag.select(
            OpinionTag.opinion, OpinionTag.value).where(OpinionTag.opinion.is_in(ids) & (OpinionTag.kind == "topic")
                                                        ).run()}
        await bulk_insert(OpinionTag, _COLUMNS, [
            (r["id"], draft_id, "topic", t.name, t.source, t.confidence, "", now)
            for r in rows for t in taxonomy.tag(r["text"]) if (r["id"], t.name) not in decided])
        done += len(rows)
        last = rows[-1]["id"]
        if len(rows) < size:
            break
    return done, last


async def retag_step(draft_id: int, *, limit: int = RETAG_STEP) -> int:
    """One bounded step of re-tagging a draft's topics after a taxonomy edit; returns opinions done
    (0 when the draft's tags already follow its taxonomy)."""
    async with transaction():
        row = await TopicTaxonomy.select().where(
            TopicTaxonomy.draft == draft_id).output(load_json=True).first().run()
        if row is None or row["tagged_revision"] == row["revision"]:
            return 0
        done, last = await retag_topics(draft_id, Taxonomy.from_dict(row["topics"]), after=row["retag_after"],
                                        limit=limit)
        finished = done < limit
        await TopicTaxonomy.update({
            TopicTaxonomy.retag_after: last,
            **({TopicTaxonomy.tagged_revision: row["revision"]} if finished else {}),
        }).where((TopicTaxonomy.draft == draft_id) & (TopicTaxonomy.revision == row["revision"])).run()
    if finished:
        log.info("draft %s: topics re-tagged for taxonomy revision %s", draft_id, row["revision"])
    return done


async def retag_pending() -> int:
    """One step of re-tagging for every draft whose taxonomy changed; returns opinions done."""
    total = 0
    for row in await TopicTaxonomy.select(TopicTaxonomy.draft, TopicTaxonomy.revision,
                                          TopicTaxonomy.tagged_revision).run():
        if row["revision"] != row["tagged_revision"]:
            total += await retag_step(row["draft"])
    return total


async def retag_progress(draft_id: int) -> tuple[int, int] | None:
    """(opinions re-tagged so far, opinions of the draft) while a re-tagging is pending, else None."""
    row = await TopicTaxonomy.select(TopicTaxonomy.revision, TopicTaxonomy.tagged_revision,
                                     TopicTaxonomy.retag_after).where(TopicTaxonomy.draft == draft_id).first().run()
    if row is None or row["revision"] == row["tagged_revision"]:
        return None
    done = await Opinion.count().where((Opinion.draft == draft_id) & (Opinion.id <= row["retag_after"])).run()
    return done, await Opinion.count().where(Opinion.draft == draft_id).run()


async def mark_tagged(draft_id: int) -> None:
    """The draft's machine tags are being rewritten from scratch (a rebuild): no re-tagging pending."""
    await TopicTaxonomy.update({TopicTaxonomy.tagged_revision: TopicTaxonomy.revision}).where(
        TopicTaxonomy.draft == draft_id).run()


# ---------------------------------------------------------------- reading and people's decisions


async def tags_of(opinion_ids: Sequence[int]) -> dict[int, EffectiveTags]:
    """Each opinion's effective tags (people's decisions applied)."""
    stored: dict[int, list[Tag]] = {oid: [] for oid in opinion_ids}
    for start in range(0, len(opinion_ids), 500):
        for r in await OpinionTag.select(OpinionTag.opinion, OpinionTag.kind, OpinionTag.value, OpinionTag.source,
                                         OpinionTag.confidence).where(
            OpinionTag.opinion.is_in(list(opinion_ids[start:start + 500]))
        ).order_by(OpinionTag.id).run():
            stored[r["opinion"]].append(Tag(r["value"], r["kind"], r["source"], r["confidence"]))
    return {oid: effective_tags(tags) for oid, tags in stored.items()}


async def opinions_tagged(draft_id: int, kind: str, value: str) -> set[int]:
    """Opinions of a draft whose effective tag of ``kind`` is (or, for topics, includes) ``value``.

    Two queries, not a per-opinion read, by what the writers guarantee: one row per (opinion, kind,
    value), so a person's row for a value replaces the machine's; and the machine writes at most one
    stance, sector and article per opinion.
    """
    rows = await OpinionTag.select(OpinionTag.opinion).where(
        (OpinionTag.draft == draft_id) & (OpinionTag.kind == kind) & (OpinionTag.value == value) & (
            OpinionTag.source.is_in(list(MACHINE_SOURCES))
            | ((OpinionTag.source == "person") & (OpinionTag.confidence > 0)))
    ).run()
    found = {r["opinion"] for r in rows}
    if kind != "topic" and found:  # a person's other choice wins over the machine's
        overruled = await OpinionTag.select(OpinionTag.opinion).where(
            (OpinionTag.draft == draft_id) & (OpinionTag.kind == kind) & (OpinionTag.value != value)
            & (OpinionTag.source == "person") & (OpinionTag.confidence > 0)
        ).run()
        found -= {r["opinion"] for r in overruled}
    return found


async def _opinion_draft(opinion_id: int) -> int:
    row = await Opinion.select(Opinion.draft).where(Opinion.id == opinion_id).first().run()
    if row is None:
        raise NotFound(_("意见 %(id)s 不存在") % {"id": opinion_id}, field="opinion")
    return row["draft"]


async def set_stance(opinion_id: int, stance: str, actor: str) -> None:
    """A person's stance for an opinion; it wins over the machine's, which stays stored."""
    if stance not in STANCES:
        raise Invalid(_("立场只能是：%(stances)s") % {"stances": _("、").join(STANCE_LABELS.values())}, field="stance")
    draft_id = await _opinion_draft(opinion_id)
    before = (await tags_of([opinion_id]))[opinion_id].stance
    async with transaction():
        mine = (OpinionTag.opinion == opinion_id) & (OpinionTag.kind == "stance")
        await OpinionTag.delete().where(mine & ((OpinionTag.source == "person") | (OpinionTag.value == stance))).run()
        await OpinionTag.insert(OpinionTag(opinion=opinion_id, draft=draft_id, kind="stance", value=stance,
                                           source="person", confidence=1.0, decided_by=actor)).run()
        await audit.record("opinion", opinion_id, "tag_stance", actor,
                           before={"stance": before.name if before else None,
                                   "source": before.source if before else None},
                           after={"stance": stance, "source": "person"})


async def set_topics(opinion_id: int, chosen: Iterable[str], actor: str) -> None:
    """A person's topics for an opinion: exactly ``chosen`` (names of the draft's topics).

    Chosen topics are stored as the person's (confidence 1); machine topics not chosen get a person
    row with confidence 0 ("not this topic"), so a later re-tagging does not bring them back.
    """
    draft_id = await _opinion_draft(opinion_id)
    taxonomy, _revision = await taxonomy_of(draft_id)
    names = {t.name for t in taxonomy.topics}
    chosen_set = set(chosen)
    unknown = chosen_set - names
    if unknown:
        raise Invalid(_("本草案没有主题：%(names)s") % {"names": _("、").join(sorted(unknown))}, field="topic")
    stored = await OpinionTag.select(OpinionTag.value, OpinionTag.source).where(
        (OpinionTag.opinion == opinion_id) & (OpinionTag.kind == "topic")).run()
    machine = {r["value"] for r in stored if r["source"] in MACHINE_SOURCES}
    before = (await tags_of([opinion_id]))[opinion_id].topic_names()
    now = _now()
    decisions = [(v, 1.0) for v in sorted(chosen_set)] + [(v, 0.0) for v in sorted(machine - chosen_set)]
    async with transaction():
        await OpinionTag.delete().where(
            (OpinionTag.opinion == opinion_id) & (OpinionTag.kind == "topic") & (
                (OpinionTag.source == "person") | OpinionTag.value.is_in([v for v, _confidence in decisions] or [""]))
        ).run()
        await bulk_insert(OpinionTag, _COLUMNS,
                          [(opinion_id, draft_id, "topic", v, "person", conf, actor, now) for v, conf in decisions])
        await audit.record("opinion", opinion_id, "tag_topics", actor, before={"topics": before},
                           after={"topics": sorted(chosen_set)})


# ---------------------------------------------------------------- sector and article


def effective_article(filed: int | None, tags: EffectiveTags) -> int | None:
    """The article an opinion is about: a person's choice, else the one it was filed under, else the
    machine's (named or suggested) — None is 总体意见. Packets group by the first two only."""
    if tags.article is not None and tags.article.source == "person":
        return None if tags.article.name == NONE else int(tags.article.name)
    if filed is not None:
        return filed
    return int(tags.article.name) if tags.article is not None and tags.article.name.isdigit() else None


async def article_numbers(draft_id: int) -> set[int]:
    """Article numbers of any version of the draft (an opinion may be about an older version)."""
    versions = [v["id"] for v in await DraftVersion.select(DraftVersion.id).where(DraftVersion.draft == draft_id).run()]
    if not versions:
        return set()
    return {a["number"] for a in await DraftArticle.select(DraftArticle.number).where(
        DraftArticle.version.is_in(versions)).run()}


async def _set_single(opinion_id: int, kind: str, value: str, actor: str, shown: str | None,
                      shown_source: str | None) -> bool:
    """Store a person's sector or article for an opinion unless it is what the page already showed
    (``shown``: the effective value before, from ``shown_source``): a form saved for the stance alone
    must not turn the machine's sector into a person's decision. Audited with before and after;
    returns whether stored."""
    if value == (shown if shown is not None else NONE):
        return False
    draft_id = await _opinion_draft(opinion_id)
    async with transaction():
        mine = (OpinionTag.opinion == opinion_id) & (OpinionTag.kind == kind)
        await OpinionTag.delete().where(mine & ((OpinionTag.source == "person") | (OpinionTag.value == value))).run()
        await OpinionTag.insert(OpinionTag(opinion=opinion_id, draft=draft_id, kind=kind, value=value,
                                           source="person", confidence=1.0, decided_by=actor)).run()
        await audit.record("opinion", opinion_id, f"tag_{kind}", actor,
                           before={kind: shown, "source": shown_source},
                           after={kind: None if value == NONE else value, "source": "person"})
    return True


async def set_sector(opinion_id: int, sector: str, actor: str) -> bool:
    """A person's sector for an opinion's contributor (one of :data:`SECTOR_NAMES`, or :data:`NONE`)."""
    sector = sector.strip()
    if sector not in (*SECTOR_NAMES, NONE):
        raise Invalid(_("群体只能从列表中选择：%(sectors)s，或“不标注”") % {"sectors": _("、").join(SECTOR_NAMES)},
                      field="sector")
    current = (await tags_of([opinion_id]))[opinion_id].sector
    shown = current.name if current is not None and current.name != NONE else None
    return await _set_single(opinion_id, "sector", sector, actor, shown, current.source if current else None)


async def set_article(opinion_id: int, article: str, actor: str) -> bool:
    """A person's article for an opinion: a number of the draft, or 总体意见 (:data:`NONE`).

    It wins over the article the opinion was filed under (which stays as filed) wherever opinions
    are grouped by article: the cluster filters, the packet and the dashboard counts.
    """
    text = article.strip().lstrip("第").rstrip("条").strip()
    row = await Opinion.select(Opinion.draft, Opinion.article).where(Opinion.id == opinion_id).first().run()
    if row is None:
        raise NotFound(_("意见 %(id)s 不存在") % {"id": opinion_id}, field="opinion")
    # The form sends NONE; the Chinese word (and its translation, and "general") are accepted whatever the locale.
    if text in (NONE, "总体意见", "general", _("总体意见")):
        value = NONE
    elif text.isdigit() and int(text) in await article_numbers(row["draft"]):
        value = str(int(text))
    else:
        raise Invalid(_("条文“%(article)s”不在本草案中：请选择条文编号或“总体意见”") % {"article": article[:10]},
                      field="article")
    tags = (await tags_of([opinion_id]))[opinion_id]
    shown = effective_article(row["article"], tags)
    person = tags.article is not None and tags.article.source == "person"
    source = tags.article.source if tags.article is not None and (person or row["article"] is None) else (
        "filed" if row["article"] is not None else None)
    return await _set_single(opinion_id, "article", value, actor, None if shown is None else str(shown), source)


async def article_overrides(draft_id: int) -> dict[int, tuple[int | None, int | None]]:
    """Opinions of the draft whose article a person chose: opinion → (filed article, chosen article)."""
    rows = await OpinionTag.select(OpinionTag.opinion, OpinionTag.value, OpinionTag.opinion.article).where(
        (OpinionTag.draft == draft_id) & (OpinionTag.kind == "article") & (OpinionTag.source == "person")
        & (OpinionTag.confidence > 0)).order_by(OpinionTag.id).run()
    return {r["opinion"]: (r["opinion.article"], None if r["value"] == NONE else int(r["value"])) for r in rows}


async def recount_articles(draft_id: int, counts: dict[int | None, int]) -> dict[int | None, int]:
    """Counts of all the draft's opinions by filed article (``GROUP BY article``), corrected by
    people's choices: a handful of rows, so the count itself stays one SQL query."""
    out = dict(counts)
    for filed, chosen in (await article_overrides(draft_id)).values():
        if filed == chosen:
            continue
        out[filed] = out.get(filed, 0) - 1
        if out[filed] <= 0:
            out.pop(filed)
        out[chosen] = out.get(chosen, 0) + 1
    return out


async def opinions_on_article(draft_id: int, number: int | None) -> set[int]:
    """Opinions of a draft whose :func:`effective_article` is ``number`` (None: 总体意见)."""
    overrides = await article_overrides(draft_id)
    filed = await Opinion.select(Opinion.id, Opinion.article).where(
        (Opinion.draft == draft_id) & (Opinion.article.is_null() if number is None else Opinion.article == number)
    ).run()
    found = {r["id"] for r in filed}
    # unfiled opinions: the machine's article tag decides, unless a person's does
    machine = await OpinionTag.select(OpinionTag.opinion, OpinionTag.value, OpinionTag.confidence).where(
        (OpinionTag.draft == draft_id) & (OpinionTag.kind == "article") & OpinionTag.source.is_in(list(MACHINE_SOURCES))
        & OpinionTag.opinion.article.is_null()).run()
    best: dict[int, tuple[float, str]] = {}
    for r in machine:
        if r["opinion"] not in best or r["confidence"] > best[r["opinion"]][0]:
            best[r["opinion"]] = (r["confidence"], r["value"])
    for oid, (_confidence, value) in best.items():
        if number is None:
            found.discard(oid)
        elif value == str(number):
            found.add(oid)
    for oid, (_filed, chosen) in overrides.items():
        if chosen == number:
            found.add(oid)
        else:
            found.discard(oid)
    return found
