"""Bulk import of offline opinions: check the whole file, then store it all in one transaction.

``check_file`` reads and checks every row (``liaison.opinions.importing``), resolves
offices, activities and volunteers, and counts rows already imported; it stores
nothing. ``commit_file`` does the same checks again, refuses if anything is
wrong, and otherwise inserts every new row (opinion + contributor) in one
transaction, in chunks, with one audit record for the whole import.

Who may import: admins and officers into any office; office staff only into
their own office (rows without 联络室 go to it); volunteers not at all.
``staff=None`` is the operator's command line (``liaison opinions import``): full
rights, ``entered_by`` left empty and the audit actor given by ``actor``.

Rows with a blank 渠道 take the channel of their 征询活动 (its kind), else
``importing.DEFAULT_CHANNEL`` ("other"). Imports are accepted while a draft is
open for comment and after it has closed (opinions gathered offline are often
typed up later); not for unpublished, upcoming or archived drafts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.audit import service as audit
from liaison.core.errors import Conflict, Forbidden, Invalid, NotFound
from liaison import db
from liaison.db import transaction
from liaison.drafts import service as drafts
from liaison.drafts.window import PHASE_LABELS, Phase
from liaison.i18n import _, ngettext
from liaison.network.tables import Office, Volunteer
from liaison.opinions import service as opinions
from liaison.opinions.importing import (
    DEFAULT_CHANNEL,
    FIELD_FIXES,
    ImportPlan,
    PlannedRow,
    RowProblem,
    plan_import,
)
from liaison.opinions.receipts import new_receipts
from liaison.opinions.tables import Activity
from liaison.opinions.validation import Channel, Status, text_fingerprint

__all__ = ["CHUNK", "ImportReport", "ImportResult", "check_file", "commit_file"]

#: Rows per INSERT statement (bound-parameter limits on both engines; see STACK-NOTES).
CHUNK = 1000
#: Keys per ``IN (...)`` lookup.
LOOKUP_CHUNK = 1000
NOTICE_VERSION = "2026-1"
IMPORT_PHASES = (Phase.OPEN, Phase.CLOSED)
_CHANNELS = frozenset(Channel)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What a check found. ``problems`` lists every bad row; nothing has been stored."""

    slug: str
    title: str
    filename: str
    file_format: str
    encoding: str
    total_rows: int
    valid_rows: int
    new_rows: int
    already_present: int
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    already_present: int
    total_rows: int


@dataclass(frozen=True, slots=True)
class _Resolved:
    row: PlannedRow
    office: int | None
    volunteer: int | None
    activity: int | None
    channel: str


@dataclass(slots=True)
class _Prepared:
    draft: drafts.DraftView
    plan: ImportPlan
    rows: list[_Resolved]
    problems: list[RowProblem]


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


async def _scope(staff: CurrentUser | None) -> int | None:
    """The office an importer is confined to (None: any office); refuses roles that may not import."""
    if staff is None or staff.role in (Role.ADMIN, Role.OFFICER):
        return None
    if staff.role is Role.OFFICE_STAFF:
        office = await opinions.user_office(staff.id)
        if office is None:
            raise Forbidden(_("您的账号还没有分配联络室，不能导入意见，请联系联络站"))
        return office
    raise Forbidden(_("信息员不能批量导入意见；请把收集到的意见交联络室或联络站工作人员导入"))


async def _draft(slug: str) -> drafts.DraftView:
    draft = await drafts.get_draft(slug, public=False)
    if draft.phase not in IMPORT_PHASES:
        raise Conflict(_("《%(title)s》当前%(phase)s，不能导入意见（征求意见期间和截止以后可以导入）")
                       % {"title": draft.title, "phase": PHASE_LABELS[draft.phase]}, field="draft")
    return draft


class _Directory:
    """Offices, volunteers and the draft's activities, fetched once per import (no query per row)."""

    def __init__(self, offices: list[dict], volunteers: list[dict], activities: list[dict]) -> None:
        self.office_ids = {row["id"]: row["name"] for row in offices}
        self.office_by_name = {_norm(row["name"]): row["id"] for row in offices}
        self.volunteers = {row["id"]: row for row in volunteers}
        self.volunteer_by_name: dict[str, list[dict]] = defaultdict(list)
        for row in volunteers:
            self.volunteer_by_name[_norm(row["name"])].append(row)
        self.activities = {row["id"]: row for row in activities}

    @classmethod
    async def load(cls, draft_id: int) -> _Directory:
        offices = await Office.select(Office.id, Office.name).run()
        volunteers = await Volunteer.select(Volunteer.id, Volunteer.name, Volunteer.office).run()
        activities = await Activity.select(Activity.id, Activity.office, Activity.kind).where(
            Activity.draft == draft_id).run()
        return cls(offices, volunteers, activities)

    def office(self, ref: str) -> int | None:
        if ref.isdigit() and int(ref) in self.office_ids:
            return int(ref)
        return self.office_by_name.get(_norm(ref))

    def office_name(self, office_id: int | None) -> str:
        return self.office_ids.get(office_id, str(office_id)) if office_id is not None else ""


async def _default_office(directory: _Directory, name: str | None, scope: int | None) -> int | None:
    if not name:
        return scope
    office = directory.office(name.strip())
    if office is None:
        raise NotFound(_("没有联络室“%(name)s”（请填写联络室全称或编号）") % {"name": name}, field="office")
    if scope is not None and office != scope:
        raise Forbidden(_("只能导入本联络室的意见"), field="office")
    return office


def _resolve(plan: ImportPlan, directory: _Directory, default_office: int | None,
             scope: int | None) -> tuple[list[_Resolved], list[RowProblem]]:
    resolved: list[_Resolved] = []
    problems: list[RowProblem] = []
    for row in plan.rows:
        found: list[RowProblem] = []

        def problem(key: str, message: str, row: PlannedRow = row, found: list[RowProblem] = found) -> None:
            found.append(RowProblem(row.row, plan.header(key), message, FIELD_FIXES[key]))

        office: int | None = None
        if row.office:
            office = directory.office(row.office)
            if office is None:
                problem("office", _("没有联络室“%(name)s”") % {"name": row.office})
        activity: int | None = None
        kind = ""
        if row.activity:
            item = directory.activities.get(int(row.activity))
            if item is None:
                problem("activity", _("本草案没有编号为 %(id)s 的征询活动") % {"id": row.activity})
            else:
                activity, kind = item["id"], item["kind"]
                if office is not None and office != item["office"]:
                    problem("office", _("征询活动 %(id)s 属于“%(owner)s”，与本行的联络室“%(office)s”不一致")
                            % {"id": activity, "owner": directory.office_name(item["office"]), "office": row.office})
                office = item["office"]
        volunteer: int | None = None
        if row.volunteer:
            if row.volunteer.isdigit() and int(row.volunteer) in directory.volunteers:
                candidates = [directory.volunteers[int(row.volunteer)]]
            else:
                candidates = directory.volunteer_by_name.get(_norm(row.volunteer), [])
            in_office = [v for v in candidates if office is None or v["office"] == office]
            if not candidates:
                problem("volunteer", _("没有信息员“%(name)s”") % {"name": row.volunteer})
            elif not in_office:
                problem("volunteer", _("信息员“%(name)s”不属于联络室“%(office)s”")
                        % {"name": row.volunteer, "office": directory.office_name(office)})
            elif len(in_office) > 1:
                problem("volunteer", ngettext("有 %(num)s 位信息员叫“%(name)s”，请改填信息员编号或同时填写联络室",
                                              "有 %(num)s 位信息员叫“%(name)s”，请改填信息员编号或同时填写联络室",
                                              len(in_office)) % {"num": len(in_office), "name": row.volunteer})
            else:
                volunteer, office = in_office[0]["id"], in_office[0]["office"]
        if office is None:
            office = default_office
        if scope is not None and office != scope and not found:
            problem("office", _("只能导入本联络室（%(own)s）的意见，这一行属于“%(office)s”")
                    % {"own": directory.office_name(scope), "office": directory.office_name(office)})
        if found:
            problems.extend(found)
            continue
        channel = row.data.channel
        if not row.channel_given:
            channel = kind if kind in _CHANNELS else DEFAULT_CHANNEL
        resolved.append(_Resolved(row, office, volunteer, activity, channel))
    return resolved, problems


async def _prepare(slug: str, filename: str, content: bytes, staff: CurrentUser | None,
                   office: str | None) -> _Prepared:
    scope = await _scope(staff)
    draft = await _draft(slug)
    numbers = await opinions.article_numbers(draft)
    plan = plan_import(content, filename, draft_id=draft.id, article_numbers=numbers,
                       occupations=opinions.occupations_for(draft))
    directory = await _Directory.load(draft.id)
    default_office = await _default_office(directory, office, scope)
    rows, problems = _resolve(plan, directory, default_office, scope)
    all_problems = sorted([*plan.problems, *problems], key=lambda p: p.row)
    return _Prepared(draft, plan, rows, all_problems)


async def _lookup(column: str, values: Sequence[str]) -> set[str]:
    """Which of ``values`` are already in ``opinions.<column>`` (an indexed column), IN-chunk by IN-chunk.

    Plain SQL on the current connection (or the open transaction's): piccolo spends
    about 30 µs building each IN value, which over 100,000 keys is seconds.
    """
    engine = db.current_engine()
    sqlite = db.is_sqlite()
    tx = engine.current_transaction.get()
    found: set[str] = set()
    for chunk in _chunks(values, LOOKUP_CHUNK):
        marks = ",".join("?" * len(chunk)) if sqlite else ",".join(f"${i + 1}" for i in range(len(chunk)))
        sql = f'SELECT "{column}" FROM "opinions" WHERE "{column}" IN ({marks})'
        if tx is not None:
            rows = await _fetch(tx.connection, sqlite, sql, list(chunk))
        else:
            rows = [tuple(r.values()) for r in await engine.run_querystring(_raw(sql, chunk, sqlite))]
        found.update(row[0] for row in rows)
    return found


def _raw(sql: str, values: Sequence[str], sqlite: bool) -> Any:
    from piccolo.querystring import QueryString

    template = sql.replace("?", "{}") if sqlite else re.sub(r"\$\d+", "{}", sql)
    return QueryString(template, *values)


async def _existing_keys(keys: Sequence[str]) -> set[str]:
    return await _lookup("import_key", keys)


async def check_file(slug: str, filename: str, content: bytes, staff: CurrentUser | None, *,
                     office: str | None = None) -> ImportReport:
    """Check the whole file and say what an import would do. Stores nothing.

    ``office``: name or id of the office for rows that name none (the CLI's --office);
    office staff default to their own office.
    """
    prepared = await _prepare(slug, filename, content, staff, office)
    keys = [r.row.import_key for r in prepared.rows]
    existing = await _existing_keys(keys)
    plan = prepared.plan
    return ImportReport(
        slug=prepared.draft.slug, title=prepared.draft.title, filename=filename, file_format=plan.file_format,
        encoding=plan.encoding, total_rows=plan.total_rows, valid_rows=len(prepared.rows),
        new_rows=len(keys) - len(existing), already_present=len(existing), problems=prepared.problems,
        ignored_columns=plan.ignored_columns,
    )


async def _unique_receipts(count: int) -> list[str]:
    """``count`` receipts, distinct from each other and from every stored one."""
    chosen: set[str] = set()
    while len(chosen) < count:
        fresh = set(new_receipts(count - len(chosen))) - chosen
        fresh -= await _lookup("receipt", sorted(fresh))
        chosen |= fresh
    return list(chosen)


async def commit_file(slug: str, filename: str, content: bytes, staff: CurrentUser | None, *,
                      office: str | None = None, actor: str = "cli") -> ImportResult:
    """Check again and, if every row is good, store all new rows in one transaction.

    Refuses (Invalid, nothing stored) if any row has a problem. Rows imported before
    (same import key) are skipped and counted in ``already_present``.
    """
    prepared = await _prepare(slug, filename, content, staff, office)
    if prepared.problems:
        rows = len({p.row for p in prepared.problems})
        raise Invalid(ngettext("文件中有 %(num)s 行存在问题，没有导入任何内容；请按检查报告修改后重新上传",
                               "文件中有 %(num)s 行存在问题，没有导入任何内容；请按检查报告修改后重新上传", rows)
                      % {"num": rows}, field="file",
                      extra={"problems": len(prepared.problems)})
    who = staff.username if staff is not None else actor
    entered_by = staff.id if staff is not None else None
    keys = [r.row.import_key for r in prepared.rows]
    try:
        return await _store(prepared, filename, content, keys, who, entered_by)
    except Exception as exc:
        if type(exc).__name__ in ("UniqueViolationError", "IntegrityError"):
            raise Conflict(_("同一批意见正在被另一次导入写入；请稍后重新检查这个文件（已导入的行不会重复）"),
                           field="file") from None
        raise


_OPINION_COLUMNS = (
    "draft", "version", "article", "receipt", "text", "suggestion", "reason", "channel", "office", "volunteer",
    "activity", "status", "set_aside_reason", "text_hash", "client_key", "import_key", "entered_by",
    "created_at", "updated_at",
)
_CONTRIBUTOR_COLUMNS = ("opinion", "name", "phone", "region", "occupation", "consent_at", "notice_version")


def _insert_sql(table: str, columns: Sequence[str], rows: int, sqlite: bool, returning: str = "") -> str:
    """A multi-row INSERT with placeholders (? for SQLite, $n for asyncpg)."""
    width = len(columns)
    if sqlite:
        group = "(" + ",".join("?" * width) + ")"
        values = ",".join([group] * rows)
    else:
        values = ",".join(
            "(" + ",".join(f"${r * width + c + 1}" for c in range(width)) + ")" for r in range(rows)
        )
    names = ",".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES {values}' + (f" RETURNING {returning}" if returning else "")


async def _fetch(connection: Any, sqlite: bool, sql: str, params: list[Any]) -> list[tuple]:
    if sqlite:
        cursor = await connection.execute(sql, params)
        rows = await cursor.fetchall()
        await cursor.close()
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]  # piccolo's dict rows
    return [tuple(r) for r in await connection.fetch(sql, *params)]


async def _execute(connection: Any, sqlite: bool, sql: str, params: list[Any]) -> None:
    if sqlite:
        cursor = await connection.execute(sql, params)
        await cursor.close()
    else:
        await connection.execute(sql, *params)


async def _write_sqlite(connection: Any, records: list[tuple], people: list[tuple[str, Any]],
                        now: datetime) -> None:
    ids: dict[str, int] = {}
    for chunk in _chunks(records, CHUNK):
        sql = _insert_sql("opinions", _OPINION_COLUMNS, len(chunk), True, returning='"id","import_key"')
        params = [value for record in chunk for value in record]
        ids.update((key, opinion_id) for opinion_id, key in await _fetch(connection, True, sql, params))
    contributors = [(ids[key], c.name, c.phone, c.region, c.occupation, now, NOTICE_VERSION) for key, c in people]
    for chunk in _chunks(contributors, CHUNK):
        sql = _insert_sql("contributors", _CONTRIBUTOR_COLUMNS, len(chunk), True)
        await _execute(connection, True, sql, [value for record in chunk for value in record])


async def _write_postgres(connection: Any, records: list[tuple], people: list[tuple[str, Any]],
                          now: datetime) -> None:
    if not records:
        return
    await connection.copy_records_to_table("opinions", records=records, columns=list(_OPINION_COLUMNS))
    if not people:
        return
    wanted = [key for key, _person in people]
    rows = await connection.fetch('SELECT "id", "import_key" FROM "opinions" WHERE "import_key" = ANY($1::varchar[])',
                                  wanted)
    ids = {row["import_key"]: row["id"] for row in rows}
    contributors = [(ids[key], c.name, c.phone, c.region, c.occupation, now, NOTICE_VERSION) for key, c in people]
    await connection.copy_records_to_table("contributors", records=contributors, columns=list(_CONTRIBUTOR_COLUMNS))


async def _store(prepared: _Prepared, filename: str, content: bytes, keys: list[str], who: str,
                 entered_by: int | None) -> ImportResult:
    """One transaction, written straight on the transaction's connection.

    piccolo builds each row as a Table object and a QueryString (about 0.5 ms a row).
    SQLite gets multi-row INSERTs of CHUNK rows; PostgreSQL gets COPY (asyncpg's binary
    copy), then one SELECT for the new ids.
    """
    draft = prepared.draft
    sqlite = db.is_sqlite()
    async with transaction() as tx:
        if sqlite:  # 13 indexes on opinions: a bigger page cache keeps their updates in memory
            await _execute(tx.connection, sqlite, "PRAGMA cache_size = -131072", [])
        existing = await _existing_keys(keys)
        new = [r for r in prepared.rows if r.row.import_key not in existing]
        receipts = await _unique_receipts(len(new))
        now = datetime.now(UTC)
        status = Status.UNSCREENED.value
        records = [
            (draft.id, draft.current_version, r.row.data.article, receipt, r.row.data.text, r.row.data.suggestion,
             r.row.data.reason, r.channel, r.office, r.volunteer, r.activity, status, "",
             text_fingerprint(r.row.data.text, r.row.data.article), "", r.row.import_key, entered_by, now, now)
            for r, receipt in zip(new, receipts, strict=True)
        ]
        people = [(r.row.import_key, c) for r in new if (c := r.row.data.contributor) is not None]
        if sqlite:
            await _write_sqlite(tx.connection, records, people, now)
        else:
            await _write_postgres(tx.connection, records, people, now)
        await audit.record(
            "draft", draft.id, "import_opinions", who,
            after={"file": filename, "sha256": hashlib.sha256(content).hexdigest(), "rows": prepared.plan.total_rows,
                   "added": len(new), "already_present": len(existing)},
        )
    return ImportResult(added=len(new), already_present=len(existing), total_rows=prepared.plan.total_rows)
