"""Public JSON: a draft's adoption outcomes and totals (``GET /api/v1/drafts/{slug}/outcomes``)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.params import FromPath

from liaison.adoption import service
from liaison.adoption.web import public_points
from liaison.drafts import service as drafts
from liaison.web.openapi import refusals

__all__ = ["ROUTES"]


class OutcomeTotals(msgspec.Struct):
    collected: int
    submitted: int
    adopted: int
    opinions_by_outcome: dict[str, int]
    points_by_outcome: dict[str, int]


class PublicPoint(msgspec.Struct):
    point_key: str
    article: int | None
    article_label: str
    text: str
    opinions: int
    outcome: str
    outcome_label: str
    note: str
    final_article: str
    decided_at: datetime


class DraftOutcomes(msgspec.Struct):
    draft: dict[str, str]
    totals: OutcomeTotals
    points: list[PublicPoint]


@get("/api/v1/drafts/{slug:str}/outcomes", tags=["adoption"],
     summary="Adoption outcomes (采纳情况) of a draft's points, with totals (public, no personal data)",
     **refusals(404))
async def draft_outcomes_api(slug: FromPath[str]) -> DraftOutcomes:
    draft = await drafts.get_draft(slug, public=True)
    outcomes = await service.outcomes_for_draft(draft.id)
    totals = await service.draft_totals(draft.id, outcomes)
    return DraftOutcomes(
        draft={"slug": draft.slug, "title": draft.title},
        totals=msgspec.convert(totals.as_dict(), OutcomeTotals),
        points=[msgspec.convert(p, PublicPoint) for p in public_points(outcomes)],
    )


ROUTES = [draft_outcomes_api]
