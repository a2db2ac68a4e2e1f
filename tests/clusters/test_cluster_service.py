from pathlib import Path

import pytest
from conftest import published_draft

from liaison.clusters import service
from liaison.clusters.tables import Cluster, ClusterMember
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db

TEMPLATE = "尊敬的领导：我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"
OTHER = "我建议第三条规定牵引绳长度不得超过2米，保障行人安全。"


async def _post(texts: list[str]) -> list[int]:
    ids = []
    for i, text in enumerate(texts):
        result = await submit_opinion("dog-rules", OpinionInput(text=text, article=3), client_key=f"client{i}")
        ids.append(result.id)
    return ids


async def test_new_opinions_are_assigned_and_different_proposals_stay_apart(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    ids = await _post([TEMPLATE.format(""), TEMPLATE.format("谢谢！"), TEMPLATE.format("此致敬礼"), OTHER, "总体支持。"])
    analyzer = service.Analyzer(tmp_path)
    assert await service.assign_pending(analyzer) == 5
    assert await service.assign_pending(analyzer) == 0  # nothing new
    members = {m["opinion"]: m["cluster"] for m in await ClusterMember.select().run()}
    assert members[ids[0]] == members[ids[1]] == members[ids[2]]
    assert members[ids[3]] != members[ids[0]] and members[ids[4]] != members[ids[0]]
    big = await service.list_clusters(draft.id)
    assert [(c["size"], c["representative"]) for c in big] == [(3, ids[0])]

    # a restart: a new analyzer loads the saved index and carries on
    more = await _post([TEMPLATE.format("望采纳")])
    restarted = service.Analyzer(tmp_path)
    assert await service.assign_pending(restarted) == 1
    member = await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == more[0]).first().run()
    assert member["cluster"] == members[ids[0]]


async def test_person_decisions_survive_a_rebuild(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    ids = await _post([TEMPLATE.format(""), TEMPLATE.format("谢谢"), TEMPLATE.format("望采纳"), OTHER])
    analyzer = service.Analyzer(tmp_path)
    await service.assign_pending(analyzer)
    cluster_of = {m["opinion"]: m["cluster"] for m in await ClusterMember.select().run()}
    moved_to = await service.move_member(ids[2], None, "officer1")  # split one out
    merged = await service.merge_clusters([cluster_of[ids[0]], cluster_of[ids[3]]], "officer1")
    await service.set_summary(merged, "建议明确牵引绳长度（1.5米或2米）", ids[0], "officer1")

    assert await service.rebuild(service.Analyzer(tmp_path), draft.id, actor="t") == 4
    after = {m["opinion"]: (m["cluster"], m["source"]) for m in await ClusterMember.select().run()}
    assert after[ids[2]] == (moved_to, "person")
    assert after[ids[3]] == (merged, "person")
    assert after[ids[0]][0] == after[ids[1]][0]  # the machine puts these together again
    assert await Opinion.count().run() == 4  # clustering never touches opinions
    summary = await Cluster.select(Cluster.summary).where(Cluster.id == merged).first().run()
    assert summary["summary"].startswith("建议明确")


async def test_stale_index_is_rebuilt_automatically(database: str, tmp_path: Path) -> None:
    await published_draft()
    await _post([TEMPLATE.format(""), TEMPLATE.format("谢谢")])
    await service.assign_pending(service.Analyzer(tmp_path))
    for path in (tmp_path / "analysis").iterdir():
        path.unlink()
    await _post([TEMPLATE.format("望采纳")])
    fresh = service.Analyzer(tmp_path)
    await service.assign_pending(fresh)
    await service.assign_pending(fresh)
    clusters = {m["cluster"] for m in await ClusterMember.select().run()}
    assert len(clusters) == 1 and await ClusterMember.count().run() == 3


async def test_cluster_review_pages(client, tmp_path: Path) -> None:
    from conftest import csrf, login

    await published_draft()
    ids = await _post([TEMPLATE.format(""), TEMPLATE.format("谢谢！"), OTHER])
    await service.assign_pending(service.Analyzer(tmp_path))
    await login(client, "officer_cl", "officer")
    listing = await client.get("/staff/drafts/dog-rules/clusters")
    assert listing.status_code == 200 and "2 人次" in listing.text
    cluster_id = (await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == ids[0]).first().run())["cluster"]
    page = await client.get(f"/staff/clusters/{cluster_id}")
    assert page.status_code == 200 and "<mark>谢谢！</mark>" in page.text
    saved = await client.post(f"/staff/clusters/{cluster_id}/review", follow_redirects=False,
                              data={"summary": "建议牵引绳不超过1.5米", "representative": str(ids[1]), "_csrf_token": csrf(client)})
    assert saved.status_code == 303
    assert "建议牵引绳不超过1.5米" in (await client.get("/staff/drafts/dog-rules/clusters")).text
    split = await client.post(f"/staff/clusters/{cluster_id}/split", follow_redirects=False,
                              data={"opinion": [str(ids[1])], "_csrf_token": csrf(client)})
    assert split.status_code == 303
    assert (await Cluster.select(Cluster.size).where(Cluster.id == cluster_id).first().run())["size"] == 1
    client.cookies.clear()
    await login(client, "vol_cl", "volunteer")
    assert (await client.get("/staff/drafts/dog-rules/clusters")).status_code == 403
