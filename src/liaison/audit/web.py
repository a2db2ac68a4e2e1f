"""The audit log for admins: read and export, never edit."""

from __future__ import annotations

import csv
import io
import json

from litestar import get
from litestar.params import FromQuery
from litestar.response import Response, Template

from liaison.accounts.roles import Role
from liaison.audit import service
from liaison.core.cells import neutralize_formula
from liaison.web.auth import requires

__all__ = ["ROUTES"]

_ADMIN = requires(Role.ADMIN)


@get("/staff/audit", guards=[_ADMIN], include_in_schema=False)
async def audit_page(entity: FromQuery[str | None] = None, page: FromQuery[int] = 1) -> Template:
    page = max(page, 1)
    entries = await service.list_entries(entity=entity or None, limit=100, offset=(page - 1) * 100)
    return Template("audit/index.html", context={"entries": entries, "entity": entity or "", "page": page})


def _cell(value: object) -> str:
    """Text for a CSV cell; formulas are neutralised so a spreadsheet never runs them."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return neutralize_formula(text)


@get("/staff/audit.csv", guards=[_ADMIN], include_in_schema=False)
async def audit_csv(entity: FromQuery[str | None] = None) -> Response[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间", "操作人", "对象", "编号", "操作", "修改前", "修改后"])
    offset = 0
    while True:
        batch = await service.list_entries(entity=entity or None, limit=5000, offset=offset)
        if not batch:
            break
        for e in batch:
            writer.writerow([_cell(str(e["at"])), _cell(e["actor"]), _cell(e["entity"]), _cell(e["entity_id"]),
                             _cell(e["action"]), _cell(e["before"]), _cell(e["after"])])
        offset += len(batch)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


ROUTES = [audit_page, audit_csv]
