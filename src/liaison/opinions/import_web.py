"""Staff pages for bulk import: upload → check report (nothing stored) → confirm → stored.

The uploaded bytes wait under ``<data dir>/imports/<random token>`` between the
check and the confirmation (with a small JSON note of draft, file name and
uploader); the confirmation checks the file again, stores it in one transaction
and deletes it. Files left unconfirmed are removed after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.config import Settings
from liaison.core.errors import DomainError, Invalid, NotFound, TooLarge
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.opinions import import_service
from liaison.opinions.importing import (
    COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_ROWS,
    build_template_csv,
    build_template_xlsx,
    report_csv,
)
from liaison.opinions.validation import CHANNEL_LABELS
from liaison.web.auth import current_user, requires

__all__ = ["ROUTES"]

_IMPORTERS = requires(Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
#: Problems listed on the report page; all of them are in the downloadable CSV.
SHOWN_PROBLEMS = 500
STALE_SECONDS = 24 * 3600
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard admits only logged-in users
    return user


def _imports_dir(settings: Settings) -> Path:
    path = Path(settings.data_dir) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for item in folder.iterdir():
        try:
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            continue


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200] or "上传的文件"


def _save(settings: Settings, content: bytes, meta: dict[str, Any]) -> str:
    folder = _imports_dir(settings)
    _remove_stale(folder)
    token = secrets.token_urlsafe(32)
    (folder / token).write_bytes(content)
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _load(settings: Settings, token: str, slug: str, user: CurrentUser) -> tuple[bytes, dict[str, Any]]:
    """The stored upload for ``token``, if it is this user's upload for this draft."""
    missing = NotFound(_("没有找到待确认的文件（可能已经导入，或超过一天已被清除），请重新上传"), field="token")
    if not _TOKEN.match(token):
        raise missing
    folder = _imports_dir(settings)
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        content = (folder / token).read_bytes()
    except (OSError, ValueError):
        raise missing from None
    if meta.get("slug") != slug or meta.get("user") != user.id:
        raise missing
    return content, meta


def _discard(settings: Settings, token: str) -> None:
    folder = _imports_dir(settings)
    for path in (folder / token, folder / f"{token}.json"):
        path.unlink(missing_ok=True)


def _form_context(draft: drafts.DraftView, error: DomainError | None = None) -> dict[str, Any]:
    return {
        "draft": draft, "error": error, "columns": COLUMNS, "channels": [CHANNEL_LABELS.source(c) for c in CHANNEL_LABELS],
        "max_mb": MAX_IMPORT_BYTES // 1024 // 1024, "max_rows": MAX_ROWS,
    }


@get("/staff/drafts/{slug:str}/import", guards=[_IMPORTERS], include_in_schema=False)
async def import_form(slug: FromPath[str]) -> Template:
    draft = await drafts.get_draft(slug, public=False)
    return Template("opinions/import_form.html", context=_form_context(draft))


def _attachment(content: bytes, media_type: str, filename: str, fallback: str) -> Response:
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition,
                                                             "Cache-Control": "no-store"})


@get("/staff/import-template.csv", guards=[_IMPORTERS], include_in_schema=False)
async def template_csv() -> Response:
    return _attachment(build_template_csv(), "text/csv; charset=utf-8", "意见导入模板.csv", "opinions-template.csv")


@get("/staff/import-template.xlsx", guards=[_IMPORTERS], include_in_schema=False)
async def template_xlsx() -> Response:
    return _attachment(build_template_xlsx(), _XLSX, "意见导入模板.xlsx", "opinions-template.xlsx")


@dataclass
class ImportUpload:
    file: UploadFile | None = None


@post("/staff/drafts/{slug:str}/import", guards=[_IMPORTERS], include_in_schema=False,
      request_max_body_size=MAX_IMPORT_BYTES + 1024 * 1024, status_code=200)
async def import_check(
    request: Request, slug: FromPath[str],
    data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Template:
    """Check the whole file; store the bytes for confirmation; show every problem. No opinion is stored."""
    settings = _settings(request)
    user = _user(request)
    draft = await drafts.get_draft(slug, public=False)
    try:
        if data.file is None or not data.file.filename:
            raise Invalid(_("请选择要导入的 .xlsx 或 .csv 文件"), field="file")
        content = await data.file.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            raise TooLarge(_("文件超过 %(size)s MB，请分成几个文件导入") % {"size": MAX_IMPORT_BYTES // 1024 // 1024},
                               field="file")
        filename = _display_name(data.file.filename)
        report = await import_service.check_file(slug, filename, content, user)
    except DomainError as exc:
        return Template("opinions/import_form.html", context=_form_context(draft, exc), status_code=exc.status_code)
    token = _save(settings, content, {"slug": slug, "filename": filename, "user": user.id, "at": time.time()})
    return Template("opinions/import_report.html", context={
        "draft": draft, "report": report, "token": token, "problems": report.problems[:SHOWN_PROBLEMS],
        "shown": SHOWN_PROBLEMS, "error": None,
    })


@get("/staff/drafts/{slug:str}/import/{token:str}/problems.csv", guards=[_IMPORTERS], include_in_schema=False)
async def import_problems(request: Request, slug: FromPath[str], token: FromPath[str]) -> Response:
    """Every problem of a checked file, as a CSV to open in Excel next to the file."""
    content, meta = _load(_settings(request), token, slug, _user(request))
    report = await import_service.check_file(slug, meta["filename"], content, _user(request))
    return _attachment(report_csv(report.problems), "text/csv; charset=utf-8", f"导入检查报告-{meta['filename']}.csv",
                       "import-problems.csv")


@dataclass
class ConfirmForm:
    token: str = ""


@post("/staff/drafts/{slug:str}/import/confirm", guards=[_IMPORTERS], include_in_schema=False, status_code=200)
async def import_confirm(
    request: Request, slug: FromPath[str],
    data: Annotated[ConfirmForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """Store every new row of the checked file in one transaction."""
    settings = _settings(request)
    user = _user(request)
    draft = await drafts.get_draft(slug, public=False)
    content, meta = _load(settings, data.token, slug, user)
    try:
        result = await import_service.commit_file(slug, meta["filename"], content, user)
    except DomainError as exc:
        report = None
        try:
            report = await import_service.check_file(slug, meta["filename"], content, user)
        except DomainError:
            pass
        if report is None:
            return Template("opinions/import_form.html", context=_form_context(draft, exc),
                            status_code=exc.status_code)
        return Template("opinions/import_report.html", status_code=exc.status_code, context={
            "draft": draft, "report": report, "token": data.token, "problems": report.problems[:SHOWN_PROBLEMS],
            "shown": SHOWN_PROBLEMS, "error": exc,
        })
    _discard(settings, data.token)
    return Template("opinions/import_done.html", context={"draft": draft, "result": result,
                                                          "filename": meta["filename"]})


ROUTES = [import_form, template_csv, template_xlsx, import_check, import_problems, import_confirm]
