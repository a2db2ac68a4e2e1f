"""Outreach: the printable QR poster for notice boards, and the public transparency page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from liaison.accounts.roles import Role
from liaison.adoption.service import draft_totals
from liaison.dashboard.charts import bar_chart
from liaison.drafts import service as drafts
from liaison.drafts.numerals import article_label
from liaison.i18n import _
from liaison.network.service import get_office
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import CHANNEL_LABELS
from liaison.outreach.qr import qr_png, qr_svg
from liaison.packets.tables import PacketVersion
from liaison.web.auth import requires

__all__ = ["ROUTES"]

_STAFF = requires(Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF)


def _comment_url(request: Request, slug: str) -> str:
    return str(request.base_url).rstrip("/") + f"/drafts/{slug}/comment"


@get("/staff/drafts/{slug:str}/poster", guards=[_STAFF], include_in_schema=False)
async def poster(request: Request, slug: FromPath[str], office: FromQuery[int | None] = None) -> Template:
    """An A4 page for notice boards: title, deadline, what the draft is about, QR code, office address."""
    draft = await drafts.get_draft(slug, public=False)
    url = _comment_url(request, slug)
    svg = base64.b64encode(qr_svg(url)).decode("ascii")
    return Template("outreach/poster.html", context={
        "draft": draft, "url": url, "qr": f"data:image/svg+xml;base64,{svg}",
        "office": await get_office(office) if office else None,
    })


@get("/staff/drafts/{slug:str}/qr/{filename:str}", guards=[_STAFF], include_in_schema=False)
async def qr_download(request: Request, slug: FromPath[str], filename: FromPath[str]) -> Response[bytes]:
    """``qr.svg`` or ``qr.png``: the comment page's QR code for other print layouts."""
    await drafts.get_draft(slug, public=False)
    url = _comment_url(request, slug)
    if filename == "qr.svg":
        return Response(qr_svg(url), media_type="image/svg+xml",
                        headers={"Content-Disposition": f'attachment; filename="{slug}-qr.svg"'})
    if filename == "qr.png":
        return Response(qr_png(url), media_type="image/png",
                        headers={"Content-Disposition": f'attachment; filename="{slug}-qr.png"'})
    from liaison.core.errors import NotFound

    raise NotFound(_("可下载 qr.svg 或 qr.png"), field="filename")


@get("/drafts/{slug:str}/transparency", include_in_schema=False)
async def transparency(slug: FromPath[str]) -> Template:
    """What was received and what happens with it, for everyone: counts only, no personal data."""
    draft = await drafts.get_draft(slug, public=True)
    from liaison.clusters.tagging import article_overrides

    rows = await Opinion.select(Opinion.id, Opinion.article, Opinion.channel, Opinion.status).where(
        Opinion.draft == draft.id).run()
    kept = [r for r in rows if r["status"] != "set_aside"]
    chosen = {oid: article for oid, (_source, article) in (await article_overrides(draft.id)).items()}
    by_article: dict[int | None, int] = {}
    for r in kept:  # by the article staff placed it under, as in the packet
        article = chosen.get(r["id"], r["article"])
        by_article[article] = by_article.get(article, 0) + 1
    articles = [(article_label(n), c)
                for n, c in sorted(by_article.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))]
    channels: dict[str, int] = {}
    for r in kept:
        label = CHANNEL_LABELS.get(r["channel"], r["channel"])
        channels[label] = channels.get(label, 0) + 1
    packets = await PacketVersion.count().where(PacketVersion.draft == draft.id).run()
    adoption = await draft_totals(draft.id)
    return Template("outreach/transparency.html", context={
        "draft": draft, "total": len(rows), "included": len(kept), "set_aside": len(rows) - len(kept),
        "article_chart": bar_chart(articles, _("各条文收到的意见")), "channel_chart": bar_chart(
            sorted(channels.items(), key=lambda kv: -kv[1]), _("意见来源")),
        "packets": packets, "adoption": adoption, "now": datetime.now(UTC),
    })


ROUTES = [poster, qr_download, transparency]
