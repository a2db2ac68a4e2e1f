"""Cluster review for staff: clusters by size (filterable by topic, stance, sector and article), members
with their differences and tags, summary, move, split, merge and undo; the draft's topic taxonomy.

Every review form works as a plain post (post/redirect/get). Posted by htmx (``HX-Request``), the same
route answers only the part of the page that changed (:mod:`liaison.web.htmx`): a member's tag form
its own ``<li>``; the cluster page's other forms the cluster panel; the list's merge and undo the list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.clusters import service, tagging
from liaison.clusters.diff import segments
from liaison.clusters.tables import Cluster
from liaison.core.errors import DomainError, Invalid, NotFound
from liaison.db import transaction
from liaison.drafts import service as drafts
from liaison.i18n import N_, Labels, _
from liaison.opinions.validation import CHANNEL_LABELS, STATUS_LABELS
from liaison.web.auth import current_user, requires
from liaison.web.htmx import VARY, is_htmx

__all__ = ["ROUTES"]

_REVIEWERS = requires(Role.ADMIN, Role.OFFICER)
#: The undo button names the step it undoes (a whole sentence per kind, so a translator can reorder).
_OP_LABELS = Labels({"move": N_("撤销我上一步的移动"), "split": N_("撤销我上一步的移出"), "merge": N_("撤销我上一步的合并")})
_SOURCE_LABELS = Labels({"rule": N_("系统"), "suggestion": N_("系统建议"), "person": N_("人工")})


def _actor(request: Request) -> str:
    user = current_user(request)
    assert user is not None
    return user.username


def _form_int(value: object, field: str, message: str) -> int:
    """``message`` is the whole (translated) refusal, so each field reads as one sentence."""
    text = str(value or "").strip().lstrip("#")
    if not text.isdigit():
        raise Invalid(message, field=field)
    return int(text)


def _one_of(value: object, allowed: tuple[str, ...] | set[str], field: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text not in allowed:
        raise Invalid(_("筛选条件“%(value)s”无效，请从列表中选择") % {"value": text[:20]}, field=field)
    return text


async def _list_context(request: Request, slug: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The list page's data; ``params`` are the filters (the query, or a list form's hidden fields)."""
    draft = await drafts.get_draft(slug, public=False)
    taxonomy, _revision = await tagging.taxonomy_of(draft.id)
    topics = [t.name for t in taxonomy.topics]
    articles = await drafts.get_articles(draft)
    article_choices = {tagging.NONE: _("总体意见"), **{str(a["number"]): a["label"] for a in articles}}
    chosen = {
        "topic": _one_of(params.get("topic"), set(topics), "topic"),
        "stance": _one_of(params.get("stance"), tuple(tagging.STANCE_LABELS), "stance"),
        "sector": _one_of(params.get("sector"), tagging.SECTOR_NAMES, "sector"),
        "article": _one_of(params.get("article"), set(article_choices), "article"),
    }
    clusters = await service.list_clusters(draft.id, **chosen)
    return {
        "draft": draft, "clusters": clusters, "topics": topics, "stance_labels": tagging.STANCE_LABELS,
        "sectors": tagging.SECTOR_NAMES, "article_choices": article_choices, **chosen,
        "filtered": any(chosen.values()), "filters": {k: v for k, v in chosen.items() if v},
        "rep_tags": await tagging.tags_of([c["representative"] for c in clusters]),
        "last_op": await service.last_operation(draft.id, _actor(request)), "op_labels": _OP_LABELS,
    }


@get("/staff/drafts/{slug:str}/clusters", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_list(request: Request, slug: FromPath[str]) -> Template:
    context = await _list_context(request, slug, request.query_params)
    context.update(done=request.query_params.get("done"), undone=request.query_params.get("undone"))
    return Template("clusters/list.html", context=context, headers=VARY)


async def _detail_context(request: Request, cluster_id: int) -> dict[str, Any]:
    cluster = await service.cluster_detail(cluster_id)
    rep_text = cluster["representative.text"]
    tags = await tagging.tags_of([m["opinion"] for m in cluster["members"]])
    members = [{**m, "segments": segments(rep_text, m["opinion.text"]), "tags": tags[m["opinion"]],
                "article": tagging.effective_article(m["opinion.article"], tags[m["opinion"]])}
               for m in cluster["members"]]
    from liaison.opinions.service import drafts_slug

    slug = await drafts_slug(cluster["draft"])
    draft = await drafts.get_draft(slug, public=False)
    taxonomy, _revision = await tagging.taxonomy_of(cluster["draft"])
    articles = {a["number"]: a["label"] for a in await drafts.get_articles(draft)}
    for m in members:  # an article only an older version has stays choosable for its opinion
        if m["article"] is not None and m["article"] not in articles:
            articles[m["article"]] = _("第%(number)s条（旧版本）") % {"number": m["article"]}
    return {
        "c": cluster, "members": members, "slug": slug,
        "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS,
        "stance_labels": tagging.STANCE_LABELS, "topics": [t.name for t in taxonomy.topics],
        "sectors": tagging.SECTOR_NAMES, "articles": dict(sorted(articles.items())),
        # not "none": in Jinja that name is the None literal, so the form sent "None" and was refused
        "no_choice": tagging.NONE,
        "source_labels": _SOURCE_LABELS,
        "last_op": await service.last_operation(cluster["draft"], _actor(request)), "op_labels": _OP_LABELS,
    }


@get("/staff/clusters/{cluster_id:int}", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_page(request: Request, cluster_id: FromPath[int]) -> Template:
    context = await _detail_context(request, cluster_id)
    context.update(saved=request.query_params.get("saved"), undone=request.query_params.get("undone"))
    return Template("clusters/detail.html", context=context, headers=VARY)


async def _list_url(cluster_id: int) -> str:
    row = await Cluster.select(Cluster.draft.slug).where(Cluster.id == cluster_id).first().run()
    if row is None:
        raise NotFound(_("归并意见 %(id)s 不存在") % {"id": cluster_id}, field="cluster")
    return f"/staff/drafts/{row['draft.slug']}/clusters"


async def _cluster_step(request: Request, cluster_id: int, step: Callable[[], Awaitable[int | None]],
                        *, notice: str = "saved", back: str | None = None) -> Response[Any]:
    """Run a change made on a cluster's page and answer it.

    ``step`` returns the cluster to show next (None: the one posted from). A plain post is redirected
    there (or to the list when the change emptied it away); an htmx post gets that cluster's panel, or a
    refusal in the panel it came from, with the status of the refusal.
    """
    back = back or await _list_url(cluster_id)
    try:
        shown = await step() or cluster_id
    except DomainError as exc:
        if not is_htmx(request):
            raise
        context = await _detail_context(request, cluster_id)
        context["error"] = exc
        return Template("clusters/_detail_panel.html", context=context, status_code=exc.status_code, headers=VARY)
    try:
        context = await _detail_context(request, shown)
    except NotFound:  # its last member left: back to the list
        url = f"{back}?{'undone' if notice == 'undone' else 'done'}=1"
        if is_htmx(request):
            return Response(content="", status_code=200, headers={**VARY, "HX-Redirect": url})
        return Redirect(url, status_code=303, headers=VARY)
    url = f"/staff/clusters/{shown}?{notice}=1"
    if not is_htmx(request):
        return Redirect(url, status_code=303, headers=VARY)
    context[notice] = "1"
    return Template("clusters/_detail_panel.html", context=context, headers={**VARY, "HX-Push-Url": url})


@post("/staff/clusters/{cluster_id:int}/review", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def review(request: Request, cluster_id: FromPath[int]) -> Response[Any]:
    form = await request.form()

    async def step() -> None:
        rep = str(form.get("representative", "")).strip()
        await service.set_summary(cluster_id, str(form.get("summary", "")), int(rep) if rep.isdigit() else None,
                                  _actor(request))

    return await _cluster_step(request, cluster_id, step)


@post("/staff/clusters/{cluster_id:int}/split", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def split(request: Request, cluster_id: FromPath[int]) -> Response[Any]:
    form = await request.form()

    async def step() -> None:
        ids = [int(v) for v in form.getall("opinion") if str(v).isdigit()] if "opinion" in form else []
        if not ids:
            raise Invalid(_("请勾选要移出的意见"), field="opinion")
        await service.split_off(ids, _actor(request))

    return await _cluster_step(request, cluster_id, step)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/move", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def move(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Response[Any]:
    form = await request.form()

    async def step() -> None:
        target = _form_int(form.get("target"), "target", _("请填写目标归并组编号（数字）"))
        await service.move_member(opinion_id, target, _actor(request), from_cluster=cluster_id)

    return await _cluster_step(request, cluster_id, step)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/split", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def split_member(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Response[Any]:
    async def step() -> int:
        return await service.move_member(opinion_id, None, _actor(request), from_cluster=cluster_id)

    return await _cluster_step(request, cluster_id, step)


async def _save_tags(form: Any, opinion_id: int, actor: str) -> None:
    """A member's tag form: stance and topics as chosen; sector and article only if changed (a person's
    decision is recorded only for what the person changed). One transaction: a refusal saves nothing."""
    stance = str(form.get("stance", "")).strip()
    if not stance:
        raise Invalid(_("请选择立场"), field="stance")
    topics = [str(v) for v in form.getall("topic")] if "topic" in form else []
    async with transaction():
        if "article" in form:
            await tagging.set_article(opinion_id, str(form.get("article", "")), actor)
        if "sector" in form:
            await tagging.set_sector(opinion_id, str(form.get("sector", "")), actor)
        await tagging.set_stance(opinion_id, stance, actor)
        await tagging.set_topics(opinion_id, topics, actor)


@post("/staff/clusters/{cluster_id:int}/members/{opinion_id:int}/tags", guards=[_REVIEWERS],
      include_in_schema=False, status_code=303)
async def member_tags(request: Request, cluster_id: FromPath[int], opinion_id: FromPath[int]) -> Response[Any]:
    """Save a member's tags. htmx gets the member's ``<li>`` back (the rest of the page is unchanged)."""
    form = await request.form()
    error: DomainError | None = None
    try:
        await _save_tags(form, opinion_id, _actor(request))
    except DomainError as exc:
        if not is_htmx(request):
            raise
        error = exc
    if not is_htmx(request):
        return Redirect(f"/staff/clusters/{cluster_id}?saved=1#m{opinion_id}", status_code=303, headers=VARY)
    context = await _detail_context(request, cluster_id)
    member = next((m for m in context["members"] if m["opinion"] == opinion_id), None)
    if member is None:
        raise NotFound(_("意见 %(opinion)s 不在归并组 #%(cluster)s 中") % {"opinion": opinion_id, "cluster": cluster_id},
                       field="opinion")
    context.update(m=member, tag_error=error, tags_saved=error is None)
    return Template("clusters/_member.html", context=context, status_code=error.status_code if error else 200,
                    headers=VARY)


async def _list_step(request: Request, slug: str, step: Callable[[], Awaitable[dict[str, Any]]],
                     plain_url: Callable[[dict[str, Any]], str]) -> Response[Any]:
    """Merge or undo from the list: a plain post is redirected; htmx gets the list panel (kept filters)."""
    form = await request.form()
    try:
        notice = await step()
    except DomainError as exc:
        if not is_htmx(request):
            raise
        context = await _list_context(request, slug, form)
        context["error"] = exc
        return Template("clusters/_list_panel.html", context=context, status_code=exc.status_code, headers=VARY)
    if not is_htmx(request):
        return Redirect(plain_url(notice), status_code=303, headers=VARY)
    context = await _list_context(request, slug, form)
    context.update(notice)
    return Template("clusters/_list_panel.html", context=context, headers=VARY)


@post("/staff/drafts/{slug:str}/clusters/merge", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def merge(request: Request, slug: FromPath[str]) -> Response[Any]:
    """Merge the ticked clusters; the plain post goes on to the merged cluster, htmx stays on the list."""
    form = await request.form()

    async def step() -> dict[str, Any]:
        ids = [int(v) for v in form.getall("cluster") if str(v).isdigit()] if "cluster" in form else []
        return {"merged": await service.merge_clusters(ids, _actor(request))}

    return await _list_step(request, slug, step, lambda n: f"/staff/clusters/{n['merged']}?saved=1")


@post("/staff/drafts/{slug:str}/clusters/undo", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def undo(request: Request, slug: FromPath[str]) -> Response[Any]:
    """Undo the person's last move/split/merge. Posted from a cluster's page (hidden ``cluster``), the
    answer is that cluster again while it still exists; from the list, the list."""
    draft = await drafts.get_draft(slug, public=False)
    form = await request.form()
    cluster = str(form.get("cluster", "")).strip()

    async def step() -> dict[str, Any]:
        await service.undo_last(draft.id, _actor(request))
        return {"undone": "1"}

    if cluster.isdigit():
        async def undo_here() -> None:
            await step()

        return await _cluster_step(request, int(cluster), undo_here, notice="undone",
                                   back=f"/staff/drafts/{slug}/clusters")
    return await _list_step(request, slug, step, lambda _notice: f"/staff/drafts/{slug}/clusters?undone=1")


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
    return _form_int(form.get("revision"), "revision", _("请填写版本号（请刷新页面）（数字）"))


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
        raise Invalid(_("请填写要加入的关键词"), field="word")
    await tagging.add_keyword(draft.id, _revision(form), str(form.get("topic", "")), word, _actor(request))
    return Redirect(f"/staff/drafts/{slug}/topics?saved=1", status_code=303)


ROUTES = [cluster_list, cluster_page, review, split, move, split_member, member_tags, merge, undo,
          topics_page, topic_add, topic_edit, topic_delete, topic_keyword]
