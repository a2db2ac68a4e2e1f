import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from conftest import published_draft

from liaison.opinions.service import submit_opinion, withdraw_contact
from liaison.opinions.tables import Contributor, Opinion
from liaison.opinions.validation import ContributorInput, OpinionInput
from liaison.privacy.service import purge_expired

pytestmark = pytest.mark.db


async def test_purge_removes_old_details_and_keeps_opinions(database: str) -> None:
    await published_draft()
    for i in range(3):
        await submit_opinion("dog-rules", OpinionInput(
            text=f"意见{i}", contributor=ContributorInput(name="赵六", phone="13700001234", consent=True)),
            client_key=f"k{i}")
    old = datetime.now(UTC) - timedelta(days=400)
    first = (await Contributor.select(Contributor.id).order_by(Contributor.id).first().run())["id"]
    await Contributor.update({Contributor.consent_at: old}).where(Contributor.id == first).run()
    assert await purge_expired(365) == 1
    assert await Contributor.count().run() == 2 and await Opinion.count().run() == 3
    assert await purge_expired(365) == 0
    receipt = (await Opinion.select(Opinion.receipt).order_by(Opinion.id, ascending=False).first().run())["receipt"]
    assert await withdraw_contact(receipt) is True
    assert await Contributor.count().run() == 1
    if database.startswith("sqlite"):
        # No copy of the phone number is left in the database file (after a checkpoint).
        from liaison.db import sqlite_path

        await purge_expired(0)
        with sqlite3.connect(sqlite_path(database)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # secure_delete zeroed the rows; no VACUUM needed
        assert b"13700001234" not in sqlite_path(database).read_bytes()


async def test_purge_and_withdrawal_drop_the_sector_tag_derived_from_the_occupation(database: str) -> None:
    from liaison.clusters.tables import OpinionTag

    await published_draft()
    receipts = []
    for i in range(2):
        r = await submit_opinion("dog-rules", OpinionInput(
            text=f"意见{i}", contributor=ContributorInput(name="钱七", occupation="教师", consent=True)),
            client_key=f"s{i}")
        receipts.append(r.receipt)
        draft_id = (await Opinion.select(Opinion.draft).where(Opinion.id == r.id).first().run())["draft"]
        await OpinionTag.insert(OpinionTag(opinion=r.id, draft=draft_id, kind="sector", value="教育", source="rule",
                                           confidence=0.95)).run()
        await OpinionTag.insert(OpinionTag(opinion=r.id, draft=draft_id, kind="stance", value="support",
                                           source="rule", confidence=0.8)).run()
    assert await withdraw_contact(receipts[0]) is True
    assert await OpinionTag.count().where(OpinionTag.kind == "sector").run() == 1
    assert await purge_expired(0, now=datetime.now(UTC) + timedelta(days=1)) == 1
    assert await OpinionTag.count().where(OpinionTag.kind == "sector").run() == 0
    assert await OpinionTag.count().where(OpinionTag.kind == "stance").run() == 2  # not personal: kept


async def test_withdrawal_and_purge_mask_the_person_in_packets_kept_with_full_personal_data(database: str) -> None:
    from liaison.packets.compile import compile_packet, get_packet
    from liaison.packets.tables import PacketVersion

    await published_draft()
    gone = await submit_opinion("dog-rules", OpinionInput(
        text="第三条牵引绳应不超过1.5米。", article=3,
        contributor=ContributorInput(name="孙八", phone="13911112222", consent=True)), client_key="p1")
    await submit_opinion("dog-rules", OpinionInput(
        text="建议第二条增加免费免疫。", article=2,
        contributor=ContributorInput(name="周九", phone="13633334444", consent=True)), client_key="p2")
    await compile_packet("dog-rules", None, personal_data="full")
    await compile_packet("dog-rules", None, personal_data="masked")
    body = (await PacketVersion.select(PacketVersion.body).where(PacketVersion.number == 1).first().run())["body"]
    assert "13911112222" in body and "孙八" in body  # the full version holds it until the withdrawal
    assert await withdraw_contact(gone.receipt) is True
    bodies = [r["body"] for r in await PacketVersion.select(PacketVersion.body).run()]
    assert not any("13911112222" in b or "孙八" in b for b in bodies)
    assert "13633334444" in bodies[0] or "13633334444" in bodies[1]  # the other person is untouched
    assert (await get_packet("dog-rules", 1)).version == 1  # still a valid packet
    assert await purge_expired(0, now=datetime.now(UTC) + timedelta(days=1)) == 1
    assert not any("13633334444" in r["body"] for r in await PacketVersion.select(PacketVersion.body).run())
