"""A realistic packet used by every packet test (3 articles, 6 points, hostile strings), and model tests.

Other test_packet_* modules import :func:`sample_packet` from here (pytest puts this folder on
sys.path, as tests/ has no __init__.py files).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from liaison.packets.model import (
    ArticleSection,
    Example,
    KeyQuestion,
    Packet,
    Point,
    Sections,
    Statistics,
    contributor_view,
    point_index,
)

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
PHONE = "13812341234"
MASKED_PHONE = "138****1234"
CST = timezone(timedelta(hours=8))


def sample_packet(personal_data: str = "masked") -> Packet:
    zhang = {"name": "张三丰", "phone": PHONE, "occupation": "教师", "region": "江宁区"}
    li = {"name": "李四", "phone": "13900001111", "occupation": "社区工作者", "region": "秦淮区"}
    general = (
        Point(
            id="p1", summary="建议加强立法宣传，条例出台后开展普法活动。",
            representative_text="希望条例通过后多搞宣传，让养犬人都知道规矩。",
            count=5, people=4, stance="amend", channels={"symposium": 2, "online": 3},
            offices={"东山街道联络室": 2, "秣陵街道联络室": 3}, activities=["东山街道养犬管理座谈会"],
            examples=(Example(text="希望条例通过后多搞宣传，让养犬人都知道规矩。", suggestion="增加普法宣传条款",
                              reason="很多人不了解规定", contributor=zhang, channel="symposium", office="东山街道联络室"),),
        ),
    )
    art3 = ArticleSection(
        number=3, label="第三条", chapter="第一章　总则",
        text="本市行政区域内的养犬管理工作适用本条例。",
        points=(
            Point(id="p2", summary=None, representative_text="建议明确本条例是否适用于警犬、导盲犬等工作犬。",
                  count=1, people=1, stance="question", channels={"online": 1}, offices={},
                  examples=(Example(text="建议明确本条例是否适用于警犬、导盲犬等工作犬。", channel="online"),)),
        ),
    )
    art12 = ArticleSection(
        number=12, label="第十二条", chapter="第二章　养犬管理",
        text="携犬出户时，应当为犬只佩戴犬牌，并使用牵引绳牵领。牵引绳长度不得超过二米。",
        points=(
            Point(id="p3", summary="建议将牵引绳长度上限由二米缩短为一点五米。",
                  representative_text="二米太长了，小区里根本控制不住，建议改成1.5米。",
                  count=12, people=11, stance="amend", channels={"online": 8, "symposium": 4},
                  offices={"东山街道联络室": 4, "秣陵街道联络室": 8},
                  activities=["东山街道养犬管理座谈会", "秣陵街道入户走访"],
                  examples=(
                      Example(text="二米太长了，小区里根本控制不住，建议改成1.5米。", suggestion="修改为“不得超过一点五米”",
                              reason="便于控制犬只", contributor=zhang, channel="online", office="秣陵街道联络室"),
                      Example(text=XSS, suggestion=None, reason=None, contributor=li, channel="online",
                              office="秣陵街道联络室"),
                      Example(text=FORMULA, suggestion="-删除本条", reason="+理由", contributor=None,
                              channel="symposium", office="东山街道联络室"),
                  )),
            Point(id="p4", summary="建议保留二米的规定，不宜再缩短。", representative_text="二米合适，大型犬需要活动空间。",
                  count=3, people=3, stance="oppose", channels={"online": 3}, offices={"秣陵街道联络室": 3},
                  examples=(Example(text="二米合适，大型犬需要活动空间。", channel="online"),)),
        ),
    )
    art20 = ArticleSection(
        number=20, label="第二十条", chapter="第三章　法律责任",
        text="违反本条例第十二条规定的，由公安机关责令改正，可以处二百元以下罚款。",
        points=(
            Point(id="p5", summary="建议提高罚款数额。", representative_text="二百元太少，起不到震慑作用。",
                  count=4, people=4, stance="amend", channels={"visit": 4}, offices={"东山街道联络室": 4},
                  activities=["东山街道入户走访"],
                  examples=(Example(text="二百元太少，起不到震慑作用。", suggestion="@提高至五百元以上",
                                    reason="震慑不足", contributor={"name": "王五"}, channel="visit"),)),
            Point(id="p6", summary="赞成本条规定。", representative_text="支持，早该管了。", count=2, people=2,
                  stance="support", channels={"online": 2}, offices={}, examples=()),
        ),
    )
    return Packet(
        version=2,
        station={"name": "江宁区人大常委会基层立法联系点", "id": "jn-001"},
        draft={"slug": "dog-2026", "title": "某市养犬管理条例（草案）", "issuer": "市人大常委会法制工作委员会",
               "round": "征求意见稿", "version": "2026-03"},
        compiled_at=datetime(2026, 4, 1, 9, 30, tzinfo=CST),
        compiled_by="staff:liu",
        personal_data=personal_data,  # type: ignore[arg-type]
        sections=Sections(general=general, articles=(art3, art12, art20)),
        key_questions=(
            KeyQuestion(question="牵引绳长度如何规定较为合适？", points=("p3", "p4")),
            KeyQuestion(question="是否应当设定犬只禁养区？", points=()),
        ),
        statistics=Statistics(
            collected=40, kept=25, unscreened=2, set_aside=13, merged=19,
            by_channel={"online": 17, "symposium": 6, "visit": 4},
            by_office={"东山街道联络室": 10, "秣陵街道联络室": 14, "（无）": 3},
            by_article={"总体意见": 5, "第三条": 1, "第十二条": 15, "第二十条": 6},
        ),
    )


def sample_opinions() -> list[dict]:
    return [
        {"article": "第十二条", "text": "二米太长了，建议改成1.5米。", "suggestion": "修改为一点五米", "reason": "便于控制",
         "channel": "online", "office": "秣陵街道联络室", "activity": "", "status": "kept", "point_id": "p3",
         "contributor": {"name": "张三丰", "phone": PHONE, "occupation": "教师"}},
        {"article": "第十二条", "text": FORMULA, "suggestion": "+1", "reason": "-2", "channel": "symposium",
         "office": "东山街道联络室", "activity": "东山街道养犬管理座谈会", "status": "unscreened", "point_id": "p3",
         "contributor": None},
        {"article": None, "text": "@SUM(A1:A2)", "suggestion": None, "reason": None, "channel": "online",
         "office": None, "activity": None, "status": "kept", "point_id": "p1", "contributor": "李四"},
        {"article": "第二十条", "text": "广告：办证13800000000", "status": "set_aside", "channel": "online",
         "contributor": {"name": "赵六", "phone": "13800000000"}},
    ]


def test_round_trip_through_dict() -> None:
    packet = sample_packet()
    again = Packet.from_dict(packet.to_dict())
    assert again == packet
    assert again.to_dict() == packet.to_dict()
    assert again.compiled_at == packet.compiled_at
    assert [p.id for p in again.points()] == ["p1", "p2", "p3", "p4", "p5", "p6"]


def test_masked_packet_masks_contributors_on_the_way_out() -> None:
    data = sample_packet("masked").to_dict()
    example = data["sections"]["articles"][1]["points"][0]["examples"][0]
    assert example["contributor"] == {"name": "张**", "phone": MASKED_PHONE, "occupation": "教师", "region": "江宁区"}
    assert PHONE not in repr(data)
    full = sample_packet("full").to_dict()
    assert full["sections"]["articles"][1]["points"][0]["examples"][0]["contributor"]["phone"] == PHONE


def test_contributor_view_is_idempotent() -> None:
    once = contributor_view({"name": "张三", "phone": PHONE, "region": ""}, "masked")
    assert once == {"name": "张*", "phone": MASKED_PHONE}
    assert contributor_view(once, "masked") == once
    assert contributor_view({}, "masked") is None


def test_point_text_prefers_summary_and_index() -> None:
    packet = sample_packet()
    points = {p.id: p for p in packet.points()}
    assert points["p2"].text == points["p2"].representative_text
    assert points["p3"].text.startswith("建议将牵引绳")
    assert point_index(packet)["p4"] == ("第十二条", 2)
    assert point_index(packet)["p1"] == ("总体意见", 1)


def test_model_rejects_inconsistent_content() -> None:
    packet = sample_packet()
    with pytest.raises(ValueError, match="examples"):
        Point(id="x", summary=None, representative_text="t", count=5, people=5,
              examples=tuple(Example(text=str(i)) for i in range(4)))
    with pytest.raises(ValueError, match="people"):
        Point(id="x", summary=None, representative_text="t", count=1, people=2)
    with pytest.raises(ValueError, match="unknown points"):
        replace(packet, key_questions=(KeyQuestion(question="q", points=("nope",)),))
    with pytest.raises(ValueError, match="collected"):
        replace(packet.statistics, collected=1)
    with pytest.raises(ValueError, match="timezone"):
        replace(packet, compiled_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="unique"):
        dup = replace(packet.sections, general=packet.sections.general * 2)
        replace(packet, sections=dup)
