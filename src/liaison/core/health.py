"""``/health``: is the service up and can it reach its database."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec

from liaison import db
from liaison.web.openapi import refusals

__all__ = ["HealthReport", "health"]


class DatabaseReport(msgspec.Struct):
    reachable: bool
    engine: str | None


class HealthReport(msgspec.Struct):
    """Same body for 200 and 503, so a monitor reads one shape whatever the answer."""

    status: str
    database: DatabaseReport


@get("/health", tags=["system"], summary="Liveness and database reachability",
     **refusals(other={503: ResponseSpec(HealthReport, description="The database is unreachable: "
                                                                   "`status: degraded`", generate_examples=False)}))
async def health() -> Response[HealthReport]:
    ok = await db.ping()
    engine = "sqlite" if ok and db.is_sqlite() else ("postgresql" if ok else None)
    body = HealthReport(status="ok" if ok else "degraded", database=DatabaseReport(reachable=ok, engine=engine))
    return Response(body, status_code=200 if ok else 503)
