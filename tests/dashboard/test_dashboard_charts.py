"""The SVG charts are pure: escaping, empty data, well-formed XML, accessibility."""

import xml.etree.ElementTree as ET
from datetime import date

from liaison.dashboard.charts import bar_chart, heat_strip, line_chart
from liaison.dashboard.stats import disagreement
from liaison.dashboard.web import csv_safe

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.get("viewBox") and root.get("width") == "100%"
    assert root.find(f"{SVG}title") is not None
    return root


def test_labels_are_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script>'
    for svg in (bar_chart([(evil, 3), ("东街联络室", 1)], evil),
                heat_strip([(evil, 2, 0.5)], evil, hrefs=['"><script>']),
                line_chart([(date(2026, 3, 1), 2)], evil)):
        assert "<script>" not in svg
        root = _parse(svg)
        assert root.find(f"{SVG}title").text == evil
        assert evil in root.get("aria-label")


def test_empty_data_says_so() -> None:
    for svg in (line_chart([], "每日"), bar_chart([], "按渠道"), heat_strip([], "条文")):
        root = _parse(svg)
        assert "暂无数据" in "".join(root.itertext())


def test_line_chart_values_and_dates() -> None:
    points = [(date(2026, 3, 1), 1), (date(2026, 3, 2), 0), (date(2026, 3, 3), 4)]
    root = _parse(line_chart(points, "每日收到的意见"))
    text = "".join(root.itertext())
    assert "3月1日" in text and "3月3日" in text and "4" in text
    assert "共 5 条" in root.get("aria-label")
    _parse(line_chart([(date(2026, 3, 1), 0)], "一天"))  # one day, all zero: no division by zero


def test_bar_chart_one_group_per_item_longest_bar_first_value() -> None:
    root = _parse(bar_chart([("网上征求意见", 10), ("座谈会", 5), ("走访", 0)], "按渠道"))
    groups = root.findall(f"{SVG}g")
    assert len(groups) == 3
    widths = [float(g.find(f"{SVG}rect").get("width")) for g in groups]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "网上征求意见 10" in root.get("aria-label")


def test_heat_strip_cells_links_and_disagreement_marks() -> None:
    cells = [(f"第{i}条", i, 0.5 if i == 3 else 0.0) for i in range(1, 31)]
    svg = heat_strip(cells, "各条文", per_row=25, hrefs=[f"#art-{i}" for i in range(1, 31)])
    root = _parse(svg)
    links = root.findall(f"{SVG}a")
    assert len(links) == 30 and links[0].get("href") == "#art-1"
    assert int(root.get("viewBox").split()[3]) > 24  # wrapped to a second row
    marked = [a for a in links if a.find(f"{SVG}polygon") is not None]
    assert [a.get("aria-label") for a in marked] == ["第3条：3 条意见，分歧 50%"]
    darkest = links[-1].find(f"{SVG}rect").get("fill")
    assert darkest == "#a4000f"


def test_disagreement_is_the_minority_share() -> None:
    assert disagreement(0, 0) == 0 and disagreement(5, 0) == 0
    assert disagreement(3, 1) == 0.25 and disagreement(2, 2) == 0.5


def test_csv_cells_cannot_be_formulas() -> None:
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_safe("@x") == "'@x" and csv_safe("-1+1") == "'-1+1"
    assert csv_safe(-3) == "-3" and csv_safe(None) == "—" and csv_safe("养犬条例") == "养犬条例"
