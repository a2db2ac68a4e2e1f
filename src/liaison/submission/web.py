"""Station-to-station pages and the receiving endpoint.

- ``POST /api/v1/inbound/packets``: a lower station delivers a packet (signed, not a login).
- ``/staff/submission``: upstream settings, lower stations, the outbox with every attempt,
  and packets received — officers see it, only admins change the links between stations.
- ``POST /staff/drafts/{slug}/packets/{n}/submit``: the officer's 上报 button.
"""

from __future__ import annotations

import time

from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.config import Settings
from liaison.core.errors import Invalid, MAX_INT
from liaison.i18n import _
from liaison.submission import downward, inbound, outbox, peers
from liaison.web.auth import current_user, requires
from liaison.web.openapi import refusals

__all__ = ["ROUTES"]

_OFFICERS = requires(Role.ADMIN, Role.OFFICER)
_ADMINS = requires(Role.ADMIN)


@post("/api/v1/inbound/packets", status_code=201, summary="Receive a packet from a lower station",
      description="Body: a `liaison.packet/1` document. Headers: `X-Liaison-Station`, `X-Liaison-Timestamp`, "
                  "`Idempotency-Key`, `X-Liaison-Signature: sha256=<HMAC-SHA256 of "
                  "'timestamp.key.' + body>`. 201 `{id}` when stored, 200 with the same id for a replay, "
                  "409 for a reused key with another body, 401 for a bad signature, 422 for a malformed packet.",
      tags=["stations"],
      **refusals(401, 409, 413, 422, other={
          200: ResponseSpec(dict[str, int], description="A replay (same Idempotency-Key and body): the stored `{id}`",
                            generate_examples=False)}))
async def receive_packet(request: Request) -> Response[dict[str, int]]:
    body = await request.body()
    inbound_id, created = await inbound.receive_packet(request.headers, body, now=time.time())
    return Response({"id": inbound_id}, status_code=201 if created else 200)


@post("/api/v1/inbound/outcomes", status_code=200, summary="Receive adoption outcomes from the upper station",
      description="Body: `{schema: 'liaison.outcomes/1', station: {id}, draft: {slug}, packet_version?, "
                  "outcomes: [{point_key, outcome, note?, final_article?}]}`, signed like inbound packets with "
                  "the upstream's shared key. Answers `{opinions}`: how many of our opinions now show an outcome.",
      tags=["stations"], **refusals(401, 404, 413, 422))
async def receive_outcomes(request: Request) -> dict[str, int]:
    return {"opinions": await downward.receive_outcomes(request.headers, await request.body())}


@post("/staff/submission/outcomes/{slug:str}", guards=[_OFFICERS], include_in_schema=False)
async def outcomes_send_down(request: Request, slug: FromPath[str]) -> Template:
    user = current_user(request)
    report = await downward.send_outcomes_down(slug, actor=user.username if user else "")
    return Template("submission/sent_down.html", context={"slug": slug, "report": report})


@get("/staff/submission", guards=[_OFFICERS], include_in_schema=False)
async def submission_page(request: Request) -> Template:
    messages = await outbox.list_messages()
    attempts = await outbox.message_attempts([m["id"] for m in messages[:50]])
    return Template("submission/index.html", context={
        "upstream": await peers.get_upstream(), "peers": await peers.list_peers(),
        "messages": messages, "attempts": attempts, "received": await inbound.list_inbound(),
        "saved": request.query_params.get("saved"),
    })


@post("/staff/submission/upstream", guards=[_ADMINS], include_in_schema=False, status_code=303)
async def upstream_set(request: Request) -> Redirect:
    form = await request.form()
    user = current_user(request)
    await peers.set_upstream(str(form.get("url", "")), str(form.get("station_id", "")), str(form.get("key", "")),
                             name=str(form.get("name", "")), actor=user.username if user else "")
    return Redirect("/staff/submission?saved=upstream", status_code=303)


@post("/staff/submission/downstream", guards=[_ADMINS], include_in_schema=False)
async def downstream_add(request: Request) -> Template:
    form = await request.form()
    user = current_user(request)
    row = await peers.add_downstream(str(form.get("station_id", "")), str(form.get("name", "")),
                                     url=str(form.get("url", "")), actor=user.username if user else "")
    # The key is shown once, on this page, to hand to the lower station; it is not in any URL.
    return Template("submission/new_downstream.html", context={"row": row})


@post("/staff/submission/downstream/{station_id:str}/remove", guards=[_ADMINS], include_in_schema=False,
      status_code=303)
async def downstream_remove(request: Request, station_id: FromPath[str]) -> Redirect:
    user = current_user(request)
    await peers.remove_downstream(station_id, actor=user.username if user else "")
    return Redirect("/staff/submission?saved=downstream", status_code=303)


@post("/staff/submission/messages/{message_id:int}/retry", guards=[_OFFICERS], include_in_schema=False,
      status_code=303)
async def message_retry(request: Request, message_id: FromPath[int]) -> Redirect:
    if not 0 < message_id <= MAX_INT:
        raise Invalid(_("报文编号无效"), field="message")
    user = current_user(request)
    await outbox.retry_now(message_id, actor=user.username if user else "")
    return Redirect("/staff/submission?saved=retry", status_code=303)


@post("/staff/drafts/{slug:str}/packets/{number:int}/submit", guards=[_OFFICERS], include_in_schema=False,
      status_code=303)
async def packet_submit(request: Request, slug: FromPath[str], number: FromPath[int]) -> Redirect:
    if not 0 < number <= MAX_INT:
        raise Invalid(_("版本号无效"), field="version")
    settings: Settings = request.app.state.settings
    user = current_user(request)
    await outbox.submit_packet(slug, number, actor=user.username if user else "", station_name=settings.station_name)
    return Redirect(f"/staff/drafts/{slug}/packets?submitted={number}", status_code=303)


ROUTES = [receive_packet, receive_outcomes, outcomes_send_down, submission_page, upstream_set, downstream_add, downstream_remove, message_retry,
          packet_submit]
