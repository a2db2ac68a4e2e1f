from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import published_draft

from liaison.adoption import service
from liaison.adoption.outcomes import OutcomeInput, parse_outcome, parse_point_key, totals
from liaison.adoption.tables import OpinionOutcome, PointOutcome
from liaison.audit.tables import AuditEntry
from liaison.clusters import service as clusters
from liaison.clusters.tables import ClusterMember
from liaison.core.errors import Invalid
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db

SAME = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"


async def scenario(tmp_path: Path) -> dict:
    """Three opinions making one point (a cluster), one other on article 3, one general, one set aside."""
    await published_draft()
    ids = []
    texts = [(SAME.format(""), 3), (SAME.format("谢谢！"), 3), (SAME.format("望采纳"), 3),
             ("建议第三条增加夜间遛狗须佩戴反光标识的规定。", 3), ("总体支持，联系电话13911112222", None),
             ("广告：出售名犬，价格优惠", None)]
    for i, (text, article) in enumerate(texts):
        ids.append((await submit_opinion("dog-rules", OpinionInput(text=text, article=article),
                                         client_key=f"k{i}")).id)
    await Opinion.update({Opinion.status: "set_aside"}).where(Opinion.id == ids[5]).run()
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    member_of = {m["opinion"]: m["cluster"] for m in await ClusterMember.select().run()}
    assert member_of[ids[0]] == member_of[ids[1]] == member_of[ids[2]] != member_of[ids[3]]
    return {"ids": ids, "cluster": member_of[ids[0]], "draft": await get_draft("dog-rules", public=False)}


def test_vocabulary_and_totals_are_pure() -> None:
    assert parse_outcome("部分采纳") == "partly" and parse_outcome(" adopted ") == "adopted"
    with pytest.raises(Invalid) as bad:
        parse_outcome("accepted")
    assert bad.value.field == "outcome" and "采纳" in bad.value.message
    assert parse_point_key("C12") == ("c", 12) and parse_point_key("o34") == ("o", 34)
    for wrong in ("12", "x1", "c", "c0", "c99999999999", "c1;drop"):
        with pytest.raises(Invalid):
            parse_point_key(wrong)
    t = totals(10, 8, [("adopted", 3), ("partly", 2), ("not_adopted", 1), ("pending", 1)])
    assert (t.collected, t.submitted, t.adopted, t.points_decided) == (10, 8, 5, 3)
    assert t.opinions_by_outcome == {"adopted": 3, "partly": 2, "not_adopted": 1, "pending": 1}


async def test_recording_a_cluster_fans_out_to_each_of_its_opinions(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    ids, key = s["ids"], f"c{s['cluster']}"
    covered = await service.record_outcome("dog-rules", key, "adopted", note="已写入第三条第二款", final_article="第三条",
                                           actor="li")
    assert covered == 3
    for opinion in ids[:3]:
        outcome = await service.outcome_for_opinion(opinion)
        assert outcome is not None
        assert (outcome["outcome"], outcome["label"], outcome["note"], outcome["final_article"]) == (
            "adopted", "采纳", "已写入第三条第二款", "第三条")
        assert "decided_by" not in outcome and "li" not in outcome.values()
    assert await service.outcome_for_opinion(ids[3]) is None
    entry = await AuditEntry.select().where(AuditEntry.entity == "outcome").output(load_json=True).first().run()
    assert entry["entity_id"] == f"dog-rules/{key}" and entry["actor"] == "li" and entry["after"]["opinions"] == 3


async def test_re_recording_overwrites_and_follows_the_current_membership(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    ids, key = s["ids"], f"c{s['cluster']}"
    await service.record_outcome("dog-rules", key, "adopted", actor="li")
    await clusters.move_member(ids[2], None, "li")  # an officer splits one opinion off afterwards
    assert await service.record_outcome("dog-rules", key, "not_adopted", note="与上位法冲突", actor="wang") == 2
    assert await PointOutcome.count().run() == 1
    assert await OpinionOutcome.count().run() == 2
    assert (await service.outcome_for_opinion(ids[0]))["outcome"] == "not_adopted"
    assert await service.outcome_for_opinion(ids[2]) is None
    audits = await AuditEntry.select().where(AuditEntry.entity == "outcome").order_by(AuditEntry.id).output(
        load_json=True).run()
    assert [a["before"].get("outcome") for a in audits] == [None, "adopted"]
    assert audits[1]["after"]["outcome"] == "not_adopted"


async def test_outcomes_survive_re_clustering(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    await service.record_outcome("dog-rules", f"c{s['cluster']}", "partly", actor="li")
    await clusters.rebuild(clusters.Analyzer(tmp_path), s["draft"].id, actor="t")
    assert [(await service.outcome_for_opinion(o))["label"] for o in s["ids"][:3]] == ["部分采纳"] * 3
    assert await OpinionOutcome.count().run() == 3 and await PointOutcome.count().run() == 1


async def test_unknown_points_and_bad_values_are_422_naming_the_field(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    cases = [
        (dict(point_key="c999999", outcome="adopted"), "point"),
        (dict(point_key="o999999", outcome="adopted"), "point"),
        (dict(point_key=f"o{s['ids'][5]}", outcome="adopted"), "point"),  # set aside: never sent up
        (dict(point_key="zz", outcome="adopted"), "point"),
        (dict(point_key=f"c{s['cluster']}", outcome="accepted"), "outcome"),
        (dict(point_key=f"c{s['cluster']}", outcome="adopted", note="长" * 2001), "note"),
        (dict(point_key=f"c{s['cluster']}", outcome="adopted", final_article="条" * 51), "final_article"),
    ]
    for kwargs, field in cases:
        with pytest.raises(Invalid) as err:
            await service.record_outcome("dog-rules", kwargs.pop("point_key"), kwargs.pop("outcome"), actor="li",
                                         **kwargs)
        assert (err.value.status_code, err.value.field) == (422, field), kwargs
    await published_draft("other-rules")
    with pytest.raises(Invalid):  # a cluster of another draft
        await service.record_outcome("other-rules", f"c{s['cluster']}", "adopted", actor="li")
    assert await PointOutcome.count().run() == 0 and await OpinionOutcome.count().run() == 0


async def test_batch_from_upstream_is_all_or_nothing_and_round_trips_the_export(database: str,
                                                                               tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    ids, key = s["ids"], f"c{s['cluster']}"
    with pytest.raises(Invalid) as err:
        await service.record_outcomes_batch("dog-rules", [
            {"point_key": key, "outcome": "adopted"}, {"point_key": f"o{ids[3]}", "outcome": "maybe"}], actor="upper")
    assert err.value.field == "outcomes[1].outcome"
    with pytest.raises(Invalid) as err:
        await service.record_outcomes_batch("dog-rules", [
            {"point_key": key, "outcome": "adopted"}, {"point_key": "c999999", "outcome": "adopted"}], actor="upper")
    assert err.value.field == "outcomes[1].point_key"
    with pytest.raises(Invalid) as err:
        await service.record_outcomes_batch("dog-rules", [
            {"point_key": key, "outcome": "adopted"}, {"point_key": key.upper(), "outcome": "pending"}], actor="upper")
    assert err.value.field == "outcomes"
    for broken in ([{"point_key": key}], [{"point_key": 12, "outcome": "adopted"}], ["c1 adopted"], []):
        with pytest.raises(Invalid):
            await service.record_outcomes_batch("dog-rules", broken, actor="upper")
    assert await PointOutcome.count().run() == 0

    covered = await service.record_outcomes_batch("dog-rules", [
        {"point_key": key, "outcome": "采纳", "note": "采纳", "final_article": "第四条"},
        OutcomeInput(f"o{ids[3]}", "not_adopted", "属于实施细则的内容"),
        {"point_key": f"o{ids[4]}", "outcome": "pending"},
    ], actor="upper")
    assert covered == 5
    exported = await service.export_outcomes("dog-rules")
    assert [e["point_key"] for e in exported] == sorted([key, f"o{ids[3]}", f"o{ids[4]}"])
    assert {e["source"] for e in exported} == {"upstream"}
    by_key = {e["point_key"]: e for e in exported}
    assert by_key[key]["outcome"] == "adopted" and by_key[key]["final_article"] == "第四条"
    assert by_key[key]["opinions"] == 3 and isinstance(by_key[key]["decided_at"], str)

    # what one station exports, another records as it comes (here: back into the same draft)
    await service.record_outcomes_batch("dog-rules", exported, actor="upper")
    assert await service.export_outcomes("dog-rules") == [
        {**e, "decided_at": n["decided_at"]} for e, n in zip(exported, await service.export_outcomes("dog-rules"),
                                                              strict=True)]
    with pytest.raises(Invalid) as err:
        await service.record_outcomes_batch("dog-rules", exported, actor="x", source="rumour")
    assert err.value.field == "source"


async def test_the_latest_decision_covering_an_opinion_wins(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    ids = s["ids"]
    await service.record_outcome("dog-rules", f"o{ids[0]}", "not_adopted", actor="li")  # a packet's lone opinion
    await service.record_outcome("dog-rules", f"c{s['cluster']}", "adopted", actor="li")
    assert (await service.outcome_for_opinion(ids[0]))["outcome"] == "adopted"
    counts = {p["point_key"]: p["opinions"] for p in await service.outcomes_for_draft(s["draft"].id)}
    assert counts == {f"o{ids[0]}": 0, f"c{s['cluster']}": 3}
    t = await service.draft_totals(s["draft"].id)
    assert t.points_by_outcome["not_adopted"] == 0 and t.adopted == 3


async def test_totals_collected_submitted_adopted(database: str, tmp_path: Path) -> None:
    from liaison.packets.compile import compile_packet

    s = await scenario(tmp_path)
    ids = s["ids"]
    t = await service.draft_totals(s["draft"].id)
    assert (t.collected, t.submitted, t.adopted) == (6, 0, 0)
    await compile_packet("dog-rules", None)
    await service.record_outcome("dog-rules", f"c{s['cluster']}", "adopted", actor="li")
    await service.record_outcome("dog-rules", f"o{ids[3]}", "partly", actor="li")
    await service.record_outcome("dog-rules", f"o{ids[4]}", "not_adopted", actor="li")
    t = await service.draft_totals(s["draft"].id)
    assert (t.collected, t.submitted, t.adopted) == (6, 5, 4)  # the set-aside one was not sent up
    assert t.opinions_by_outcome == {"adopted": 3, "partly": 1, "not_adopted": 1, "pending": 0}
    point = await PointOutcome.select().where(PointOutcome.point_key == f"o{ids[3]}").first().run()
    assert point["packet_version"] == 1 and point["article"] == 3 and point["source"] == "person"
    # a later packet counts the opinions that arrived since
    await submit_opinion("dog-rules", OpinionInput(text="建议删去第二条第二项。", article=2), client_key="late")
    await compile_packet("dog-rules", None)
    assert (await service.draft_totals(s["draft"].id)).submitted == 6
    with pytest.raises(Invalid) as err:
        await service.record_outcome("dog-rules", f"o{ids[4]}", "adopted", actor="li", packet_version=9)
    assert err.value.field == "packet_version"


async def test_points_list_clusters_and_lone_opinions_with_their_outcomes(database: str, tmp_path: Path) -> None:
    s = await scenario(tmp_path)
    ids = s["ids"]
    one = await submit_opinion("dog-rules", OpinionInput(text="建议第一条写明立法目的。", article=1), client_key="n")
    # the worker has not reached the newest opinion: it stands alone as o<id>
    draft, points, count = await service.list_points("dog-rules")
    cluster_of = {m["opinion"]: m["cluster"] for m in await ClusterMember.select().run()}
    expected = [(f"c{cluster_of[ids[4]]}", None, 1), (f"o{one.id}", 1, 1), (f"c{s['cluster']}", 3, 3),
                (f"c{cluster_of[ids[3]]}", 3, 1)]
    assert [(p.key, p.article, p.count) for p in points] == expected and count == 4
    assert "13911112222" in points[0].text  # staff see the text as written
    await clusters.set_summary(s["cluster"], "建议规定牵引绳长度", None, "li")
    # a packet compiled before the worker ran named the point o<id>; its outcome shows on the cluster now
    await service.record_outcome("dog-rules", f"o{ids[3]}", "pending", actor="li")
    await service.record_outcome("dog-rules", f"o{ids[0]}", "adopted", actor="li")
    _, points, _ = await service.list_points("dog-rules")
    assert points[3].outcome["outcome"] == "pending" and points[3].covered == 1
    assert points[2].outcome["outcome"] == "adopted" and points[2].covered == 1 and points[2].count == 3
    assert points[2].text == points[2].summary == "建议规定牵引绳长度"
    assert points[1].outcome is None and points[1].covered == 0
    # pages, and the points still without an outcome
    _, page2, count = await service.list_points("dog-rules", page=2, page_size=3)
    assert [p.key for p in page2] == [expected[3][0]] and count == 4
    _, open_points, count = await service.list_points("dog-rules", undecided=True)
    assert [p.key for p in open_points] == [expected[0][0], expected[1][0]] and count == 2
    # a set-aside opinion leaves its cluster's count
    await Opinion.update({Opinion.status: "set_aside"}).where(Opinion.id == ids[1]).run()
    _, points, _ = await service.list_points("dog-rules")
    assert points[2].count == 2


async def test_year_figure_counts_adopted_opinions_received_that_year(database: str, tmp_path: Path) -> None:
    from liaison.dashboard.stats import year_bounds, year_overview

    s = await scenario(tmp_path)
    tz = ZoneInfo("Asia/Shanghai")
    year = datetime.now(UTC).astimezone(tz).year
    await service.record_outcome("dog-rules", f"c{s['cluster']}", "adopted", actor="li")
    await service.record_outcome("dog-rules", f"o{s['ids'][3]}", "not_adopted", actor="li")
    assert (await year_overview(year, tz)).adopted == 3
    assert (await year_overview(year - 1, tz)).adopted == 0
    start, end = year_bounds(year, tz)
    await Opinion.update({Opinion.created_at: start - timedelta(hours=1)}).where(Opinion.id == s["ids"][0]).run()
    assert await service.adopted_received_between(start, end) == 2
