"""``/health``: is the service up and can it reach its database."""

from __future__ import annotations

from litestar import Response, get

from liaison import db

__all__ = ["health"]


@get("/health", tags=["system"], summary="Liveness and database reachability")
async def health() -> Response[dict[str, object]]:
    ok = await db.ping()
    engine = "sqlite" if ok and db.is_sqlite() else ("postgresql" if ok else None)
    body = {"status": "ok" if ok else "degraded", "database": {"reachable": ok, "engine": engine}}
    return Response(body, status_code=200 if ok else 503)
