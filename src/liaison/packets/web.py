"""Officers compile packets, read them in the browser (print view) and download the exports."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from liaison.accounts.roles import Role
from liaison.config import Settings
from liaison.core.errors import Invalid
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.packets import compile as packets
from liaison.packets.model import channel_label
from liaison.web.auth import current_user, requires

__all__ = ["ROUTES"]

_OFFICERS = requires(Role.ADMIN, Role.OFFICER)
MEDIA = {
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@get("/staff/drafts/{slug:str}/packets", guards=[_OFFICERS], include_in_schema=False)
async def packet_list(slug: FromPath[str]) -> Template:
    """The versions, their downloads and, when an upstream is configured, their submission state."""
    from liaison.submission import outbox, peers

    draft = await drafts.get_draft(slug, public=False)
    return Template("packets/list.html", context={
        "draft": draft, "versions": await packets.list_packets(slug),
        "upstream": await peers.get_upstream(), "submissions": await outbox.submission_state(draft.id),
    })


@post("/staff/drafts/{slug:str}/packets", guards=[_OFFICERS], include_in_schema=False, status_code=303)
async def packet_compile(request: Request, slug: FromPath[str]) -> Redirect:
    settings: Settings = request.app.state.settings
    form = await request.form()
    packet = await packets.compile_packet(slug, current_user(request),
                                          personal_data=str(form.get("personal_data", "masked")),
                                          station_name=settings.station_name)
    return Redirect(f"/staff/drafts/{slug}/packets/{packet.version}?new=1", status_code=303)


@get("/staff/drafts/{slug:str}/packets/{number:int}", guards=[_OFFICERS], include_in_schema=False)
async def packet_view(request: Request, slug: FromPath[str], number: FromPath[int]) -> Template:
    """The packet as a page (also the print view: the stylesheet hides navigation when printing)."""
    packet = await packets.get_packet(slug, number, current_user(request))
    return Template("packets/view.html", context={
        "p": packet, "slug": slug, "channel_label": channel_label, "new": request.query_params.get("new"),
    })


@get("/staff/drafts/{slug:str}/packets/{number:int}/{filename:str}", guards=[_OFFICERS], include_in_schema=False)
async def packet_download(request: Request, slug: FromPath[str], number: FromPath[int],
                          filename: FromPath[str]) -> Response[bytes]:
    """``packet.json``, ``packet.docx`` or ``packet.xlsx`` of a stored version."""
    stem, _dot, ext = filename.partition(".")
    if stem != "packet" or ext not in MEDIA:
        raise Invalid(_("可下载 packet.json、packet.docx 或 packet.xlsx"), field="format")
    packet = await packets.get_packet(slug, number, current_user(request))
    body = await export(slug, packet, ext)
    return Response(body, media_type=MEDIA[ext], headers={
        "Content-Disposition": f'attachment; filename="{slug}-v{number}.{ext}"'})


async def export(slug: str, packet: packets.Packet, ext: str, rows: list[dict[str, Any]] | None = None) -> bytes:
    """The bytes of one export of a packet (``rows``: the XLSX opinions, if the caller has them already)."""
    if ext == "json":
        from liaison.packets.export_json import packet_to_json

        return packet_to_json(packet)
    if ext == "docx":
        from liaison.packets.export_docx import packet_to_docx

        return packet_to_docx(packet)
    from liaison.packets.export_xlsx import packet_to_xlsx

    return packet_to_xlsx(packet, rows if rows is not None else await packets.opinion_rows(slug, packet))


ROUTES = [packet_list, packet_compile, packet_view, packet_download]
