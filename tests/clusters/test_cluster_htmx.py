"""The cluster review forms as an htmx enhancement: plain posts still redirect (tested with the pages);
htmx posts get the part of the page that changed — a member's <li>, the cluster panel, the list —
or the refusal inside it, with CSRF enforced as before."""

from pathlib import Path

import httpx
import pytest
from conftest import csrf, login, published_draft

from liaison.clusters import service, tagging
from liaison.clusters.tables import ClusterMember
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db

HX = {"HX-Request": "true"}
AMEND = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"
OPPOSE = "反对！携犬出户不应该强制使用牵引绳。{}"


async def _setup(client: httpx.AsyncClient, tmp_path: Path) -> list[int]:
    await published_draft()
    ids = []
    for i, text in enumerate([AMEND.format(""), AMEND.format("谢谢！"), OPPOSE.format(""), OPPOSE.format("真的。")]):
        ids.append((await submit_opinion("dog-rules", OpinionInput(text=text), client_key=f"hx{i}")).id)
    await service.assign_pending(service.Analyzer(tmp_path))
    await login(client, "officer_hxc", "officer")
    return ids


async def _cluster_of(opinion_id: int) -> int:
    return (await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == opinion_id)
            .first().run())["cluster"]


def _fragment(response: httpx.Response, marker: str) -> str:
    assert "<html" not in response.text and marker in response.text, response.text[:300]
    assert "HX-Request" in response.headers.get("vary", "")
    return response.text


async def test_cluster_page_forms_answer_fragments(client: httpx.AsyncClient, tmp_path: Path) -> None:
    ids = await _setup(client, tmp_path)
    amend, oppose = await _cluster_of(ids[0]), await _cluster_of(ids[2])
    page = await client.get(f"/staff/clusters/{amend}")
    assert page.text.count('hx-post="') == 2 + 3 * 2  # review, split; tags, move, split per member
    assert f'hx-target="#m{ids[0]}"' in page.text and 'id="cluster-panel"' in page.text

    # tags: the member's <li> alone, saved; a refusal comes back in it with 422 and saves nothing
    url = f"/staff/clusters/{amend}/members/{ids[0]}/tags"
    form = {"stance": "support", "sector": "学生", "article": "3", "_csrf_token": csrf(client)}
    saved = await client.post(url, headers=HX, data=form)
    assert saved.status_code == 200
    text = _fragment(saved, f'id="m{ids[0]}"')
    assert "标注已保存" in text and "群体：学生（人工）" in text and 'id="cluster-panel"' not in text
    refused = await client.post(url, headers=HX, data={**form, "stance": "oppose", "article": "12"})
    assert refused.status_code == 422 and 'role="alert"' in _fragment(refused, f'id="m{ids[0]}"')
    assert (await tagging.tags_of([ids[0]]))[ids[0]].stance.name == "support"
    assert (await client.post(url, headers=HX, data={**form, "_csrf_token": ""})).status_code == 403

    # summary and representative: the panel, with the URL to push
    reviewed = await client.post(f"/staff/clusters/{amend}/review", headers=HX,
                                 data={"summary": "牵引绳长度", "representative": str(ids[1]),
                                       "_csrf_token": csrf(client)})
    assert reviewed.status_code == 200 and reviewed.headers["hx-push-url"] == f"/staff/clusters/{amend}?saved=1"
    assert "已保存" in _fragment(reviewed, 'id="cluster-panel"')
    too_long = await client.post(f"/staff/clusters/{amend}/review", headers=HX,
                                 data={"summary": "长" * 2001, "_csrf_token": csrf(client)})
    assert too_long.status_code == 422 and "2000" in _fragment(too_long, 'id="cluster-panel"')

    # move: refused in the panel; done, the panel of the cluster posted from
    bad = await client.post(f"/staff/clusters/{amend}/members/{ids[1]}/move", headers=HX,
                            data={"target": "abc", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "目标归并组编号" in _fragment(bad, 'id="cluster-panel"')
    moved = await client.post(f"/staff/clusters/{amend}/members/{ids[1]}/move", headers=HX,
                              data={"target": str(oppose), "_csrf_token": csrf(client)})
    assert moved.status_code == 200 and await _cluster_of(ids[1]) == oppose
    assert "撤销我上一步的移动" in _fragment(moved, f"归并组 #{amend}（1 人次）")

    # undo from the cluster page: that cluster again, restored
    undone = await client.post("/staff/drafts/dog-rules/clusters/undo", headers=HX,
                               data={"cluster": str(amend), "_csrf_token": csrf(client)})
    assert undone.status_code == 200 and await _cluster_of(ids[1]) == amend
    assert "已撤销上一步操作" in _fragment(undone, f"归并组 #{amend}（2 人次）")

    # split one member off: the new cluster's panel, and its URL pushed
    split = await client.post(f"/staff/clusters/{oppose}/members/{ids[3]}/split", headers=HX,
                              data={"_csrf_token": csrf(client)})
    new = await _cluster_of(ids[3])
    assert split.status_code == 200 and new != oppose
    assert split.headers["hx-push-url"] == f"/staff/clusters/{new}?saved=1"
    _fragment(split, f"归并组 #{new}（1 人次）")
    # moving the last member away empties the cluster: htmx is sent to the list, a plain post too
    gone = await client.post(f"/staff/clusters/{new}/members/{ids[3]}/move", headers=HX,
                             data={"target": str(oppose), "_csrf_token": csrf(client)})
    assert gone.status_code == 200 and gone.headers["hx-redirect"] == "/staff/drafts/dog-rules/clusters?done=1"
    split = await client.post(f"/staff/clusters/{oppose}/split", follow_redirects=False,
                              data={"opinion": [str(ids[3])], "_csrf_token": csrf(client)})
    new = await _cluster_of(ids[3])
    plain = await client.post(f"/staff/clusters/{new}/members/{ids[3]}/move", follow_redirects=False,
                              data={"target": str(oppose), "_csrf_token": csrf(client)})
    assert plain.status_code == 303 and plain.headers["location"] == "/staff/drafts/dog-rules/clusters?done=1"
    nothing = await client.post(f"/staff/clusters/{oppose}/split", headers=HX, data={"_csrf_token": csrf(client)})
    assert nothing.status_code == 422 and "请勾选" in _fragment(nothing, 'id="cluster-panel"')
    # a plain undo posted from a cluster's page comes back to that cluster
    back = await client.post("/staff/drafts/dog-rules/clusters/undo", follow_redirects=False,
                             data={"cluster": str(oppose), "_csrf_token": csrf(client)})
    assert back.status_code == 303 and back.headers["location"] == f"/staff/clusters/{oppose}?undone=1"
    assert await _cluster_of(ids[3]) == new
    assert "已撤销上一步操作" in (await client.get(back.headers["location"])).text


async def test_list_forms_answer_the_list_and_keep_the_filters(client: httpx.AsyncClient, tmp_path: Path) -> None:
    ids = await _setup(client, tmp_path)
    amend, oppose = await _cluster_of(ids[0]), await _cluster_of(ids[2])
    url = "/staff/drafts/dog-rules/clusters"
    page = await client.get(url, params={"topic": "养犬管理"})
    assert 'hx-target="#cluster-list"' in page.text and '<input type="hidden" name="topic" value="养犬管理">' in page.text

    one = await client.post(f"{url}/merge", headers=HX, data={"cluster": [str(amend)], "_csrf_token": csrf(client)})
    assert one.status_code == 422 and "至少选择两组" in _fragment(one, 'id="cluster-list"')
    merged = await client.post(f"{url}/merge", headers=HX, data={
        "cluster": [str(amend), str(oppose)], "topic": "养犬管理", "_csrf_token": csrf(client)})
    assert merged.status_code == 200 and await _cluster_of(ids[2]) == amend
    text = _fragment(merged, 'id="cluster-list"')
    assert f'已合并到 <a href="/staff/clusters/{amend}">' in text and "撤销我上一步的合并" in text
    assert "属于主题“养犬管理”" in text  # still filtered
    undone = await client.post(f"{url}/undo", headers=HX, data={"_csrf_token": csrf(client)})
    assert undone.status_code == 200 and await _cluster_of(ids[2]) == oppose
    assert "已撤销上一步操作" in _fragment(undone, 'id="cluster-list"')
    again = await client.post(f"{url}/undo", headers=HX, data={"_csrf_token": csrf(client)})
    assert again.status_code == 404 and "没有可以撤销" in _fragment(again, 'id="cluster-list"')
    assert (await client.post(f"{url}/undo", headers=HX, data={})).status_code == 403
    plain = await client.post(f"{url}/merge", follow_redirects=False, data={
        "cluster": [str(amend), str(oppose)], "_csrf_token": csrf(client)})
    assert plain.status_code == 303 and plain.headers["location"] == f"/staff/clusters/{amend}?saved=1"
