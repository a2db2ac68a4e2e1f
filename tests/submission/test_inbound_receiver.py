"""POST /api/v1/inbound/packets over HTTP: signature, replay, conflict, malformed packets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from conftest import published_draft

from liaison.packets.compile import compile_packet
from liaison.submission import peers
from liaison.submission.signing import signed_headers
from liaison.submission.tables import InboundPacket, InboundPoint

pytestmark = pytest.mark.db

KEY = "lower-station-key-0123456789abcdef"
URL = "/api/v1/inbound/packets"


async def _packet_body(station_id: str = "county-b") -> bytes:
    from liaison.opinions.service import submit_opinion
    from liaison.opinions.validation import OpinionInput

    await published_draft("leash")
    await submit_opinion("leash", OpinionInput(text="第三条牵引绳长度建议为1.5米。", article=3), client_key="a")
    await submit_opinion("leash", OpinionInput(text="建议增加犬只免疫的补贴。", article=2), client_key="b")
    packet = await compile_packet("leash", None, station_name="某县联络站", station_id=station_id)
    from liaison.packets.export_json import packet_to_json

    return packet_to_json(packet)


def _signed(body: bytes, key: str = KEY, idem: str = "county-b:leash:v1", station: str = "county-b") -> dict[str, str]:
    return signed_headers(station, key, idem, body, time.time())


async def test_store_replay_and_conflict(client: httpx.AsyncClient, tmp_path: Path) -> None:
    body = await _packet_body()
    await peers.add_downstream("county-b", "某县联络站", key=KEY, actor="test")
    first = await client.post(URL, content=body, headers=_signed(body))
    assert first.status_code == 201, first.text
    inbound_id = first.json()["id"]
    replay = await client.post(URL, content=body, headers=_signed(body))
    assert replay.status_code == 200 and replay.json() == {"id": inbound_id}
    other = body.replace("某县联络站".encode(), "另一个站".encode())
    conflict = await client.post(URL, content=other, headers=_signed(other))
    assert conflict.status_code == 409
    assert conflict.json()["error"]["field"] == "Idempotency-Key"
    assert await InboundPacket.count().run() == 1
    assert await InboundPoint.count().where(InboundPoint.inbound == inbound_id).run() == 2


@pytest.mark.parametrize("case", ["bad-signature", "unknown-station", "removed-station", "stale", "no-station"])
async def test_refusals_answer_401(client: httpx.AsyncClient, case: str) -> None:
    body = await _packet_body()
    await peers.add_downstream("county-b", "某县联络站", key=KEY, actor="test")
    headers = _signed(body)
    if case == "bad-signature":
        headers = _signed(body, key="not-the-shared-key-000000")
    elif case == "unknown-station":
        headers = _signed(body, station="county-z")
    elif case == "removed-station":
        await peers.remove_downstream("county-b", actor="test")
    elif case == "stale":
        headers = signed_headers("county-b", KEY, "county-b:leash:v1", body, time.time() - 3600)
    elif case == "no-station":
        del headers["X-Liaison-Station"]
    response = await client.post(URL, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthenticated"
    assert await InboundPacket.count().run() == 0


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d.pop("sections"), "(root)"),
    (lambda d: d.update(schema="liaison.packet/9"), "schema"),
    (lambda d: d["station"].update(id="county-other"), "station.id"),
    (lambda d: d["sections"]["articles"][0]["points"][0].update(count=0), "sections/articles/0/points/0/count"),
])
async def test_malformed_packets_answer_422_naming_the_field(client: httpx.AsyncClient, mutate, field: str) -> None:
    doc = json.loads(await _packet_body())
    await peers.add_downstream("county-b", "某县联络站", key=KEY, actor="test")
    mutate(doc)
    body = json.dumps(doc, ensure_ascii=False).encode()
    response = await client.post(URL, content=body, headers=_signed(body))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert await InboundPacket.count().run() == 0


async def test_not_json_and_missing_key_answer_422(client: httpx.AsyncClient) -> None:
    await peers.add_downstream("county-b", "某县联络站", key=KEY, actor="test")
    body = b"\xff not json"
    response = await client.post(URL, content=body, headers=_signed(body))
    assert response.status_code == 422
    headers = _signed(b"{}")
    del headers["Idempotency-Key"]
    response = await client.post(URL, content=b"{}", headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "Idempotency-Key"


async def test_packet_for_a_draft_not_here_is_kept_and_folded_after_import(client: httpx.AsyncClient) -> None:
    from liaison.submission.inbound import fold_pending

    body = await _packet_body()
    doc = json.loads(body)
    doc["draft"]["slug"] = "not-here-yet"
    body = json.dumps(doc, ensure_ascii=False).encode()
    await peers.add_downstream("county-b", "某县联络站", key=KEY, actor="test")
    response = await client.post(URL, content=body, headers=_signed(body))
    assert response.status_code == 201
    row = await InboundPacket.select().first().run()
    assert row["folded_into"] is None
    await published_draft("not-here-yet")
    assert await fold_pending("not-here-yet") == 1
    assert (await InboundPacket.select().first().run())["folded_into"] is not None
    assert await fold_pending("not-here-yet") == 0
