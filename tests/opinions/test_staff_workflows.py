import httpx
import pytest
from conftest import csrf, login, published_draft, service_user

from liaison.audit.tables import AuditEntry
from liaison.network import service as network
from liaison.opinions.tables import Activity, Opinion

pytestmark = pytest.mark.db


async def _post(client: httpx.AsyncClient, path: str, files=None, **data: str) -> httpx.Response:
    return await client.post(path, data={**data, "_csrf_token": csrf(client)}, files=files, follow_redirects=False)


async def _setup_office() -> tuple[int, int]:
    boss = await service_user("boss", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    west = await network.create_office(network.OfficeInput(name="西街联络室"), boss)
    return east, west


async def test_volunteer_records_a_symposium_and_enters_three_opinions(client: httpx.AsyncClient, settings) -> None:
    await published_draft()
    east, _ = await _setup_office()
    boss = await service_user("boss2", "officer")
    await network.create_volunteer(name="陈阿姨", role_name="信息员", office_id=east, phone="", actor=boss,
                                   username="chen", password="a long passphrase")
    await client.get("/login")
    await client.post("/login", data={"username": "chen", "password": "a long passphrase",
                                      "_csrf_token": csrf(client)})
    created = await _post(client, "/staff/activities", draft="dog-rules", office=str(east), kind="symposium",
                          title="社区座谈会", held_on="2026-11-20", place="社区活动室", attendees="18", notes="",
                          files={"minutes": ("纪要.txt", "座谈会纪要".encode(), "text/plain")})
    assert created.status_code == 303, created.text
    activity_id = int(created.headers["location"].split("/")[3].split("?")[0])
    for i, (article, text) in enumerate([("3", "牵引绳应不超过1.5米"), ("", "总体支持"), ("第二条", "登记应免费")], 1):
        saved = await _post(client, "/staff/entry", activity=str(activity_id), article=article, text=text)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/staff/entry?activity={activity_id}&saved={i}"
    rows = await Opinion.select().order_by(Opinion.id).run()
    assert [(r["article"], r["channel"], r["office"], r["activity"]) for r in rows] == [
        (3, "symposium", east, activity_id), (None, "symposium", east, activity_id), (2, "symposium", east, activity_id)]
    assert all(r["volunteer"] is not None and r["entered_by"] for r in rows)
    page = await client.get("/staff/entry")
    assert "牵引绳应不超过1.5米" in page.text and "登记应免费" in page.text
    minutes = await client.get(f"/staff/activities/{activity_id}/minutes")
    assert minutes.status_code == 200 and minutes.content == "座谈会纪要".encode()

    # corrections until screened
    first = rows[0]["id"]
    edited = await _post(client, f"/staff/entries/{first}/edit", article="3", text="牵引绳应不超过1.2米")
    assert edited.status_code == 303
    assert (await Opinion.select(Opinion.text).where(Opinion.id == first).first().run())["text"] == "牵引绳应不超过1.2米"
    await Opinion.update({Opinion.status: "kept"}).where(Opinion.id == first).run()
    locked = await _post(client, f"/staff/entries/{first}/edit", article="3", text="再改")
    assert locked.status_code == 409
    assert await AuditEntry.count().where(AuditEntry.action == "edit").run() == 1


async def test_entry_errors_name_the_problem(client: httpx.AsyncClient) -> None:
    await published_draft()
    east, west = await _setup_office()
    await login(client, "staff_e", "office_staff")
    await network.assign_office("staff_e", east, "t")
    boss = await service_user("boss3", "officer")
    from liaison.opinions.activities import ActivityInput, create_activity

    west_activity = await create_activity(ActivityInput("dog-rules", west, "visit", "2026-11-21"), boss,
                                          data_dir=__import__("pathlib").Path("/tmp"))
    no_activity = await _post(client, "/staff/entry", activity="", text="x")
    assert no_activity.status_code == 422 and "征询活动" in no_activity.text
    other_office = await _post(client, "/staff/entry", activity=str(west_activity), text="x")
    assert other_office.status_code == 403
    east_activity = await create_activity(ActivityInput("dog-rules", east, "visit", "2026-11-21"), boss,
                                          data_dir=__import__("pathlib").Path("/tmp"))
    bad_article = await _post(client, "/staff/entry", activity=str(east_activity), article="99", text="x")
    assert bad_article.status_code == 422 and "99" in bad_article.text
    assert await Opinion.count().run() == 0


async def test_activity_validation(client: httpx.AsyncClient) -> None:
    await published_draft()
    east, _ = await _setup_office()
    await login(client, "officer_act", "officer")
    bad_date = await _post(client, "/staff/activities", draft="dog-rules", office=str(east), kind="symposium",
                           held_on="昨天", attendees="5")
    assert bad_date.status_code == 422 and "held_on" in bad_date.text
    bad_file = await _post(client, "/staff/activities", draft="dog-rules", office=str(east), kind="symposium",
                           held_on="2026-11-20", attendees="5",
                           files={"minutes": ("evil.exe", b"MZ", "application/octet-stream")})
    assert bad_file.status_code == 422 and "minutes" in bad_file.text
    assert await Activity.count().run() == 0


async def test_screening_keeps_and_sets_aside_never_deletes(client: httpx.AsyncClient) -> None:
    await published_draft()
    for text in ("意见一", "广告！！", "意见三"):
        await client.post("/api/v1/drafts/dog-rules/opinions", json={"text": text})
    ids = [r["id"] for r in await Opinion.select(Opinion.id).order_by(Opinion.id).run()]
    await login(client, "officer_scr", "officer")
    queue = await client.get("/staff/drafts/dog-rules/screening")
    assert queue.status_code == 200 and "广告！！" in queue.text and "共 3 条" in queue.text
    no_reason = await client.post("/staff/drafts/dog-rules/screening",
                                  data={"ids": [str(ids[1])], "action": "set_aside", "_csrf_token": csrf(client)})
    assert no_reason.status_code == 422
    aside = await client.post("/staff/drafts/dog-rules/screening", follow_redirects=False,
                              data={"ids": [str(ids[1])], "action": "set_aside", "reason": "spam",
                                    "_csrf_token": csrf(client)})
    assert aside.status_code == 303
    kept = await client.post("/staff/drafts/dog-rules/screening", follow_redirects=False,
                             data={"ids": [str(ids[0]), str(ids[2])], "action": "keep", "_csrf_token": csrf(client)})
    assert kept.headers["location"].endswith("done=2")
    statuses = [r["status"] for r in await Opinion.select(Opinion.status).order_by(Opinion.id).run()]
    assert statuses == ["kept", "set_aside", "kept"]
    entries = await AuditEntry.select().where(AuditEntry.entity == "opinion").output(load_json=True).run()
    assert len(entries) == 3 and entries[0]["actor"] == "officer_scr"
    assert {e["after"]["status"] for e in entries} == {"kept", "set_aside"}
    assert "广告！！" in (await client.get("/staff/drafts/dog-rules/screening?status=set_aside")).text


async def test_office_staff_screen_only_their_office(client: httpx.AsyncClient) -> None:
    await published_draft()
    east, west = await _setup_office()
    officer_headers = {"Authorization": "Bearer " + await _token("tok_officer", "officer")}
    await client.post("/api/v1/drafts/dog-rules/opinions", json={"text": "西街意见", "office": west},
                      headers=officer_headers)
    await login(client, "staff_w", "office_staff")
    await network.assign_office("staff_w", east, "t")
    queue = await client.get("/staff/drafts/dog-rules/screening")
    assert "西街意见" not in queue.text
    west_id = (await Opinion.select(Opinion.id).first().run())["id"]
    refused = await client.post("/staff/drafts/dog-rules/screening",
                                data={"ids": [str(west_id)], "action": "keep", "_csrf_token": csrf(client)})
    assert refused.status_code == 403


async def test_audit_log_is_for_admins_and_exports_csv(client: httpx.AsyncClient) -> None:
    await published_draft()
    east, _ = await _setup_office()
    await login(client, "officer_a", "officer")
    assert (await client.get("/staff/audit")).status_code == 403
    client.cookies.clear()
    await login(client, "admin_a", "admin")
    page = await client.get("/staff/audit")
    assert page.status_code == 200 and "东街联络室" in page.text
    export = await client.get("/staff/audit.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "东街联络室" in export.content.decode("utf-8-sig")


async def _token(username: str, role: str) -> str:
    from liaison.accounts.services import create_token

    await service_user(username, role)
    return await create_token(username)
