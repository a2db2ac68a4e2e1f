from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import sample_draft

from liaison.core.errors import Conflict, Invalid, NotFound, TooLarge
from liaison.drafts import service
from liaison.drafts.tables import Draft, DraftArticle, DraftVersion
from liaison.drafts.window import Phase

pytestmark = pytest.mark.db
TZ = ZoneInfo("Asia/Shanghai")


async def _import(text: str, name: str = "dog-rules.md") -> service.ImportResult:
    return await service.import_draft(text, source_name=name, tz=TZ, max_bytes=1 << 20, actor="t")


async def test_import_is_idempotent(database: str) -> None:
    first = await _import(sample_draft())
    assert (first.created_draft, first.created_version, first.version, first.article_count) == (True, True, 1, 3)
    again = await _import(sample_draft())
    assert (again.created_draft, again.created_version, again.version) == (False, False, 1)
    assert await Draft.count().run() == 1
    assert await DraftVersion.count().run() == 1
    assert await DraftArticle.count().run() == 3


async def test_changed_text_makes_a_new_version_and_keeps_the_old(database: str) -> None:
    await _import(sample_draft())
    second = await _import(sample_draft(extra_article="\n\n第四条　本条例自公布之日起施行。"))
    assert (second.created_draft, second.created_version, second.version, second.article_count) == (False, True, 2, 4)
    draft = await service.get_draft("dog-rules", public=False)
    assert draft.current_version == 2 and draft.article_count == 4
    assert len(await service.get_articles(draft, 1)) == 3
    assert [a["number"] for a in await service.get_articles(draft)] == [1, 2, 3, 4]
    # re-importing the first text again is still "unchanged": it exists as version 1
    assert (await _import(sample_draft())).created_version is False


async def test_articles_keep_structure_and_rendered_html(database: str) -> None:
    await _import(sample_draft())
    draft = await service.get_draft("dog-rules", public=False)
    articles = await service.get_articles(draft)
    second = articles[1]
    assert second["label"] == "第二条" and second["chapter"] == "第一章 总则"
    assert [b["kind"] for b in second["blocks"]] == ["paragraph", "paragraph", "item", "item"]
    assert "（一）依法登记；" in second["html"]
    assert articles[2]["chapter"] == "第二章 养犬管理"


async def test_bad_draft_creates_nothing(database: str) -> None:
    with pytest.raises(Invalid) as info:
        await _import("---\ntitle: [unclosed\n---\n第一条　内容")
    assert info.value.status_code == 422
    with pytest.raises(Invalid):
        await _import("")
    with pytest.raises(Invalid):
        await _import(b"\x00\x01\x02binary")
    with pytest.raises(TooLarge):
        await service.import_draft(sample_draft(), source_name="x.md", tz=TZ, max_bytes=100)
    assert await Draft.count().run() == 0 and await DraftVersion.count().run() == 0


async def test_window_dates_are_whole_days_in_station_time(database: str) -> None:
    await _import(sample_draft(opens="2026-12-01", closes="2026-12-31"))
    draft = await service.get_draft("dog-rules", public=False)
    assert draft.comment_opens == datetime(2026, 12, 1, tzinfo=TZ)
    assert draft.comment_closes == datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ)


async def test_life_cycle(database: str) -> None:
    await _import(sample_draft())
    with pytest.raises(NotFound):
        await service.get_draft("dog-rules", public=True)
    assert (await service.get_draft("dog-rules", public=False)).phase is Phase.UNPUBLISHED
    await service.publish_draft("dog-rules")
    assert (await service.get_draft("dog-rules", public=True)).phase is Phase.OPEN
    await service.close_draft("dog-rules")
    closed = await service.get_draft("dog-rules", public=True)
    assert closed.phase is Phase.CLOSED
    with pytest.raises(Conflict):
        await service.close_draft("dog-rules")
    await service.archive_draft("dog-rules")
    assert (await service.get_draft("dog-rules", public=True)).phase is Phase.ARCHIVED
    with pytest.raises(Conflict):
        await service.publish_draft("dog-rules")


async def test_upcoming_window_and_list_visibility(database: str) -> None:
    await _import(sample_draft("future-rules", opens="2099-01-01", closes="2099-02-01"), "future-rules.md")
    await _import(sample_draft())
    assert [d.slug for d in await service.list_drafts(public=True)] == []
    await service.publish_draft("future-rules")
    drafts = await service.list_drafts(public=True)
    assert [(d.slug, d.phase) for d in drafts] == [("future-rules", Phase.UPCOMING)]
    assert len(await service.list_drafts(public=False)) == 2


async def test_update_metadata_validates(database: str) -> None:
    await _import(sample_draft())
    now = datetime.now(UTC)
    with pytest.raises(Invalid) as info:
        await service.update_draft("dog-rules", title=" ", summary="", issuer="", key_questions=[],
                                   comment_opens=None, comment_closes=None)
    assert info.value.field == "title"
    with pytest.raises(Invalid) as info:
        await service.update_draft("dog-rules", title="T", summary="", issuer="", key_questions=[],
                                   comment_opens=now, comment_closes=now - timedelta(days=1))
    assert info.value.field == "comment_closes"
    await service.update_draft("dog-rules", title="新标题", summary="简介", issuer="法工委",
                               key_questions=["问题一", " ", "问题二"], comment_opens=None, comment_closes=None)
    draft = await service.get_draft("dog-rules", public=False)
    assert (draft.title, draft.summary, draft.key_questions) == ("新标题", "简介", ["问题一", "问题二"])


async def test_draft_changes_are_audited(database: str) -> None:
    from liaison.audit.tables import AuditEntry

    await _import(sample_draft())
    await service.publish_draft("dog-rules", "officer7")
    await service.close_draft("dog-rules", "officer7")
    entries = await AuditEntry.select().where(AuditEntry.entity == "draft").order_by(AuditEntry.id).output(
        load_json=True).run()
    assert [(e["action"], e["actor"]) for e in entries] == [("import", "t"), ("publish", "officer7"), ("close", "officer7")]
    assert entries[1]["before"]["status"] == "unpublished" and entries[1]["after"]["status"] == "published"
