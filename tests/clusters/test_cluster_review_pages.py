"""The review pages: member tags, filters, move/split per member, undo, and the topic taxonomy page."""

from pathlib import Path

import pytest
from conftest import csrf, login, published_draft

from liaison.clusters import service, tagging
from liaison.clusters.tables import ClusterMember
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db

TEMPLATE = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"
OPPOSE = "反对！携犬出户不应该强制使用牵引绳。"


async def _setup(tmp_path: Path) -> list[int]:
    await published_draft()
    ids = []
    for i, text in enumerate([TEMPLATE.format(""), TEMPLATE.format("谢谢！"), OPPOSE, OPPOSE + "真的。",
                              "<script>alert(1)</script>小区垃圾分类"]):
        ids.append((await submit_opinion("dog-rules", OpinionInput(text=text), client_key=f"p{i}")).id)
    await service.assign_pending(service.Analyzer(tmp_path))
    return ids


async def _cluster_of(opinion_id: int) -> int:
    return (await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == opinion_id)
            .first().run())["cluster"]


async def test_review_shows_tags_filters_moves_and_undoes(client, tmp_path: Path) -> None:
    ids = await _setup(tmp_path)
    await login(client, "officer_rv", "officer")
    amend_cluster, oppose_cluster = await _cluster_of(ids[0]), await _cluster_of(ids[2])

    page = await client.get(f"/staff/clusters/{amend_cluster}")
    assert page.status_code == 200
    assert "立场：修改" in page.text and ">养犬管理</span>" in page.text and "提到第 3 条" in page.text
    assert f"/staff/clusters/{amend_cluster}/members/{ids[1]}/move" in page.text

    opposed = await client.get("/staff/drafts/dog-rules/clusters", params={"stance": "oppose"})
    assert f'href="/staff/clusters/{oppose_cluster}"' in opposed.text
    assert f'href="/staff/clusters/{amend_cluster}"' not in opposed.text and "符合筛选 2 条" in opposed.text
    by_topic = await client.get("/staff/drafts/dog-rules/clusters", params={"topic": "养犬管理", "stance": "amend"})
    assert f'href="/staff/clusters/{amend_cluster}"' in by_topic.text
    assert f'href="/staff/clusters/{oppose_cluster}"' not in by_topic.text
    assert (await client.get("/staff/drafts/dog-rules/clusters", params={"stance": "maybe"})).status_code == 422
    assert (await client.get("/staff/drafts/dog-rules/clusters", params={"topic": "没有"})).status_code == 422

    # move one member to the other cluster, then undo it from the list page
    moved = await client.post(f"/staff/clusters/{amend_cluster}/members/{ids[1]}/move", follow_redirects=False,
                              data={"target": f"#{oppose_cluster}", "_csrf_token": csrf(client)})
    assert moved.status_code == 303 and await _cluster_of(ids[1]) == oppose_cluster
    bad = await client.post(f"/staff/clusters/{amend_cluster}/members/{ids[0]}/move",
                            data={"target": "abc", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "目标归并组编号" in bad.text
    listing = await client.get("/staff/drafts/dog-rules/clusters")
    assert "撤销我上一步的移动" in listing.text
    undone = await client.post("/staff/drafts/dog-rules/clusters/undo", follow_redirects=False,
                               data={"_csrf_token": csrf(client)})
    assert undone.status_code == 303 and await _cluster_of(ids[1]) == amend_cluster
    assert (await client.post("/staff/drafts/dog-rules/clusters/undo",
                              data={"_csrf_token": csrf(client)})).status_code == 404

    # split one member off as its own point: it lands on its new cluster's page
    split = await client.post(f"/staff/clusters/{oppose_cluster}/members/{ids[3]}/split", follow_redirects=False,
                              data={"_csrf_token": csrf(client)})
    new_cluster = await _cluster_of(ids[3])
    assert split.status_code == 303 and new_cluster != oppose_cluster
    assert split.headers["location"] == f"/staff/clusters/{new_cluster}?saved=1"

    # a person's tags from the member form
    tagged = await client.post(f"/staff/clusters/{amend_cluster}/members/{ids[0]}/tags", follow_redirects=False,
                               data={"stance": "support", "_csrf_token": csrf(client)})
    assert tagged.status_code == 303
    tags = (await tagging.tags_of([ids[0]]))[ids[0]]
    assert (tags.stance.name, tags.stance.source, tags.topics) == ("support", "person", [])
    no_csrf = await client.post(f"/staff/clusters/{amend_cluster}/members/{ids[0]}/tags", data={"stance": "oppose"})
    assert no_csrf.status_code == 403


async def test_topic_taxonomy_page(client, tmp_path: Path) -> None:
    ids = await _setup(tmp_path)
    draft = await get_draft("dog-rules", public=False)
    await login(client, "officer_tx", "officer")
    page = await client.get("/staff/drafts/dog-rules/topics")
    assert page.status_code == 200 and 'value="养犬管理"' in page.text
    assert "<script>alert" not in page.text
    _, revision = await tagging.taxonomy_of(draft.id)

    added = await client.post("/staff/drafts/dog-rules/topics", follow_redirects=False, data={
        "name": "环境卫生", "keywords": "垃圾分类、宣传", "revision": str(revision), "_csrf_token": csrf(client)})
    assert added.status_code == 303
    assert "正在按新的主题分类重新标注：已完成 0 / 5 条意见" in (await client.get("/staff/drafts/dog-rules/topics")).text
    while await tagging.retag_pending():  # what the analysis worker does next
        pass
    assert "正在按新的主题分类重新标注" not in (await client.get("/staff/drafts/dog-rules/topics")).text
    assert await tagging.opinions_tagged(draft.id, "topic", "环境卫生") == {ids[4]}
    stale = await client.post("/staff/drafts/dog-rules/topics", data={
        "name": "别的", "keywords": "x", "revision": str(revision), "_csrf_token": csrf(client)})
    assert stale.status_code == 409 and "刷新" in stale.text
    edited = await client.post("/staff/drafts/dog-rules/topics/edit", follow_redirects=False, data={
        "original": "环境卫生", "name": "环境", "keywords": "垃圾", "revision": str(revision + 1),
        "_csrf_token": csrf(client)})
    assert edited.status_code == 303
    keyword = await client.post("/staff/drafts/dog-rules/topics/keyword", follow_redirects=False, data={
        "topic": "环境", "word": "小区", "revision": str(revision + 2), "_csrf_token": csrf(client)})
    assert keyword.status_code == 303
    taxonomy, revision = await tagging.taxonomy_of(draft.id)
    assert taxonomy.to_dict()["topics"][1] == {"name": "环境", "keywords": ["垃圾", "小区"]}
    missing = await client.post("/staff/drafts/dog-rules/topics/delete", data={
        "name": "", "revision": str(revision), "_csrf_token": csrf(client)})
    assert missing.status_code == 404
    deleted = await client.post("/staff/drafts/dog-rules/topics/delete", follow_redirects=False, data={
        "name": "环境", "revision": str(revision), "_csrf_token": csrf(client)})
    assert deleted.status_code == 303
    assert [t.name for t in (await tagging.taxonomy_of(draft.id))[0].topics] == ["养犬管理"]
    no_revision = await client.post("/staff/drafts/dog-rules/topics", data={
        "name": "x", "keywords": "", "_csrf_token": csrf(client)})
    assert no_revision.status_code == 422

    client.cookies.clear()
    await login(client, "staff_tx", "office_staff")
    assert (await client.get("/staff/drafts/dog-rules/topics")).status_code == 403
    assert (await client.post("/staff/drafts/dog-rules/clusters/undo",
                              data={"_csrf_token": csrf(client)})).status_code == 403
