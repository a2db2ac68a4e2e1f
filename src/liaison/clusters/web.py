"""Cluster review for staff: clusters by size, members with differences, summary, split, merge."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.clusters import service
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


@get("/staff/drafts/{slug:str}/clusters", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_list(request: Request, slug: FromPath[str]) -> Template:
    draft = await drafts.get_draft(slug, public=False)
    clusters = await service.list_clusters(draft.id)
    return Template("clusters/list.html", context={
        "draft": draft, "clusters": clusters, "done": request.query_params.get("done"),
    })


@get("/staff/clusters/{cluster_id:int}", guards=[_REVIEWERS], include_in_schema=False)
async def cluster_page(request: Request, cluster_id: FromPath[int]) -> Template:
    cluster = await service.cluster_detail(cluster_id)
    rep_text = cluster["representative.text"]
    members = [{**m, "segments": segments(rep_text, m["opinion.text"])} for m in cluster["members"]]
    from liaison.opinions.service import drafts_slug

    return Template("clusters/detail.html", context={
        "c": cluster, "members": members, "slug": await drafts_slug(cluster["draft"]),
        "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS, "saved": request.query_params.get("saved"),
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
    first = await service.move_member(ids[0], None, _actor(request))
    for opinion_id in ids[1:]:
        await service.move_member(opinion_id, first, _actor(request))
    return Redirect(f"/staff/clusters/{cluster_id}?saved=1", status_code=303)


@post("/staff/drafts/{slug:str}/clusters/merge", guards=[_REVIEWERS], include_in_schema=False, status_code=303)
async def merge(request: Request, slug: FromPath[str]) -> Redirect:
    form = await request.form()
    ids = [int(v) for v in form.getall("cluster") if str(v).isdigit()] if "cluster" in form else []
    target = await service.merge_clusters(ids, _actor(request))
    return Redirect(f"/staff/clusters/{target}?saved=1", status_code=303)


ROUTES = [cluster_list, cluster_page, review, split, merge]
