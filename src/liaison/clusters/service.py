"""Assigning opinions to clusters as they arrive, rebuilding, and staff decisions.

The machine side runs in one place only — the analysis worker (``liaison
worker``, or inside ``liaison serve`` when it runs a single process) — so the
in-memory near-duplicate index of each draft has a single writer. The index is
saved under the data dir and reloaded after a restart; ``rebuild`` recomputes
it from the opinions. Staff decisions (merge, move, representative, summary)
are stored as ``source='person'`` and survive a rebuild.

The worker also writes each opinion's machine tags (stance, topics, sector, article) in the same
transaction as its cluster assignment (:mod:`liaison.clusters.tagging`). Each staff move, split or
merge is recorded as a :class:`ReviewOperation` with the clusters and memberships it changed, so
the person who made it can undo it (:func:`undo_last`).
"""

from __future__ import annotations

import gc
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liaison.analysis.cluster import NearDuplicateIndex
from liaison.audit import service as audit
from liaison.clusters import tagging
from liaison.clusters.tables import AnalysisState, Cluster, ClusterIdHighWater, ClusterMember, ReviewOperation
from liaison.core.errors import Conflict, Invalid, NotFound
from liaison.core.jsonable import to_jsonable
from liaison.db import bulk_insert, is_sqlite, transaction
from liaison.drafts.tables import DraftArticle, DraftVersion
from liaison.i18n import _
from liaison.opinions.tables import Opinion

__all__ = ["Analyzer", "assign_pending", "cluster_detail", "last_operation", "list_clusters", "merge_clusters",
           "move_member", "rebuild", "set_summary", "split_off", "undo_last"]

log = logging.getLogger("liaison.clusters")
BATCH = 500  # opinions per round: bounded so the web process stays responsive


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _DraftIndex:
    """One draft's index and the opinion id at each index position."""

    index: NearDuplicateIndex
    opinion_ids: list[int] = field(default_factory=list)


class Analyzer:
    """Holds the per-draft indexes of this process (the analysis worker)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "analysis"
        self.indexes: dict[int, _DraftIndex] = {}
        self.tags = tagging.TagCache()

    def _paths(self, draft_id: int) -> tuple[Path, Path]:
        return self.dir / f"draft-{draft_id}.npz", self.dir / f"draft-{draft_id}.ids.json"

    async def _draft_texts(self, draft_id: int) -> list[str]:
        versions = await DraftVersion.select(DraftVersion.id).where(DraftVersion.draft == draft_id).run()
        if not versions:
            return []
        rows = await DraftArticle.select(DraftArticle.text).where(
            DraftArticle.version.is_in([v["id"] for v in versions])
        ).run()
        return [r["text"] for r in rows]

    async def index_for(self, draft_id: int, indexed: int) -> _DraftIndex:
        """The draft's index: in memory, else from disk if it matches the database, else empty."""
        current = self.indexes.get(draft_id)
        if current is not None and len(current.opinion_ids) == indexed:
            return current
        npz, ids_path = self._paths(draft_id)
        if indexed and npz.exists() and ids_path.exists():
            ids = json.loads(ids_path.read_text(encoding="utf-8"))
            if len(ids) == indexed:
                loaded = _DraftIndex(NearDuplicateIndex.load(npz), ids)
                self.indexes[draft_id] = loaded
                # the index's millions of objects are long-lived and hold no cycles: out of the
                # collector's sight, a full collection no longer walks them (~0.2 s at a million,
                # paid by whichever opinion's assignment triggered it)
                gc.freeze()
                return loaded
        if indexed:
            raise _StaleIndex(draft_id)
        fresh = _DraftIndex(NearDuplicateIndex(await self._draft_texts(draft_id)))
        self.indexes[draft_id] = fresh
        return fresh

    def save(self, draft_id: int) -> None:
        entry = self.indexes.get(draft_id)
        if entry is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        npz, ids_path = self._paths(draft_id)
        entry.index.save(npz)
        ids_path.write_text(json.dumps(entry.opinion_ids), encoding="utf-8")

    def forget(self, draft_id: int) -> None:
        self.indexes.pop(draft_id, None)
        self.tags.forget(draft_id)
        for path in self._paths(draft_id):
            path.unlink(missing_ok=True)


class _StaleIndex(Exception):
    """The saved index does not match the database: rebuild it."""

    def __init__(self, draft_id: int) -> None:
        super().__init__(draft_id)
        self.draft_id = draft_id


async def _state(draft_id: int) -> dict[str, Any]:
    row = await AnalysisState.select().where(AnalysisState.draft == draft_id).first().run()
    if row is None:
        await AnalysisState.insert(AnalysisState(draft=draft_id, last_opinion=0, indexed=0)).run()
        row = await AnalysisState.select().where(AnalysisState.draft == draft_id).first().run()
    return row


async def _assign_draft(analyzer: Analyzer, draft_id: int) -> int:
    state = await _state(draft_id)
    try:
        entry = await analyzer.index_for(draft_id, state["indexed"])
    except _StaleIndex:
        log.warning("index of draft %s is missing or stale; rebuilding", draft_id)
        await rebuild(analyzer, draft_id, actor="worker")
        return 0
    rows = await Opinion.select(Opinion.id, Opinion.text, Opinion.article, Opinion.version).where(
        (Opinion.draft == draft_id) & (Opinion.id > state["last_opinion"])
    ).order_by(Opinion.id).limit(BATCH).run()
    if not rows:
        return 0
    batch_ids = [r["id"] for r in rows]
    decided = {
        r["opinion"] for r in await ClusterMember.select(ClusterMember.opinion).where(
            ClusterMember.opinion.is_in(batch_ids)
        ).run()
    }
    # 1. The machine's choice for each opinion (CPU only): the opinion id of its representative.
    rep_of: dict[int, int] = {}
    for row in rows:
        position = entry.index.add(row["text"])
        entry.opinion_ids.append(row["id"])
        rep_of[row["id"]] = entry.opinion_ids[position]  # add() returns the representative's position
    new_reps = [r for r in rows if rep_of[r["id"]] == r["id"] and r["id"] not in decided]
    earlier_reps = sorted({rep for oid, rep in rep_of.items() if rep != oid and rep not in rep_of})
    async with transaction():
        # 2. Clusters the earlier representatives belong to (a person may have moved them).
        cluster_of: dict[int, int] = {}
        for start in range(0, len(earlier_reps), 500):
            for m in await ClusterMember.select(ClusterMember.opinion, ClusterMember.cluster).where(
                ClusterMember.opinion.is_in(earlier_reps[start:start + 500])
            ).run():
                cluster_of[m["opinion"]] = m["cluster"]
        # 3. New clusters in one statement, then their ids.
        now = _now()
        joining: dict[int, int] = {}
        for row in rows:
            if row["id"] not in decided:
                joining[rep_of[row["id"]]] = joining.get(rep_of[row["id"]], 0) + 1
        ids = await new_cluster_ids(len(new_reps))
        columns = ["draft", "representative", "article", "summary", "size", "reviewed_by", "created_at", "updated_at"]
        values = [(draft_id, r["id"], r["article"], "", joining.get(r["id"], 0), "", now, now) for r in new_reps]
        if ids:
            columns, values = ["id", *columns], [(i, *v) for i, v in zip(ids, values, strict=True)]
        await bulk_insert(Cluster, columns, values)
        new_rep_ids = {r["id"] for r in new_reps}
        reps = [r["id"] for r in new_reps]
        for start in range(0, len(reps), 500):
            for c in await Cluster.select(Cluster.id, Cluster.representative).where(
                (Cluster.draft == draft_id) & Cluster.representative.is_in(reps[start:start + 500])
            ).run():
                cluster_of.setdefault(c["representative"], c["id"])
        # 4. Memberships in one statement; sizes of the clusters that grew.
        members: list[tuple[Any, ...]] = []
        grown: dict[int, int] = {}
        for row in rows:
            if row["id"] in decided:
                continue
            cluster_id = cluster_of.get(rep_of[row["id"]])
            if cluster_id is None:  # its representative was placed by a person into no cluster yet
                continue
            members.append((cluster_id, row["id"], "machine", "", now))
            if rep_of[row["id"]] not in new_rep_ids:  # new clusters were created with their size
                grown[cluster_id] = grown.get(cluster_id, 0) + 1
        await bulk_insert(ClusterMember, ["cluster", "opinion", "source", "decided_by", "decided_at"], members)
        await bulk_update_sizes(grown)
        await tagging.tag_batch(analyzer.tags, draft_id, rows)
        await AnalysisState.update({
            AnalysisState.last_opinion: rows[-1]["id"], AnalysisState.indexed: len(entry.opinion_ids),
            AnalysisState.updated_at: now,
        }).where(AnalysisState.draft == draft_id).run()
    analyzer.save(draft_id)
    return len(rows)


async def bulk_update_sizes(grown: dict[int, int]) -> None:
    """Add to the size of each cluster that gained members."""
    for cluster_id, added in grown.items():
        await Cluster.raw("UPDATE clusters SET size = size + {} WHERE id = {}", added, cluster_id).run()


async def _members_per_cluster(column: Any, ids: list[int]) -> dict[int, int]:
    """Members per cluster among the rows whose ``column`` is in ``ids`` (chunked: bound-parameter limits)."""
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        for m in await ClusterMember.select(ClusterMember.cluster).where(column.is_in(ids[start:start + 500])).run():
            counts[m["cluster"]] = counts.get(m["cluster"], 0) + 1
    return counts


async def _refresh_sizes(draft_id: int, only: set[int] | None = None) -> None:
    """Recount members (of ``only`` these clusters, if given); drop clusters left empty."""
    if only is None:
        ids = [c["id"] for c in await Cluster.select(Cluster.id).where(Cluster.draft == draft_id).run()]
    else:
        ids = sorted(only)
    counts = await _members_per_cluster(ClusterMember.cluster, ids)
    for cluster_id in ids:
        size = counts.get(cluster_id, 0)
        if size == 0:
            await Cluster.delete().where(Cluster.id == cluster_id).run()
        else:
            await Cluster.update({Cluster.size: size}).where(Cluster.id == cluster_id).run()


async def assign_pending(analyzer: Analyzer) -> int:
    """Assign (and tag) up to one batch of unseen opinions per draft; returns how many (call again
    while > 0). Re-tagging after a taxonomy edit is :func:`liaison.clusters.tagging.retag_pending`."""
    from liaison.drafts.tables import Draft

    total = 0
    for draft in await Draft.select(Draft.id).run():
        total += await _assign_draft(analyzer, draft["id"])  # one bounded batch per draft per round
    return total


async def rebuild(analyzer: Analyzer, draft_id: int, *, actor: str) -> int:
    """Recompute the machine's clusters of a draft from scratch; people's decisions stay."""
    analyzer.forget(draft_id)
    async with transaction():
        clusters = [c["id"] for c in await Cluster.select(Cluster.id).where(Cluster.draft == draft_id).run()]
        for start in range(0, len(clusters), 500):
            await ClusterMember.delete().where(
                ClusterMember.cluster.is_in(clusters[start:start + 500]) & (ClusterMember.source == "machine")
            ).run()
        await _refresh_sizes(draft_id)
        await tagging.clear_machine_tags(draft_id)
        await tagging.mark_tagged(draft_id)  # the pass below tags with the current taxonomy
        # the clusters the recorded steps refer to are recomputed: those steps can no longer be undone
        await ReviewOperation.delete().where(
            (ReviewOperation.draft == draft_id) & ReviewOperation.undone_at.is_null()).run()
        await AnalysisState.delete().where(AnalysisState.draft == draft_id).run()
        await audit.record("draft", draft_id, "analysis_rebuild", actor)
    total = 0
    while True:
        done = await _assign_draft(analyzer, draft_id)
        total += done
        if done < BATCH:
            return total


# ---------------------------------------------------------------- reading and staff decisions


async def list_clusters(draft_id: int, *, min_size: int = 2, topic: str | None = None,
                        stance: str | None = None, sector: str | None = None,
                        article: str | None = None) -> list[dict[str, Any]]:
    """Clusters of at least ``min_size``, largest first; with ``topic``/``stance``/``sector``/``article``
    (a number, or :data:`tagging.NONE` for 总体意见), only those with members so tagged (``matching``
    = how many), whatever their size. People's tags win over the machine's here as everywhere."""
    wanted: set[int] | None = None
    for kind, value in (("topic", topic), ("stance", stance), ("sector", sector), ("article", article)):
        if value:
            if kind == "article":
                found = await tagging.opinions_on_article(draft_id, None if value == tagging.NONE else int(value))
            else:
                found = await tagging.opinions_tagged(draft_id, kind, value)
            wanted = found if wanted is None else wanted & found
    matching: dict[int, int] = {}
    if wanted is not None:
        matching.update(await _members_per_cluster(ClusterMember.opinion, sorted(wanted)))
        if not matching:
            return []
    def query() -> Any:  # a fresh query each time: piccolo's where() adds to the query it is called on
        return Cluster.select(
            Cluster.id, Cluster.size, Cluster.article, Cluster.summary, Cluster.reviewed_by,
            Cluster.representative, Cluster.representative.text,
        ).order_by(Cluster.size, ascending=False)

    if wanted is None:
        return await query().where((Cluster.draft == draft_id) & (Cluster.size >= min_size)).run()
    rows: list[dict[str, Any]] = []
    cluster_ids = sorted(matching)
    for start in range(0, len(cluster_ids), 500):
        rows += await query().where(Cluster.id.is_in(cluster_ids[start:start + 500])).run()
    rows.sort(key=lambda r: (-matching[r["id"]], -r["size"], r["id"]))
    return [{**r, "matching": matching[r["id"]]} for r in rows]


async def cluster_detail(cluster_id: int) -> dict[str, Any]:
    cluster = await Cluster.select(*Cluster.all_columns(), Cluster.representative.text).where(
        Cluster.id == cluster_id
    ).first().run()
    if cluster is None:
        raise NotFound(_("归并意见 %(id)s 不存在") % {"id": cluster_id}, field="cluster")
    members = await ClusterMember.select(
        ClusterMember.opinion, ClusterMember.source, ClusterMember.decided_by, ClusterMember.opinion.text,
        ClusterMember.opinion.article, ClusterMember.opinion.channel, ClusterMember.opinion.status,
    ).where(ClusterMember.cluster == cluster_id).order_by(ClusterMember.opinion).run()
    return {**cluster, "members": members}


async def set_summary(cluster_id: int, summary: str, representative: int | None, actor: str) -> None:
    cluster = await cluster_detail(cluster_id)
    summary = summary.strip()
    if len(summary) > 2000:
        raise Invalid(_("归并意见摘要最多 %(max)s 字") % {"max": 2000}, field="summary")
    values: dict[Any, Any] = {Cluster.summary: summary, Cluster.reviewed_by: actor, Cluster.updated_at: _now()}
    if representative is not None:
        if representative not in {m["opinion"] for m in cluster["members"]}:
            raise Invalid(_("代表性意见必须是本组的成员"), field="representative")
        values[Cluster.representative] = representative
    async with transaction():
        await Cluster.update(values).where(Cluster.id == cluster_id).run()
        await audit.record("cluster", cluster_id, "review", actor,
                           before={"summary": cluster["summary"], "representative": cluster["representative"]},
                           after={"summary": summary, "representative": representative or cluster["representative"]})


_CLUSTER_FIELDS = ("id", "draft", "representative", "article", "summary", "size", "reviewed_by", "created_at",
                   "updated_at")


async def _snapshot(cluster_ids: set[int], opinion_ids: list[int]) -> dict[str, Any]:
    """The clusters and memberships an operation is about to change, as JSON for its undo."""
    clusters = await Cluster.select(*[getattr(Cluster, f) for f in _CLUSTER_FIELDS]).where(
        Cluster.id.is_in(sorted(cluster_ids))).run() if cluster_ids else []
    members: list[dict[str, Any]] = []
    for start in range(0, len(opinion_ids), 500):
        members += await ClusterMember.select(
            ClusterMember.opinion, ClusterMember.cluster, ClusterMember.source, ClusterMember.decided_by,
            ClusterMember.decided_at,
        ).where(ClusterMember.opinion.is_in(opinion_ids[start:start + 500])).run()
    return to_jsonable({"clusters": clusters, "members": members})


async def _record_operation(draft_id: int, kind: str, actor: str, before: dict[str, Any]) -> None:
    """Store the operation with where each moved opinion now is (checked again before an undo)."""
    ids = [m["opinion"] for m in before["members"]]
    after: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        for m in await ClusterMember.select(ClusterMember.opinion, ClusterMember.cluster).where(
            ClusterMember.opinion.is_in(ids[start:start + 500])
        ).run():
            after[str(m["opinion"])] = m["cluster"]
    await ReviewOperation.insert(ReviewOperation(draft=draft_id, actor=actor, kind=kind, before=before,
                                                 after={"members": after})).run()


async def _membership(opinion_id: int) -> dict[str, Any]:
    member = await ClusterMember.select(ClusterMember.id, ClusterMember.cluster, ClusterMember.cluster.draft).where(
        ClusterMember.opinion == opinion_id
    ).first().run()
    if member is None:
        raise NotFound(_("意见 %(id)s 还没有归并") % {"id": opinion_id}, field="opinion")
    return member


async def new_cluster_ids(count: int) -> list[int] | None:
    """Ids for ``count`` new clusters that no cluster ever had (inside the caller's transaction).

    None on PostgreSQL, whose sequence already never reuses an id; see ``ClusterIdHighWater``.
    """
    if count <= 0 or not is_sqlite():
        return None
    from piccolo.query.functions.aggregate import Max

    mark = await ClusterIdHighWater.select().first().run()
    highest = (await Cluster.select(Max(Cluster.id).as_alias("top")).first().run() or {}).get("top") or 0
    last = max(mark["last_id"] if mark else 0, highest)
    if mark is None:
        await ClusterIdHighWater.insert(ClusterIdHighWater(last_id=last + count)).run()
    else:
        await ClusterIdHighWater.update({ClusterIdHighWater.last_id: last + count}).where(
            ClusterIdHighWater.id == mark["id"]).run()
    return list(range(last + 1, last + count + 1))


async def _move(member: dict[str, Any], opinion_id: int, target_cluster: int | None, actor: str) -> int:
    """Move one membership (inside the caller's transaction); None makes a cluster of its own."""
    draft_id = member["cluster.draft"]
    if target_cluster is None:
        opinion = await Opinion.select(Opinion.article).where(Opinion.id == opinion_id).first().run()
        cluster = Cluster(draft=draft_id, representative=opinion_id, article=opinion["article"], size=1,
                          reviewed_by=actor)
        ids = await new_cluster_ids(1)
        if ids:
            cluster.id = ids[0]
        created = await Cluster.insert(cluster).run()
        target_cluster = created[0]["id"]
    else:
        target = await Cluster.select(Cluster.draft).where(Cluster.id == target_cluster).first().run()
        if target is None or target["draft"] != draft_id:
            raise Invalid(_("归并组 #%(id)s 不存在或不属于同一草案") % {"id": target_cluster}, field="cluster")
    await ClusterMember.update({
        ClusterMember.cluster: target_cluster, ClusterMember.source: "person", ClusterMember.decided_by: actor,
        ClusterMember.decided_at: _now(),
    }).where(ClusterMember.id == member["id"]).run()
    await _replace_representative(member["cluster"], opinion_id)
    await _refresh_sizes(draft_id, {member["cluster"], target_cluster})
    await audit.record("cluster", member["cluster"], "move_member", actor,
                       before={"opinion": opinion_id, "cluster": member["cluster"]},
                       after={"opinion": opinion_id, "cluster": target_cluster})
    return target_cluster


async def _replace_representative(cluster_id: int, leaving: int) -> None:
    """When a cluster's representative leaves, its earliest remaining member represents it."""
    old = await Cluster.select(Cluster.representative).where(Cluster.id == cluster_id).first().run()
    if old and old["representative"] == leaving:
        remaining = await ClusterMember.select(ClusterMember.opinion).where(
            ClusterMember.cluster == cluster_id).order_by(ClusterMember.opinion).first().run()
        if remaining:
            await Cluster.update({Cluster.representative: remaining["opinion"]}).where(Cluster.id == cluster_id).run()


async def move_member(opinion_id: int, target_cluster: int | None, actor: str, *,
                      from_cluster: int | None = None) -> int:
    """Move an opinion to another cluster of the same draft, or out into a cluster of its own.

    ``from_cluster`` is the cluster the person saw it in: if someone moved it since, the move
    is refused (409) rather than applied to a page that no longer shows the truth.
    """
    member = await _membership(opinion_id)
    if from_cluster is not None and member["cluster"] != from_cluster:
        raise Conflict(_("意见 %(opinion)s 已不在归并组 #%(cluster)s 中（可能刚被他人移动），请刷新页面后再操作")
                       % {"opinion": opinion_id, "cluster": from_cluster},
                       field="cluster")
    if target_cluster == member["cluster"]:
        raise Invalid(_("意见 %(opinion)s 已经在归并组 #%(cluster)s 中") % {"opinion": opinion_id, "cluster": target_cluster},
                      field="cluster")
    async with transaction():
        before = await _snapshot({member["cluster"]} | ({target_cluster} if target_cluster else set()), [opinion_id])
        moved_to = await _move(member, opinion_id, target_cluster, actor)
        await _record_operation(member["cluster.draft"], "split" if target_cluster is None else "move", actor, before)
    return moved_to


async def split_off(opinion_ids: list[int], actor: str) -> int:
    """Move several opinions of one draft out together into one new cluster (one undoable step)."""
    ids = list(dict.fromkeys(opinion_ids))
    if not ids:
        raise Invalid(_("请勾选要移出的意见"), field="opinion")
    members = [await _membership(oid) for oid in ids]
    if len({m["cluster.draft"] for m in members}) != 1:
        raise Invalid(_("只能把同一草案的意见移出为一组"), field="opinion")
    async with transaction():
        before = await _snapshot({m["cluster"] for m in members}, ids)
        first = await _move(members[0], ids[0], None, actor)
        for oid, member in zip(ids[1:], members[1:]):
            await _move(await _membership(oid), oid, first, actor)
        await _record_operation(members[0]["cluster.draft"], "split", actor, before)
    return first


async def merge_clusters(cluster_ids: list[int], actor: str) -> int:
    """Merge several clusters into the first; every moved membership is a person's decision."""
    if len(set(cluster_ids)) < 2:
        raise Invalid(_("请至少选择两组意见进行合并"), field="clusters")
    cluster_ids = list(dict.fromkeys(cluster_ids))
    target, *others = cluster_ids
    rows = await Cluster.select(Cluster.id, Cluster.draft).where(Cluster.id.is_in(cluster_ids)).run()
    if len(rows) != len(cluster_ids) or len({r["draft"] for r in rows}) != 1:
        raise Invalid(_("只能合并同一草案中存在的归并组"), field="clusters")
    async with transaction():
        moving = [m["opinion"] for m in await ClusterMember.select(ClusterMember.opinion).where(
            ClusterMember.cluster.is_in(others)).run()]
        before = await _snapshot(set(cluster_ids), moving)
        await ClusterMember.update({
            ClusterMember.cluster: target, ClusterMember.source: "person", ClusterMember.decided_by: actor,
            ClusterMember.decided_at: _now(),
        }).where(ClusterMember.cluster.is_in(others)).run()
        await _refresh_sizes(rows[0]["draft"], set(cluster_ids))
        await audit.record("cluster", target, "merge", actor, before={"clusters": cluster_ids},
                           after={"cluster": target})
        await _record_operation(rows[0]["draft"], "merge", actor, before)
    return target


# ---------------------------------------------------------------- undo


async def last_operation(draft_id: int, actor: str) -> dict[str, Any] | None:
    """The person's latest move/split/merge on this draft that is not undone yet."""
    return await ReviewOperation.select(ReviewOperation.id, ReviewOperation.kind, ReviewOperation.created_at).where(
        (ReviewOperation.draft == draft_id) & (ReviewOperation.actor == actor) & ReviewOperation.undone_at.is_null()
    ).order_by(ReviewOperation.id, ascending=False).first().run()


def _when(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else _now()


async def undo_last(draft_id: int, actor: str) -> dict[str, Any]:
    """Reverse the person's latest move/split/merge on the draft: memberships go back where they were
    (with the source and decider they had), clusters it emptied come back, clusters it made go.

    Raises:
        NotFound: nothing of theirs to undo.
        Conflict: someone has moved those opinions again since; undo would overwrite that.
    """
    async with transaction():
        op = await ReviewOperation.select().where(
            (ReviewOperation.draft == draft_id) & (ReviewOperation.actor == actor) & ReviewOperation.undone_at.is_null()
        ).order_by(ReviewOperation.id, ascending=False).output(load_json=True).first().run()
        if op is None:
            raise NotFound(_("没有可以撤销的归并操作"), field="operation")
        before, expected = op["before"], {int(k): v for k, v in op["after"]["members"].items()}
        ids = sorted(expected)
        current: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            for m in await ClusterMember.select(ClusterMember.opinion, ClusterMember.cluster).where(
                ClusterMember.opinion.is_in(ids[start:start + 500])
            ).run():
                current[m["opinion"]] = m["cluster"]
        if current != expected:
            raise Conflict(_("这些意见之后又被调整过，不能撤销这一步；请直接移动或合并"), field="operation")
        snapshot_ids = [c["id"] for c in before["clusters"]]
        existing = {c["id"] for c in await Cluster.select(Cluster.id).where(Cluster.id.is_in(snapshot_ids)).run()} \
            if snapshot_ids else set()
        await bulk_insert(Cluster, list(_CLUSTER_FIELDS), [
            (c["id"], c["draft"], c["representative"], c["article"], c["summary"], c["size"], c["reviewed_by"],
             _when(c["created_at"]), _when(c["updated_at"]))
            for c in before["clusters"] if c["id"] not in existing
        ])
        for m in before["members"]:
            await ClusterMember.update({
                ClusterMember.cluster: m["cluster"], ClusterMember.source: m["source"],
                ClusterMember.decided_by: m["decided_by"], ClusterMember.decided_at: _when(m["decided_at"]),
            }).where(ClusterMember.opinion == m["opinion"]).run()
        for c in before["clusters"]:
            if c["id"] in existing:  # its representative, if it came back; later summaries stay
                await Cluster.update({Cluster.representative: c["representative"]}).where(
                    (Cluster.id == c["id"]) & Cluster.id.is_in([m["cluster"] for m in before["members"]
                                                                 if m["opinion"] == c["representative"]] or [0])
                ).run()
        await _refresh_sizes(draft_id, set(snapshot_ids) | set(expected.values()))
        await ReviewOperation.update({ReviewOperation.undone_at: _now()}).where(ReviewOperation.id == op["id"]).run()
        await audit.record("cluster", snapshot_ids[0] if snapshot_ids else 0, f"undo_{op['kind']}", actor,
                           before={"operation": op["id"], "clusters": sorted(set(expected.values()))},
                           after={"clusters": snapshot_ids})
    return {"id": op["id"], "kind": op["kind"], "clusters": snapshot_ids}
