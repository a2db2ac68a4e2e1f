import httpx
import pytest
from conftest import csrf, login, service_user

from liaison.accounts.services import authenticate
from liaison.audit.tables import AuditEntry
from liaison.network import service
from liaison.network.tables import Office, Volunteer

pytestmark = pytest.mark.db


async def _post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    return await client.post(path, data={**data, "_csrf_token": csrf(client)}, follow_redirects=False)


async def test_officer_creates_offices_volunteers_with_logins_and_role_names(client: httpx.AsyncClient) -> None:
    await login(client, "officer_net", "officer")
    created = await _post(client, "/staff/offices", name="城关街道联络室", area="城关街道", address="人民路1号",
                          contact="刘主任", phone="0571-88886666")
    assert created.status_code == 303
    office_id = int(created.headers["location"].split("/")[3].split("?")[0])
    duplicate = await _post(client, "/staff/offices", name="城关街道联络室")
    assert duplicate.status_code == 409 and "已有名为" in duplicate.text

    renamed = await _post(client, "/staff/network/role-names", role_names="信息员、联络员、宣传员、监督员")
    assert renamed.status_code == 303
    assert await service.role_names() == ["信息员", "联络员", "宣传员", "监督员"]

    vol = await _post(client, f"/staff/offices/{office_id}/volunteers", name="陈阿姨", role_name="监督员",
                      phone="13900001111", username="chen", password="a long passphrase")
    assert vol.status_code == 303
    bad_role = await _post(client, f"/staff/offices/{office_id}/volunteers", name="王", role_name="队长")
    assert bad_role.status_code == 422 and "监督员" in bad_role.text
    assert (await authenticate("chen", "a long passphrase")).role == "volunteer"
    page = await client.get(f"/staff/offices/{office_id}")
    assert "陈阿姨" in page.text and "监督员" in page.text and "chen" in page.text
    assert (await client.get("/staff/network")).status_code == 200
    assert await AuditEntry.count().where(AuditEntry.entity == "office").run() == 1


async def test_office_staff_manage_only_their_own_office(client: httpx.AsyncClient) -> None:
    officer = await service_user("boss", "officer")
    mine = await service.create_office(service.OfficeInput(name="东街联络室"), officer)
    other = await service.create_office(service.OfficeInput(name="西街联络室"), officer)
    await login(client, "staff_east", "office_staff")
    await service.assign_office("staff_east", mine, "test")
    assert (await client.get("/staff/network", follow_redirects=False)).headers["location"] == f"/staff/offices/{mine}"
    assert (await client.get(f"/staff/offices/{mine}")).status_code == 200
    assert (await client.get(f"/staff/offices/{other}")).status_code == 403
    assert (await _post(client, f"/staff/offices/{other}", name="改名")).status_code == 403
    assert (await _post(client, "/staff/offices", name="新联络室")).status_code == 403
    ok = await _post(client, f"/staff/offices/{mine}/volunteers", name="小李", role_name="信息员")
    assert ok.status_code == 303
    assert (await _post(client, f"/staff/offices/{other}/volunteers", name="小王", role_name="信息员")).status_code == 403
    assert await Volunteer.count().run() == 1
    assert (await Office.select(Office.name).where(Office.id == other).first().run())["name"] == "西街联络室"


async def test_volunteers_cannot_manage_the_network(client: httpx.AsyncClient) -> None:
    await login(client, "vol_net", "volunteer")
    assert (await client.get("/staff/network")).status_code == 403
    assert (await _post(client, "/staff/offices", name="x")).status_code == 403


