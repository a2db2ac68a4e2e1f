"""Bulk import end to end: check (nothing stored) → confirm (one transaction) → idempotent re-import."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
from conftest import LIAISON, csrf, login, make_user, published_draft

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.accounts.tables import User
from liaison.audit.tables import AuditEntry
from liaison.config import Settings
from liaison.core.errors import Conflict, Forbidden, Invalid
from liaison.network.tables import Office, StaffOffice, Volunteer
from liaison.opinions import import_service
from liaison.opinions.tables import Activity, Contributor, Opinion

pytestmark = pytest.mark.db

HEADER = ["条文", "意见内容", "修改建议", "理由", "渠道", "联络室", "征询活动编号", "信息员", "姓名", "电话", "地区", "职业",
          "同意提供个人信息"]


def csv_file(rows: list[dict[str, object]], encoding: str = "utf-8-sig") -> bytes:
    keys = ["article", "text", "suggestion", "reason", "channel", "office", "activity", "volunteer", "name", "phone",
            "region", "occupation", "consent"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for values in rows:
        writer.writerow([values.get(k, "") for k in keys])
    return out.getvalue().encode(encoding)


GOOD = [
    {"article": "第三条", "text": "牵引绳长度应明确为不超过1.5米", "suggestion": "写明长度", "channel": "座谈会",
     "name": "张三", "phone": "13812345678", "occupation": "教师", "consent": "是"},
    {"article": 1, "text": "=支持制定本条例"},
    {"text": "总体赞成"},
    {"text": "总体赞成"},
]


async def user(username: str, role: str) -> CurrentUser:
    await make_user(username, role)
    row = await User.select(User.id).where(User.username == username).first().run()
    return CurrentUser(id=row["id"], username=username, display_name="", role=Role(role), via="session")


async def office(name: str) -> int:
    rows = await Office.insert(Office(name=name)).run()
    return rows[0]["id"]


async def assign(username: str, office_id: int) -> None:
    row = await User.select(User.id).where(User.username == username).first().run()
    await StaffOffice.insert(StaffOffice(user=row["id"], office=office_id)).run()


async def draft_id(slug: str) -> int:
    from liaison.drafts.tables import Draft

    return (await Draft.select(Draft.id).where(Draft.slug == slug).first().run())["id"]


# ---------------------------------------------------------------- service level


async def test_check_stores_nothing_and_commit_stores_everything(database: str) -> None:
    slug = await published_draft()
    officer = await user("officer1", "officer")
    report = await import_service.check_file(slug, "线下意见.csv", csv_file(GOOD), officer)
    assert report.ok and (report.total_rows, report.new_rows, report.already_present) == (4, 4, 0)
    assert await Opinion.count().run() == 0 and await Contributor.count().run() == 0

    result = await import_service.commit_file(slug, "线下意见.csv", csv_file(GOOD), officer)
    assert (result.added, result.already_present) == (4, 0)
    rows = await Opinion.select().order_by(Opinion.id).run()
    assert [r["text"] for r in rows] == ["牵引绳长度应明确为不超过1.5米", "=支持制定本条例", "总体赞成", "总体赞成"]
    assert [r["article"] for r in rows] == [3, 1, None, None]
    assert [r["channel"] for r in rows] == ["symposium", "other", "other", "other"]
    assert all(r["status"] == "unscreened" and r["entered_by"] == officer.id and r["import_key"] for r in rows)
    assert len({r["receipt"] for r in rows}) == 4 and all(len(r["receipt"]) == 8 for r in rows)
    assert rows[0]["text_hash"] and rows[2]["text_hash"] == rows[3]["text_hash"]
    people = await Contributor.select().run()
    assert len(people) == 1 and people[0]["opinion"] == rows[0]["id"] and people[0]["phone"] == "13812345678"
    audit = await AuditEntry.select().where(AuditEntry.action == "import_opinions").output(load_json=True).run()
    assert len(audit) == 1 and audit[0]["actor"] == "officer1" and audit[0]["after"]["added"] == 4

    # the stored rows read back like any other opinion
    from liaison.opinions.service import get_receipt, list_opinions

    listed = await list_opinions(slug, officer)
    assert listed["total"] == 4
    assert (await get_receipt(rows[0]["receipt"]))["text"] == "牵引绳长度应明确为不超过1.5米"


async def test_reimport_adds_nothing_and_counts_rows_already_there(database: str) -> None:
    slug = await published_draft()
    officer = await user("officer2", "officer")
    await import_service.commit_file(slug, "a.csv", csv_file(GOOD), officer)
    again = await import_service.check_file(slug, "a-copy.csv", csv_file(GOOD, encoding="gbk"), officer)
    assert (again.new_rows, again.already_present) == (0, 4)
    result = await import_service.commit_file(slug, "a-copy.csv", csv_file(GOOD), officer)
    assert (result.added, result.already_present) == (0, 4)
    more = await import_service.commit_file(slug, "b.csv", csv_file([*GOOD, {"text": "总体赞成"}, {"text": "新的"}]),
                                            officer)
    assert (more.added, more.already_present) == (2, 4)
    assert await Opinion.count().run() == 6


async def test_one_bad_row_stores_nothing_and_is_listed(database: str) -> None:
    slug = await published_draft()
    officer = await user("officer3", "officer")
    content = csv_file([*GOOD, {"article": 99, "text": "没有这一条"}, {"text": "好", "phone": "123", "consent": "是"}])
    report = await import_service.check_file(slug, "bad.csv", content, officer)
    assert not report.ok
    assert {(p.row, p.column) for p in report.problems} == {(6, "条文"), (7, "电话")}
    with pytest.raises(Invalid, match="没有导入任何内容"):
        await import_service.commit_file(slug, "bad.csv", content, officer)
    assert await Opinion.count().run() == 0


async def test_offices_activities_and_volunteers_are_resolved(database: str) -> None:
    slug = await published_draft()
    other = await published_draft("cat-rules")
    east, west = await office("东街联络室"), await office("西街联络室")
    vol = (await Volunteer.insert(Volunteer(name="钱七", role_name="信息员", office=east)).run())[0]["id"]
    await Volunteer.insert(Volunteer(name="钱七", role_name="信息员", office=west)).run()
    meeting = (await Activity.insert(Activity(draft=await draft_id(slug), office=east, kind="visit",
                                              held_on=date(2026, 3, 1))).run())[0]["id"]
    foreign = (await Activity.insert(Activity(draft=await draft_id(other), office=east, kind="symposium",
                                              held_on=date(2026, 3, 1))).run())[0]["id"]
    officer = await user("officer4", "officer")
    content = csv_file([
        {"text": "走访中收集", "activity": meeting},                          # channel from the activity: visit
        {"text": "东街信息员", "office": "东街联络室", "volunteer": "钱七"},
        {"text": "编号也行", "office": str(west)},
        {"text": "别的草案的活动", "activity": foreign},                      # row 5
        {"text": "不存在的联络室", "office": "北街联络室"},                     # row 6
        {"text": "同名信息员", "volunteer": "钱七"},                           # row 7: ambiguous
        {"text": "活动与联络室不符", "activity": meeting, "office": "西街联络室"},  # row 8
    ])
    report = await import_service.check_file(slug, "x.csv", content, officer)
    assert {(p.row, p.column) for p in report.problems} == {(5, "征询活动编号"), (6, "联络室"), (7, "信息员"), (8, "联络室")}
    good = csv_file([
        {"text": "走访中收集", "activity": meeting},
        {"text": "东街信息员", "office": "东街联络室", "volunteer": "钱七"},
        {"text": "编号也行", "office": str(west)},
    ])
    await import_service.commit_file(slug, "x.csv", good, officer)
    rows = await Opinion.select(Opinion.channel, Opinion.office, Opinion.volunteer, Opinion.activity).order_by(
        Opinion.id).run()
    assert rows == [
        {"channel": "visit", "office": east, "volunteer": None, "activity": meeting},
        {"channel": "other", "office": east, "volunteer": vol, "activity": None},
        {"channel": "other", "office": west, "volunteer": None, "activity": None},
    ]


async def test_office_staff_import_only_into_their_own_office(database: str) -> None:
    slug = await published_draft()
    east, _west = await office("东街联络室"), await office("西街联络室")
    staff = await user("east_staff", "office_staff")
    await assign("east_staff", east)
    mixed = csv_file([{"text": "本室"}, {"text": "他室", "office": "西街联络室"}])
    report = await import_service.check_file(slug, "x.csv", mixed, staff)
    assert [(p.row, p.column) for p in report.problems] == [(3, "联络室")]
    assert "本联络室" in report.problems[0].message
    own = csv_file([{"text": "本室"}, {"text": "写明本室", "office": east}])
    result = await import_service.commit_file(slug, "x.csv", own, staff)
    assert result.added == 2
    assert {r["office"] for r in await Opinion.select(Opinion.office).run()} == {east}
    unassigned = await user("lost_staff", "office_staff")
    with pytest.raises(Forbidden, match="联络室"):
        await import_service.check_file(slug, "x.csv", csv_file([{"text": "好"}]), unassigned)


async def test_volunteers_may_not_bulk_import(database: str) -> None:
    slug = await published_draft()
    volunteer = await user("vol1", "volunteer")
    with pytest.raises(Forbidden, match="信息员"):
        await import_service.check_file(slug, "x.csv", csv_file([{"text": "好"}]), volunteer)
    with pytest.raises(Forbidden):
        await import_service.commit_file(slug, "x.csv", csv_file([{"text": "好"}]), volunteer)


async def test_closed_drafts_accept_imports_upcoming_and_unpublished_do_not(database: str) -> None:
    officer = await user("officer5", "officer")
    closed = await published_draft("old-rules", opens="2020-01-01", closes="2020-02-01")
    assert (await import_service.commit_file(closed, "x.csv", csv_file([{"text": "迟到的意见"}]), officer)).added == 1
    upcoming = await published_draft("future-rules", opens="2099-01-01", closes="2099-02-01")
    with pytest.raises(Conflict):
        await import_service.check_file(upcoming, "x.csv", csv_file([{"text": "好"}]), officer)


async def test_cli_path_has_full_rights_and_a_default_office(database: str) -> None:
    slug = await published_draft()
    east = await office("东街联络室")
    result = await import_service.commit_file(slug, "x.csv", csv_file([{"text": "好"}]), None, office="东街联络室",
                                              actor="operator")
    assert result.added == 1
    row = await Opinion.select(Opinion.office, Opinion.entered_by).first().run()
    assert row == {"office": east, "entered_by": None}
    audit = await AuditEntry.select(AuditEntry.actor).where(AuditEntry.action == "import_opinions").first().run()
    assert audit["actor"] == "operator"


async def test_large_import_in_chunks_with_contributors(database: str) -> None:
    slug = await published_draft()
    rows = [{"text": f"第{i}条意见", "article": (i % 3) + 1, "name": f"居民{i}", "consent": "是"} if i % 2 else
            {"text": f"第{i}条意见"} for i in range(2500)]
    result = await import_service.commit_file(slug, "big.csv", csv_file(rows), None)
    assert result.added == 2500
    assert await Opinion.count().run() == 2500 and await Contributor.count().run() == 1250
    joined = await Contributor.select(Contributor.name, Contributor.opinion.text).run()
    assert all(r["name"][2:] == r["opinion.text"][1:-3] for r in joined)


# ---------------------------------------------------------------- web flow


async def upload(client: httpx.AsyncClient, slug: str, name: str, content: bytes) -> httpx.Response:
    return await client.post(f"/staff/drafts/{slug}/import", files={"file": (name, content, "text/csv")},
                             data={"_csrf_token": csrf(client)})


async def confirm(client: httpx.AsyncClient, slug: str, token: str) -> httpx.Response:
    return await client.post(f"/staff/drafts/{slug}/import/confirm", data={"token": token, "_csrf_token": csrf(client)})


async def test_officer_uploads_checks_confirms_and_reimports(client: httpx.AsyncClient, settings: Settings) -> None:
    slug = await published_draft()
    await login(client, "web_officer", "officer")
    form = await client.get(f"/staff/drafts/{slug}/import")
    assert form.status_code == 200 and "import-template.xlsx" in form.text
    for suffix, kind in ((".csv", "text/csv"), (".xlsx", "spreadsheetml")):
        template = await client.get(f"/staff/import-template{suffix}")
        assert template.status_code == 200 and kind in template.headers["content-type"]
        assert "attachment" in template.headers["content-disposition"]

    checked = await upload(client, slug, "线下意见.csv", csv_file(GOOD, "gbk"))
    assert checked.status_code == 200, checked.text
    assert "确认导入 4 条" in checked.text and "GBK" in checked.text
    assert await Opinion.count().run() == 0
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    assert (Path(settings.data_dir) / "imports" / token).exists()

    done = await confirm(client, slug, token)
    assert done.status_code == 200, done.text
    assert "已导入 4 条，0 条此前已导入" in done.text
    assert await Opinion.count().run() == 4
    assert not (Path(settings.data_dir) / "imports" / token).exists()
    replay = await confirm(client, slug, token)
    assert replay.status_code == 404 and await Opinion.count().run() == 4

    again = await upload(client, slug, "again.csv", csv_file(GOOD))
    assert "4 条（不会重复导入）" in again.text and "确认导入" not in again.text
    assert "此前都已导入" in again.text


async def test_web_report_lists_every_bad_row_and_offers_no_confirmation(client: httpx.AsyncClient) -> None:
    slug = await published_draft()
    await login(client, "web_officer2", "officer")
    content = csv_file([*GOOD, {"article": "第九十九条", "text": "没有这一条"}, {"text": "有电话", "phone": "13812345678"}])
    page = await upload(client, slug, "bad.csv", content)
    assert page.status_code == 200
    assert "没有导入任何内容" in page.text and "确认导入" not in page.text
    assert "<td>6</td><td>条文</td>" in page.text and "<td>7</td><td>同意提供个人信息</td>" in page.text
    assert await Opinion.count().run() == 0
    link = re.search(r'href="(/staff/drafts/[^"]+/problems\.csv)"', page.text).group(1)
    report = await client.get(link)
    assert report.status_code == 200 and "第 99 条" in report.content.decode("utf-8-sig")


async def test_web_refuses_unreadable_files_with_a_clear_message(client: httpx.AsyncClient) -> None:
    slug = await published_draft()
    await login(client, "web_officer3", "officer")
    page = await upload(client, slug, "x.csv", b"\xff\xfe\xff\x81,\x80\n")
    assert page.status_code == 422 and "CSV UTF-8" in page.text


async def test_web_accepts_files_over_the_draft_upload_limit(client: httpx.AsyncClient, settings: Settings) -> None:
    slug = await published_draft()
    await login(client, "web_officer4", "officer")
    rows = [{"text": f"{i} " + "很长的意见" * 60} for i in range(8000)]
    content = csv_file(rows)
    assert len(content) > settings.max_upload_bytes + 64 * 1024
    page = await upload(client, slug, "big.csv", content)
    assert page.status_code == 200 and "确认导入 8000 条" in page.text


async def test_web_office_staff_own_office_and_volunteers_forbidden(client: httpx.AsyncClient) -> None:
    slug = await published_draft()
    east = await office("东街联络室")
    await login(client, "web_staff", "office_staff")
    await assign("web_staff", east)
    page = await upload(client, slug, "x.csv", csv_file([{"text": "本室"}]))
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    await confirm(client, slug, token)
    assert (await Opinion.select(Opinion.office).first().run())["office"] == east

    volunteer = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with volunteer:
        await login(volunteer, "web_volunteer", "volunteer")
        assert (await volunteer.get(f"/staff/drafts/{slug}/import")).status_code == 403
        refused = await upload(volunteer, slug, "x.csv", csv_file([{"text": "好"}]))
        assert refused.status_code == 403
        # another user's token is not theirs to confirm
        stolen = await confirm(volunteer, slug, token)
        assert stolen.status_code in (403, 404)
    assert await Opinion.count().run() == 1


async def test_pages_need_login(client: httpx.AsyncClient) -> None:
    slug = await published_draft()
    response = await client.get(f"/staff/drafts/{slug}/import", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and "/login" in response.headers["location"]


# ---------------------------------------------------------------- command line


async def test_cli_import_dry_run_problems_and_success(cli_env: dict[str, str], tmp_path: Path) -> None:
    await published_draft()
    good = tmp_path / "意见.csv"
    good.write_bytes(csv_file(GOOD, "gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([{"article": 42, "text": "没有这条"}]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*LIAISON, "opinions", "import", *args], env=cli_env, capture_output=True, text=True,
                              timeout=120)

    failed = run(str(bad), "--draft", "dog-rules")
    assert failed.returncode == 1, failed.stderr
    assert "第 2 行 [条文]" in failed.stderr and "42" in failed.stderr
    dry = run(str(good), "--draft", "dog-rules", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "4 new" in dry.stdout and "nothing stored" in dry.stdout
    done = run(str(good), "--draft", "dog-rules")
    assert done.returncode == 0, done.stderr
    assert "imported 4, 0 already present" in done.stdout
    again = run(str(good), "--draft", "dog-rules")
    assert again.returncode == 0 and "imported 0, 4 already present" in again.stdout
    missing = run(str(good), "--draft", "no-such-draft")
    assert missing.returncode == 1 and "no-such-draft" in missing.stderr
