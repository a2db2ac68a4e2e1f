"""Cluster review for staff: clusters by size (filterable by topic and stance), members with their
differences and tags, summary, move, split, merge and undo; the draft's topic taxonomy."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.clusters import service, tagging
from liaison.clusters.diff import segments
from liaison.core.errors import Invalid
from liaison.drafts import service as drafts
from liaison.opinions.validation import CHANNEL_LABELS, STATUS_LABELS
from liaison.web.auth import current_user, requires

__all__ = ["ROUTES"]

_REVIEWERS = requires(Role.ADMIN, Role.OFFICER)


def _actor(request: Request) -> str:
    user = current_user(request)
    assert user is not None
    return user.username


def _form_int(value: object, field: str, label: str) -> int:
    text = str(value or "").strip().lstrip("#")
    if not text.isdigit():
        raise Invalid(f"请填写{label}（数字）", field=field)
    return int(text)


def _one_of(value: object, allowed: tuple[str, ...] | set[str], field: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text not in allowed:
        raise Invalid(f"筛选条件“{text[:20]}”无效，请从列表中选择", field=field)
    return text


@get("/staff/drafts/{slug:str}/clusters", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_list(request: Request, slug: FromPath[str]) -> Template:
    draft = await drafts.get_draft(slug, public=False)
    taxonomy, _ = await tagging.taxonomy_of(draft.id)
    topics = [t.name for t in taxonomy.topics]
    topic = _one_of(request.query_params.get("topic"), set(topics), "topic")
    stance = _one_of(request.query_params.get("stance"), tuple(tagging.STANCE_LABELS), "stance")
    clusters = await service.list_clusters(draft.id, topic=topic, stance=stance)
    rep_tags = await tagging.tags_of([c["representative"] for c in clusters])
    return Template("clusters/list.html", context={
        "draft": draft, "clusters": clusters, "done": request.query_params.get("done"),
        "topics": topics, "topic": topic, "stance": stance, "stance_labels": tagging.STANCE_LABELS,
        "rep_tags": rep_tags, "last_op": await service.last_operation(draft.id, _actor(request)),
        "undone": request.query_params.get("undone"),
    })


@get("/staff/clusters/{cluster_id:int}", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_page(request: Request, cluster_id: FromPath[int]) -> Template:
    cluster = await service.cluster_detail(cluster_id)
    rep_text = cluster["representative.text"]
    tags = await tagging.tags_of([m["opinion"] for m in cluster["members"]])
    members = [{**m, "segments": segments(rep_text, m["opinion.text"]), "tags": tags[m["opinion"]]}
               for m in cluster["members"]]
    from liaison.opinions.service import drafts_slug

    taxonomy, _ = await tagging.taxonomy_of(cluster["draft"])
    return Template("clusters/detail.html", context={
        "c": cluster, "members": members, "slug": await drafts_slug(cluster["draft"]),
        "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS, "saved": request.query_params.get("saved"),
        "stance_labels": tagging.STANCE_LABELS, "topics": [t.name for t in taxonomy.topics],
        "source_labels": {"rule": "系统", "suggestion": "系统建议", "person": "人工"},
        "last_op": await service.last_operation(cluster["draft"], _actor(request)),
    })


@post("/staff/clusters/{cluster_id:int}/review", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def review(request: Request, cluster_id: FromPath[int]) -> Redirect:
    form = await request.form()
    rep = str(form.get("representative", "")).strip()
    await service.set_summary(cluster_id, str(form.get("summary", "")), int(rep) if rep.isdigit() else None,
                              _actor(request))
    return Redirect(f"/staff/clusters/{cluster_id}?saved=1", status_code=303)


@post("/staff/clusters/{cluster_id:int}/split", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def split(request: Request, cluster_id: FromPath[int]) -> Redirect:
    form = await request.form()
    ids = [int(v) for v in form.getall("opinion") if str(v).isdigit()] if "opinion" in form else []
    if not ids:
        raise Invalid("请勾选要移出的意见", field="opinion")
    await service.split_off(ids, _actor(request))
    return Redirect(f"/staff/clusters/{cluster_id}?saved=1", status_code=303)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/move", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def move(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Redirect:
    form = await request.form()
    target = _form_int(form.get("target"), "target", "目标归并组编号")
    await service.move_member(opinion_id, target, _actor(request), from_cluster=cluster_id)
    return Redirect(f"/staff/clusters/{cluster_id}?saved=1", status_code=303)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/split", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def split_member(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Redirect:
    created = await service.move_member(opinion_id, None, _actor(request), from_cluster=cluster_id)
    return Redirect(f"/staff/clusters/{created}?saved=1", status_code=303)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/tags", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def member_tags(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Redirect:
    form = await request.form()
    stance = str(form.get("stance", "")).strip()
    if not stance:
        raise Invalid("请选择立场", field="stance")
    topics = [str(v) for v in form.getall("topic")] if "topic" in form else []
    await tagging.set_stance(opinion_id, stance, _actor(request))
    await tagging.set_topics(opinion_id, topics, _actor(request))
    return Redirect(f"/staff/clusters/{cluster_id}?saved=1#m{opinion_id}", status_code=303)


@post("/staff/drafts/{slug:str}/clusters/merge", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def merge(request: Request, slug: FromPath[str]) -> Redirect:
    form = await request.form()
    ids = [int(v) for v in form.getall("cluster") if str(v).isdigit()] if "cluster" in form else []
    target = await service.merge_clusters(ids, _actor(request))
    return Redirect(f"/staff/clusters/{target}?saved=1", status_code=303)


@post("/staff/drafts/{slug:str}/clusters/undo", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def undo(request: Request, slug: FromPath[str]) -> Redirect:
    draft = await drafts.get_draft(slug, public=False)
    await service.undo_last(draft.id, _actor(request))
    return Redirect(f"/staff/drafts/{slug}/clusters?undone=1", status_code=303)


# ---------------------------------------------------------------- topic taxonomy


@get("/staff/drafts/{slug:str}/topics", guards=[_REVIEWERS], include_in_schema=False)
async def topics_page(request: Request, slug: FromPath[str]) -> Template:
    draft = await drafts.get_draft(slug, public=False)
    taxonomy, revision = await tagging.taxonomy_of(draft.id)
    return Template("clusters/topics.html", context={
        "draft": draft, "topics": taxonomy.topics, "revision": revision,
        "suggestions": await tagging.keyword_suggestions(draft.id), "saved": request.query_params.get("saved"),
        "progress": await tagging.retag_progress(draft.id),
    })


def _revision(form: Any) -> int:
    return _form_int(form.get("revision"), "revision", "版本号（请刷新页面）")


@post("/staff/drafts/{slug:str}/topics", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def topic_add(request: Request, slug: FromPath[str]) -> Redirect:
    draft = await drafts.get_draft(slug, public=False)
    form = await request.form()
    await tagging.save_topic(draft.id, _revision(form), None, str(form.get("name", "")),
                             str(form.get("keywords", "")), _actor(request))
    return Redirect(f"/staff/drafts/{slug}/topics?saved=1", status_code=303)


@post("/staff/drafts/{slug:str}/topics/edit", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def topic_edit(request: Request, slug: FromPath[str]) -> Redirect:
    draft = await drafts.get_draft(slug, public=False)
    form = await request.form()
    await tagging.save_topic(draft.id, _revision(form), str(form.get("original", "")), str(form.get("name", "")),
                             str(form.get("keywords", "")), _actor(request))
    return Redirect(f"/staff/drafts/{slug}/topics?saved=1", status_code=303)


@post("/staff/drafts/{slug:str}/topics/delete", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def topic_delete(request: Request, slug: FromPath[str]) -> Redirect:
    draft = await drafts.get_draft(slug, public=False)
    form = await request.form()
    await tagging.delete_topic(draft.id, _revision(form), str(form.get("name", "")), _actor(request))
    return Redirect(f"/staff/drafts/{slug}/topics?saved=1", status_code=303)


@post("/staff/drafts/{slug:str}/topics/keyword", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def topic_keyword(request: Request, slug: FromPath[str]) -> Redirect:
    draft = await drafts.get_draft(slug, public=False)
    form = await request.form()
    word = str(form.get("word", "")).strip()
    if not word:
        raise Invalid("请填写要加入的关键词", field="word")
    await tagging.add_keyword(draft.id, _revision(form), str(form.get("topic", "")), word, _actor(request))
    return Redirect(f"/staff/drafts/{slug}/topics?saved=1", status_code=303)


ROUTES = [cluster_list, cluster_page, review, split, move, split_member, member_tags, merge, undo,
          topics_page, topic_add, topic_edit, topic_delete, topic_keyword]
