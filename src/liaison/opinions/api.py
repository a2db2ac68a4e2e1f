"""JSON API for opinions and receipts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from liaison.config import Settings
from liaison.core.errors import MAX_INT
from liaison.opinions import service
from liaison.opinions.fast_intake import fast_public_intake
from liaison.opinions.validation import Channel, ContributorInput, OpinionInput
from liaison.web.auth import current_user, requires
from liaison.web.openapi import refusals

__all__ = ["ROUTES", "client_key", "client_key_for"]

MAX_OPINION_BODY = 64 * 1024


class ContributorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    phone: str = ""
    region: str = ""
    occupation: str = ""
    consent: bool = False


Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT)]


class OpinionIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    article: Id | None = None
    suggestion: str = ""
    reason: str = ""
    contributor: ContributorIn | None = None
    channel: str | None = None
    office: Id | None = None
    volunteer: Id | None = None
    activity: Id | None = None


class OpinionCreated(msgspec.Struct):
    id: int
    receipt: str
    duplicate: bool = False


class ReceiptOut(msgspec.Struct):
    receipt: str
    draft: dict[str, str]
    article: int | None
    article_label: str
    text: str
    suggestion: str
    reason: str
    channel: str
    status: str
    status_label: str
    received_at: datetime
    outcome: dict[str, Any] | None


class ContributorOut(msgspec.Struct):
    name: str
    phone: str
    region: str
    occupation: str


class OpinionOut(msgspec.Struct):
    id: int
    receipt: str
    article: int | None
    text: str
    suggestion: str
    reason: str
    channel: str
    office: int | None
    volunteer: int | None
    activity: int | None
    status: str
    set_aside_reason: str
    created_at: datetime
    contributor: ContributorOut | None


class OpinionPage(msgspec.Struct):
    total: int
    page: int
    per_page: int
    items: list[OpinionOut]


_CLIENT_KEYS: dict[tuple[str, str], str] = {}


def client_key_for(secret: str, host: str) -> str:
    """A stable, non-reversible id for the client at ``host`` (no IP address is stored).

    Remembered per address (bounded): computing it was ~4 % of a public post.
    """
    cache_key = (secret, host)
    key = _CLIENT_KEYS.get(cache_key)
    if key is None:
        if len(_CLIENT_KEYS) >= 10_000:
            _CLIENT_KEYS.clear()
        key = _CLIENT_KEYS[cache_key] = hashlib.sha256(f"{secret}|{host}".encode()).hexdigest()[:32]
    return key


def client_key(request: Request) -> str:
    """:func:`client_key_for` the request's client."""
    settings: Settings = request.app.state.settings
    client = request.scope.get("client")
    return client_key_for(settings.secret_key, client[0] if client else "unknown")


def to_input(data: OpinionIn, *, staff: bool) -> OpinionInput:
    contributor = None
    if data.contributor is not None:
        c = data.contributor
        contributor = ContributorInput(name=c.name, phone=c.phone, region=c.region, occupation=c.occupation,
                                       consent=c.consent)
    return OpinionInput(
        text=data.text, article=data.article, suggestion=data.suggestion, reason=data.reason,
        contributor=contributor, channel=data.channel or Channel.ONLINE.value,
        office=data.office, volunteer=data.volunteer, activity=data.activity,
    )


@post(
    "/api/v1/drafts/{slug:str}/opinions",
    tags=["opinions"],
    summary="Submit an opinion (public; staff tokens may attribute channel/office/volunteer/activity)",
    request_max_body_size=MAX_OPINION_BODY,
    middleware=[fast_public_intake],  # public posts skip litestar's handler layer; see fast_intake.py
    **refusals(400, 403, 404, 409, 413, 422, 429, other={
        200: ResponseSpec(OpinionCreated, description="A public repeat of an opinion already received: "
                                                      "its earlier id and receipt, `duplicate: true`",
                          generate_examples=False)}),
)
async def submit_opinion_api(request: Request, slug: FromPath[str], data: JSONBody[OpinionIn]) -> Response[OpinionCreated]:
    staff = current_user(request)
    settings: Settings = request.app.state.settings
    result = await service.submit_opinion(
        slug, to_input(data, staff=staff is not None), staff=staff,
        client_key="" if staff else client_key(request), rate_limit=settings.public_posts_per_10min,
    )
    body = OpinionCreated(id=result.id, receipt=result.receipt, duplicate=result.duplicate)
    return Response(body, status_code=200 if result.duplicate else 201)


@get("/api/v1/receipts/{code:str}", tags=["opinions"], summary="An opinion and its status by receipt code (public)",
     **refusals(404))
async def receipt_api(code: FromPath[str]) -> ReceiptOut:
    info = await service.get_receipt(code)
    info.pop("has_contact", None)
    info.pop("channel_label", None)
    return msgspec.convert(info, ReceiptOut)


@get(
    "/api/v1/drafts/{slug:str}/opinions",
    tags=["opinions"],
    summary="List a draft's opinions (staff; paginated; personal data masked unless personal=full)",
    guards=[requires()],
    **refusals(401, 403, 404, 422),
)
async def list_opinions_api(
    request: Request,
    slug: FromPath[str],
    article: Annotated[int | None, QueryParameter(ge=0, le=MAX_INT, description="article number; 0 = general comments")] = None,
    channel: Annotated[str | None, QueryParameter()] = None,
    office: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT)] = None,
    status: Annotated[str | None, QueryParameter(description="unscreened, kept or set_aside")] = None,
    page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    personal: Annotated[str, QueryParameter(description="'masked' (default) or 'full' (officers, admins)")] = "masked",
) -> OpinionPage:
    staff = current_user(request)
    assert staff is not None
    result = await service.list_opinions(
        slug, staff, article=article, channel=channel, office=office, status=status,
        page=page, per_page=per_page, full_personal=personal == "full",
    )
    return msgspec.convert(result, OpinionPage, from_attributes=True)


ROUTES = [submit_opinion_api, receipt_api, list_opinions_api]
