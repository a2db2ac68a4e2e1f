"""A person's sector and article for an opinion: validated, audited, winning over the machine's tags
and the filed article, kept through rebuilds and re-tagging, and read by filters, packets and counts."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import csrf, login, published_draft

from liaison.audit.tables import AuditEntry
from liaison.clusters import service, tagging
from liaison.clusters.tables import ClusterMember, OpinionTag
from liaison.core.errors import Invalid
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import ContributorInput, OpinionInput

pytestmark = pytest.mark.db

TEACHER = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。"
FILED = "携犬出户应当使用牵引绳，这一条很好。"
UNFILED = "第三条的牵引绳规定应当写明长度。"


async def _setup(tmp_path: Path) -> tuple[int, int, int, int]:
    """Three opinions — a teacher's (sector 教育, the machine reads 第三条), one filed under article 3,
    one unfiled naming 第三条 — assigned and tagged by the worker. Returns them and the draft id."""
    await published_draft()
    teacher = (await submit_opinion("dog-rules", OpinionInput(
        text=TEACHER, contributor=ContributorInput(occupation="教师", consent=True)), client_key="ov1")).id
    filed = (await submit_opinion("dog-rules", OpinionInput(text=FILED, article=3), client_key="ov2")).id
    unfiled = (await submit_opinion("dog-rules", OpinionInput(text=UNFILED), client_key="ov3")).id
    await service.assign_pending(service.Analyzer(tmp_path))
    return teacher, filed, unfiled, (await get_draft("dog-rules", public=False)).id


async def _cluster_of(opinion_id: int) -> int:
    return (await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == opinion_id)
            .first().run())["cluster"]


async def test_person_sector_and_article_win_and_survive(database: str, tmp_path: Path) -> None:
    teacher, filed, unfiled, draft_id = await _setup(tmp_path)
    assert await tagging.opinions_tagged(draft_id, "sector", "教育") == {teacher}
    assert await tagging.opinions_on_article(draft_id, 3) == {teacher, filed, unfiled}

    assert await tagging.set_sector(teacher, "法律", "officer1") is True
    assert await tagging.set_sector(teacher, "法律", "officer1") is False  # unchanged: nothing recorded
    assert await tagging.set_sector(filed, tagging.NONE, "officer1") is False  # it had no sector
    assert await tagging.set_article(filed, "总体意见", "officer1") is True
    assert await tagging.set_article(unfiled, "第2条", "officer1") is True
    assert await tagging.set_article(teacher, "3", "officer1") is False  # what the machine said
    for bad_sector in ("程序员", ""):
        with pytest.raises(Invalid) as err:
            await tagging.set_sector(teacher, bad_sector, "officer1")
        assert err.value.field == "sector"
    for bad_article in ("99", "abc", "-1", ""):
        with pytest.raises(Invalid) as err:
            await tagging.set_article(teacher, bad_article, "officer1")
        assert err.value.field == "article"

    audit = await AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.entity_id, AuditEntry.before,
                                    AuditEntry.after, AuditEntry.at).where(
        AuditEntry.action.is_in(["tag_sector", "tag_article"])).order_by(AuditEntry.id).output(load_json=True).run()
    assert [(a["action"], a["entity_id"], a["actor"]) for a in audit] == [
        ("tag_sector", str(teacher), "officer1"), ("tag_article", str(filed), "officer1"),
        ("tag_article", str(unfiled), "officer1")]
    assert audit[0]["before"] == {"sector": "教育", "source": "rule"} and audit[0]["after"]["sector"] == "法律"
    assert audit[1]["before"] == {"article": "3", "source": "filed"} and audit[1]["after"]["article"] is None
    assert audit[2]["before"] == {"article": "3", "source": "rule"} and audit[2]["after"]["article"] == "2"
    assert audit[0]["at"] is not None

    taxonomy, revision = await tagging.taxonomy_of(draft_id)
    await tagging.save_topic(draft_id, revision, None, "牵引绳", "牵引绳", "officer1")  # the worker re-tags
    for round_ in range(2):  # as decided; again after re-tagging and after a rebuild
        if round_:
            while await tagging.retag_pending():
                pass
            await service.rebuild(service.Analyzer(tmp_path), draft_id, actor="t")
        tags = await tagging.tags_of([teacher, filed, unfiled])
        assert (tags[teacher].sector.name, tags[teacher].sector.source) == ("法律", "person")
        assert await tagging.opinions_tagged(draft_id, "sector", "法律") == {teacher}
        assert await tagging.opinions_tagged(draft_id, "sector", "教育") == set()
        assert await tagging.opinions_on_article(draft_id, 3) == {teacher}
        assert await tagging.opinions_on_article(draft_id, 2) == {unfiled}
        assert await tagging.opinions_on_article(draft_id, None) == {filed}
        assert await service.list_clusters(draft_id, sector="法律", article="3") != []
        assert await service.list_clusters(draft_id, sector="教育") == []
    machine = await OpinionTag.select(OpinionTag.value).where(
        (OpinionTag.opinion == teacher) & (OpinionTag.kind == "sector") & (OpinionTag.source == "rule")).run()
    assert machine == [{"value": "教育"}]  # the machine's own choice stays stored beside the person's


async def test_packet_and_counts_follow_the_persons_article(database: str, tmp_path: Path) -> None:
    from liaison.dashboard.stats import draft_stats
    from liaison.packets.compile import compile_packet

    teacher, filed, unfiled, draft_id = await _setup(tmp_path)
    await tagging.set_article(filed, tagging.NONE, "officer1")
    await tagging.set_article(teacher, "1", "officer1")
    from liaison.opinions.tables import Opinion

    # the filed article stays stored as the contributor gave it
    assert (await Opinion.select(Opinion.article).where(Opinion.id == filed).first().run())["article"] == 3

    packet = await compile_packet("dog-rules", None)
    placed = {s.number: [p.id for p in s.points] for s in packet.sections.articles}
    general = [p.id for p in packet.sections.general]
    assert f"c{await _cluster_of(teacher)}" in placed[1]
    assert f"c{await _cluster_of(filed)}" in general and 3 not in placed
    assert packet.statistics.by_article == {"总体意见": 2, "第一条": 1}  # the unfiled one: no person's choice

    stats = await draft_stats(await get_draft("dog-rules", public=False), ZoneInfo("Asia/Shanghai"))
    assert stats.general == 2
    assert {a.number: a.count for a in stats.articles} == {1: 1, 2: 0, 3: 0}


async def test_review_page_sets_sector_and_article(client, tmp_path: Path) -> None:
    teacher, filed, unfiled, draft_id = await _setup(tmp_path)
    cluster = await _cluster_of(teacher)
    url = f"/staff/clusters/{cluster}/members/{teacher}/tags"
    form = {"stance": "amend", "topic": [], "sector": "教育", "article": "3"}

    anonymous = await client.post(url, data={**form, "sector": "法律"}, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401, 403)
    assert "第二条" not in (await client.get("/drafts/dog-rules/transparency")).text
    await login(client, "officer_ov", "officer")
    assert (await client.post(url, data={**form, "sector": "法律"})).status_code == 403  # no CSRF token
    page = await client.get(f"/staff/clusters/{cluster}")
    assert 'name="sector"' in page.text and '<option value="教育" selected>' in page.text
    assert '<option value="3" selected>' in page.text

    saved = await client.post(url, follow_redirects=False,
                              data={**form, "sector": "法律", "article": "2", "_csrf_token": csrf(client)})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#m{teacher}")
    page = await client.get(f"/staff/clusters/{cluster}")
    assert "群体：法律（人工）" in page.text and "条文：第二条（人工）" in page.text
    assert "第二条" in (await client.get("/drafts/dog-rules/transparency")).text  # public counts follow it too
    bad = await client.post(url, data={**form, "article": "99", "stance": "oppose", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "条文" in bad.text
    assert (await tagging.tags_of([teacher]))[teacher].stance.name == "amend"  # the refusal saved nothing
    bad = await client.post(url, data={**form, "sector": "程序员", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "群体" in bad.text

    listed = await client.get("/staff/drafts/dog-rules/clusters", params={"sector": "法律", "article": "2"})
    assert f'href="/staff/clusters/{cluster}"' in listed.text and "群体为“法律”" in listed.text
    none = await client.get("/staff/drafts/dog-rules/clusters", params={"sector": "教育"})
    assert f'href="/staff/clusters/{cluster}"' not in none.text
    assert (await client.get("/staff/drafts/dog-rules/clusters", params={"article": "99"})).status_code == 422
    assert (await client.get("/staff/drafts/dog-rules/clusters", params={"sector": "x"})).status_code == 422
    general = await client.get("/staff/drafts/dog-rules/clusters", params={"article": tagging.NONE})
    assert f'href="/staff/clusters/{cluster}"' not in general.text

    for role in ("volunteer", "office_staff"):
        client.cookies.clear()
        await login(client, f"{role}_ov", role)
        refused = await client.post(url, data={**form, "sector": "学生", "_csrf_token": csrf(client)})
        assert refused.status_code == 403
    assert (await tagging.tags_of([teacher]))[teacher].sector.name == "法律"
