"""Undoing a person's last move, split or merge."""

from pathlib import Path

import pytest
from conftest import published_draft

from liaison.audit.tables import AuditEntry
from liaison.clusters import service
from liaison.clusters.tables import Cluster, ClusterMember
from liaison.core.errors import Conflict, Invalid, NotFound
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db

TEMPLATE = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"
OTHER = "我建议第三条规定牵引绳长度不得超过2米，保障行人安全。"


async def _state() -> tuple[dict[int, tuple[int, str, str]], dict[int, tuple[int, int, str]]]:
    members = {m["opinion"]: (m["cluster"], m["source"], m["decided_by"]) for m in await ClusterMember.select().run()}
    clusters = {c["id"]: (c["representative"], c["size"], c["summary"]) for c in await Cluster.select().run()}
    return members, clusters


async def _setup(tmp_path: Path) -> tuple[int, list[int]]:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    ids = []
    for i, text in enumerate([TEMPLATE.format(""), TEMPLATE.format("谢谢"), TEMPLATE.format("望采纳"), OTHER]):
        ids.append((await submit_opinion("dog-rules", OpinionInput(text=text, article=3), client_key=f"u{i}")).id)
    await service.assign_pending(service.Analyzer(tmp_path))
    return draft.id, ids


async def test_move_split_and_merge_are_undone_in_reverse_order(database: str, tmp_path: Path) -> None:
    draft_id, ids = await _setup(tmp_path)
    original = await _state()
    members = original[0]
    big, small = members[ids[0]][0], members[ids[3]][0]

    await service.move_member(ids[0], small, "officer1")  # the representative leaves: #1 represents now
    after_move = await _state()
    assert after_move[1][big][0] == ids[1]
    split_to = await service.split_off([ids[1], ids[2]], "officer1")
    after_split = await _state()
    assert big not in after_split[1] and after_split[1][split_to][1] == 2  # the emptied cluster went
    merged = await service.merge_clusters([small, split_to], "officer1")
    assert (await _state())[1][merged][1] == 4
    assert (await service.last_operation(draft_id, "officer1"))["kind"] == "merge"
    assert await service.last_operation(draft_id, "officer2") is None

    assert (await service.undo_last(draft_id, "officer1"))["kind"] == "merge"
    assert await _state() == after_split
    assert (await service.undo_last(draft_id, "officer1"))["kind"] == "split"
    assert await _state() == after_move  # the cluster the split emptied is back, with its id
    assert (await service.undo_last(draft_id, "officer1"))["kind"] == "move"
    assert await _state() == original  # machine memberships again, representative restored
    with pytest.raises(NotFound):
        await service.undo_last(draft_id, "officer1")
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert actions[-3:] == ["undo_merge", "undo_split", "undo_move"]


async def test_undo_is_per_person_and_refuses_after_a_later_change(database: str, tmp_path: Path) -> None:
    draft_id, ids = await _setup(tmp_path)
    members = (await _state())[0]
    big, small = members[ids[0]][0], members[ids[3]][0]
    await service.move_member(ids[2], small, "officer1")
    await service.move_member(ids[2], big, "officer2")  # someone else moves it back meanwhile
    with pytest.raises(Conflict):
        await service.undo_last(draft_id, "officer1")
    await service.undo_last(draft_id, "officer2")  # officer2's own step still undoes
    assert (await _state())[0][ids[2]][0] == small
    with pytest.raises(Invalid):
        await service.move_member(ids[2], small, "officer1")  # already there
    with pytest.raises(Invalid):
        await service.move_member(ids[2], 999_999, "officer1")
    with pytest.raises(Conflict) as stale:  # the page showed it in the big cluster; it has moved since
        await service.move_member(ids[2], None, "officer1", from_cluster=big)
    assert stale.value.field == "cluster"


async def test_a_rebuild_clears_what_can_be_undone(database: str, tmp_path: Path) -> None:
    draft_id, ids = await _setup(tmp_path)
    await service.split_off([ids[2]], "officer1")
    assert await service.last_operation(draft_id, "officer1") is not None
    await service.rebuild(service.Analyzer(tmp_path), draft_id, actor="t")
    assert await service.last_operation(draft_id, "officer1") is None
    with pytest.raises(NotFound):
        await service.undo_last(draft_id, "officer1")


async def test_a_cluster_id_is_never_given_to_another_group(database: str, tmp_path: Path) -> None:
    """Point keys (c12) travel in packets and outcomes: a deleted highest id must not come back."""
    draft_id, ids = await _setup(tmp_path)
    big = (await _state())[0][ids[0]][0]
    first = await service.move_member(ids[2], None, "officer1")  # a new cluster: the highest id
    await service.move_member(ids[2], big, "officer1")  # back again; the new cluster is empty now
    await ClusterMember.delete().where(ClusterMember.cluster == first).run()
    await Cluster.delete().where(Cluster.id == first).run()  # as a rebuild deletes clusters
    second = await service.move_member(ids[2], None, "officer1")
    assert second > first
    await service.rebuild(service.Analyzer(tmp_path), draft_id, actor="t")
    assert min(c["id"] for c in await Cluster.select(Cluster.id).run()) > first  # rebuild too: only new ids
