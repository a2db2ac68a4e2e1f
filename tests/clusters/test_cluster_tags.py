"""Tags stored per opinion by the analysis worker, people's decisions, and the editable taxonomy."""

from pathlib import Path

import pytest
from conftest import published_draft

from liaison.clusters import service, tagging
from liaison.clusters.tables import OpinionTag, TopicTaxonomy
from liaison.core.errors import Conflict, Invalid, NotFound
from liaison.db import transaction
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import ContributorInput, OpinionInput

pytestmark = pytest.mark.db

AMEND = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。"
OPPOSE = "反对！携犬出户不应该强制使用牵引绳。"
QUESTION = "请问养犬登记去哪里办理？"
OTHER = "小区垃圾分类的宣传还不够。"


async def _post(texts: list[str], *, article: int | None = None, occupation: str = "") -> list[int]:
    ids = []
    for i, text in enumerate(texts):
        contributor = ContributorInput(occupation=occupation, consent=True) if occupation else None
        result = await submit_opinion("dog-rules", OpinionInput(text=text, article=article, contributor=contributor),
                                      client_key=f"tagclient{i}{occupation}")
        ids.append(result.id)
    return ids


async def _retag() -> None:
    """Run the worker's re-tagging steps until the draft's tags follow its taxonomy."""
    while await tagging.retag_pending():
        pass


async def _rows(opinion_id: int) -> set[tuple[str, str, str]]:
    rows = await OpinionTag.select(OpinionTag.kind, OpinionTag.value, OpinionTag.source).where(
        OpinionTag.opinion == opinion_id).run()
    return {(r["kind"], r["value"], r["source"]) for r in rows}


async def test_worker_stores_stance_topics_sector_and_article(database: str, tmp_path: Path) -> None:
    await published_draft()
    amend, oppose, question = await _post([AMEND, OPPOSE, QUESTION], occupation="离退休人员")
    (filed,) = await _post([OPPOSE + "再说一遍。"], article=3)
    (other,) = await _post([OTHER])
    assert await service.assign_pending(service.Analyzer(tmp_path)) == 5

    assert await _rows(amend) == {("stance", "amend", "rule"), ("topic", "养犬管理", "rule"),
                                  ("sector", "退休人员", "rule"), ("article", "3", "rule")}
    rows = await _rows(oppose)
    assert ("stance", "oppose", "rule") in rows and ("article", "3", "suggestion") in rows
    assert ("stance", "question", "rule") in await _rows(question)
    assert not any(kind == "article" for kind, _, _ in await _rows(filed))  # filed under an article already
    assert not any(kind in ("topic", "sector") for kind, _, _ in await _rows(other))
    tags = await tagging.tags_of([amend, oppose])
    assert tags[amend].stance.name == "amend" and tags[amend].topic_names() == ["养犬管理"]
    assert 0 < tags[oppose].article.confidence <= 1 and tags[oppose].article.source == "suggestion"
    # the taxonomy was seeded from the chapter names (总则 skipped) and stored
    row = await TopicTaxonomy.select().output(load_json=True).first().run()
    assert [t["name"] for t in row["topics"]["topics"]] == ["养犬管理"] and row["revision"] == 1


async def test_person_tags_win_and_survive_rebuild(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    amend, oppose = await _post([AMEND, OPPOSE])
    await service.assign_pending(service.Analyzer(tmp_path))
    await tagging.set_stance(oppose, "amend", "officer1")
    await tagging.set_topics(amend, [], "officer1")  # not about 养犬管理, says the officer
    with pytest.raises(Invalid):
        await tagging.set_stance(oppose, "maybe", "officer1")
    with pytest.raises(Invalid):
        await tagging.set_topics(amend, ["不存在的主题"], "officer1")

    for _ in range(2):  # as decided, and again after the machine recomputes everything
        tags = await tagging.tags_of([amend, oppose])
        assert (tags[oppose].stance.name, tags[oppose].stance.source) == ("amend", "person")
        assert tags[amend].topics == []
        assert ("stance", "oppose", "rule") in await _rows(oppose)  # the machine's own choice stays stored
        assert await tagging.opinions_tagged(draft.id, "stance", "amend") == {amend, oppose}
        assert await tagging.opinions_tagged(draft.id, "topic", "养犬管理") == {oppose}
        assert await service.rebuild(service.Analyzer(tmp_path), draft.id, actor="t") == 2
    assert ("topic", "养犬管理", "person") in await _rows(amend)  # stored as "not this topic" (confidence 0)


async def test_one_row_per_opinion_kind_value(database: str, tmp_path: Path) -> None:
    await published_draft()
    (amend,) = await _post([AMEND])
    draft = await get_draft("dog-rules", public=False)
    await service.assign_pending(service.Analyzer(tmp_path))
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError differs per engine
        async with transaction():
            await OpinionTag.insert(OpinionTag(opinion=amend, draft=draft.id, kind="stance", value="amend",
                                               source="person")).run()
    assert len([r for r in await _rows(amend) if r[0] == "stance"]) == 1


async def test_editing_the_taxonomy_retags_machine_topics_only(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    amend, oppose, question, other = await _post([AMEND, OPPOSE, QUESTION, OTHER])
    await service.assign_pending(service.Analyzer(tmp_path))
    await tagging.set_topics(question, ["养犬管理"], "officer1")
    taxonomy, revision = await tagging.taxonomy_of(draft.id)

    await tagging.save_topic(draft.id, revision, None, "环境卫生", "垃圾分类，宣传", "officer1")
    assert await tagging.retag_progress(draft.id) == (0, 4)
    assert await tagging.opinions_tagged(draft.id, "topic", "环境卫生") == set()  # the worker has not run yet
    assert await tagging.retag_step(draft.id, limit=3) == 3  # bounded steps, each its own transaction
    assert await tagging.retag_progress(draft.id) == (3, 4)
    assert await tagging.retag_step(draft.id, limit=3) == 1
    assert await tagging.retag_progress(draft.id) is None and await tagging.retag_pending() == 0
    assert await tagging.opinions_tagged(draft.id, "topic", "环境卫生") == {other}
    assert await tagging.opinions_tagged(draft.id, "topic", "养犬管理") == {amend, oppose, question}
    # rename and narrow the first topic: the machine follows, the person's tag follows the name
    await tagging.save_topic(draft.id, revision + 1, "养犬管理", "牵引绳", ["牵引绳"], "officer1")
    await _retag()
    assert await tagging.opinions_tagged(draft.id, "topic", "牵引绳") == {amend, oppose, question}
    assert await tagging.opinions_tagged(draft.id, "topic", "养犬管理") == set()
    assert ("topic", "牵引绳", "person") in await _rows(question)
    with pytest.raises(Conflict):  # an edit made on a page loaded before the last save
        await tagging.save_topic(draft.id, revision, None, "迟到", "x", "officer2")
    with pytest.raises(Invalid):
        await tagging.save_topic(draft.id, revision + 2, None, "环境卫生", "重复", "officer1")
    with pytest.raises(Invalid):
        await tagging.save_topic(draft.id, revision + 2, None, "  ", "空名", "officer1")
    await tagging.add_keyword(draft.id, revision + 2, "环境卫生", "小区", "officer1")
    taxonomy, revision = await tagging.taxonomy_of(draft.id)
    assert taxonomy.to_dict()["topics"][1] == {"name": "环境卫生", "keywords": ["垃圾分类", "宣传", "小区"]}
    await tagging.delete_topic(draft.id, revision, "牵引绳", "officer1")
    await _retag()
    assert await OpinionTag.count().where((OpinionTag.kind == "topic") & (OpinionTag.value == "牵引绳")).run() == 0
    with pytest.raises(NotFound):
        await tagging.delete_topic(draft.id, revision + 1, "牵引绳", "officer1")
    # new opinions are tagged with the edited taxonomy by the same (long-running) worker cache
    (late,) = await _post(["小区里垃圾分类做得不好。"])
    analyzer = service.Analyzer(tmp_path)
    await service.assign_pending(analyzer)
    assert (await tagging.tags_of([late]))[late].topic_names() == ["环境卫生"]


async def test_keyword_suggestions_leave_out_known_keywords(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    await _post(["小区遛狗要拴绳，晚上遛狗也要注意。", "遛狗时清理粪便。", "遛狗请拴绳，牵引绳要短。"])
    words = dict(await tagging.keyword_suggestions(draft.id))
    assert words.get("遛狗") == 3 and words.get("拴绳") == 2
    assert "牵引绳" not in words  # already a keyword of 养犬管理


async def test_taxonomy_edit_before_the_worker_reaches_new_opinions(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    (waiting,) = await _post([OTHER])  # not assigned yet
    _, revision = await tagging.taxonomy_of(draft.id)
    await tagging.save_topic(draft.id, revision, None, "环境卫生", "垃圾分类", "officer1")
    await _retag()
    assert ("topic", "环境卫生", "rule") in await _rows(waiting)  # re-tagging covers every opinion
    assert await service.assign_pending(service.Analyzer(tmp_path)) == 1  # the worker replaces, not duplicates
    assert [r for r in await _rows(waiting) if r[0] == "topic"] == [("topic", "环境卫生", "rule")]


async def test_an_edit_during_retagging_starts_it_again(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    await _post([AMEND, OPPOSE, QUESTION, OTHER])
    await service.assign_pending(service.Analyzer(tmp_path))
    _, revision = await tagging.taxonomy_of(draft.id)
    await tagging.save_topic(draft.id, revision, None, "环境卫生", "垃圾分类", "officer1")
    await tagging.retag_step(draft.id, limit=3)
    await tagging.save_topic(draft.id, revision + 1, "环境卫生", "环境卫生", "垃圾", "officer1")
    assert await tagging.retag_progress(draft.id) == (0, 4)
    await _retag()
    assert await tagging.opinions_tagged(draft.id, "topic", "环境卫生") != set()
    # a rebuild re-tags everything with the current taxonomy, so nothing is left pending
    await tagging.save_topic(draft.id, revision + 2, None, "其他", "办理", "officer1")
    await service.rebuild(service.Analyzer(tmp_path), draft.id, actor="t")
    assert await tagging.retag_progress(draft.id) is None
    assert await tagging.opinions_tagged(draft.id, "topic", "其他") != set()


async def test_filter_query_agrees_with_effective_tags(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    ids = await _post([AMEND, OPPOSE, QUESTION, OTHER, "支持本条例。"], occupation="教师")
    await service.assign_pending(service.Analyzer(tmp_path))
    _, revision = await tagging.taxonomy_of(draft.id)
    await tagging.save_topic(draft.id, revision, None, "环境卫生", "垃圾分类", "officer1")
    await _retag()
    await tagging.set_stance(ids[0], "oppose", "officer1")
    await tagging.set_stance(ids[1], "oppose", "officer1")  # the same as the machine said
    await tagging.set_topics(ids[1], [], "officer1")
    await tagging.set_topics(ids[3], ["养犬管理", "环境卫生"], "officer1")
    effective = await tagging.tags_of(ids)
    for kind, values in (("stance", ("support", "oppose", "amend", "question")),
                         ("topic", ("养犬管理", "环境卫生")), ("sector", ("教育",))):
        for value in values:
            expected = {oid for oid, t in effective.items() if (
                value in t.topic_names() if kind == "topic" else (t.get(kind) and t.get(kind).name == value))}
            assert await tagging.opinions_tagged(draft.id, kind, value) == expected, (kind, value)
    assert await tagging.opinions_tagged(draft.id, "stance", "oppose") == {ids[0], ids[1]}
