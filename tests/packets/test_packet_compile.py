import io
import subprocess
from pathlib import Path

import pytest
from conftest import LIAISON, ROOT, csrf, login, published_draft

from liaison.clusters import service as clusters
from liaison.opinions.service import screen_opinions, submit_opinion
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import ContributorInput, OpinionInput
from liaison.packets.compile import compile_packet, get_packet, list_packets
from liaison.packets.export_json import packet_to_json, validate

pytestmark = pytest.mark.db

CAMPAIGN = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。"


async def _opinions() -> None:
    for i, tail in enumerate(["", "谢谢！", "望采纳。"]):
        await submit_opinion("dog-rules", OpinionInput(
            text=CAMPAIGN + tail, article=3,
            contributor=ContributorInput(name="张三丰", phone=f"1380013800{i}", consent=True)), client_key=f"k{i}")
    await submit_opinion("dog-rules", OpinionInput(text="牵引绳长度不得超过2米比较合理。", article=3), client_key="x")
    await submit_opinion("dog-rules", OpinionInput(text="总体支持出台本条例。"), client_key="y")
    spam = await submit_opinion("dog-rules", OpinionInput(text="广告广告，加微信", article=1), client_key="z")
    from conftest import service_user

    officer = await service_user("screen_off", "officer")
    await screen_opinions([spam.id], "set_aside", officer, reason="spam")


async def test_compile_groups_by_cluster_and_article_counts_and_masks(database: str, tmp_path: Path) -> None:
    await published_draft()
    await _opinions()
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    packet = await compile_packet("dog-rules", None, station_name="测试联络站")
    assert packet.version == 1
    validate(packet_to_json(packet))
    stats = packet.statistics
    assert (stats.collected, stats.kept, stats.unscreened, stats.set_aside, stats.merged) == (6, 0, 5, 1, 2)
    assert [p.representative_text for p in packet.sections.general] == ["总体支持出台本条例。"]
    [article] = packet.sections.articles
    assert article.number == 3 and article.label == "第三条" and "牵引绳" in article.text
    counts = [(p.count, p.people) for p in article.points]
    assert counts == [(3, 3), (1, 1)]  # the campaign merged; the 2 m proposal kept apart
    examples = article.points[0].examples
    assert len(examples) == 3 and examples[0].contributor["phone"] == "138****8000"
    assert "13800138000" not in packet_to_json(packet).decode()
    assert "广告" not in packet_to_json(packet).decode()  # set aside: counted, not listed
    assert packet.key_questions[0].question == "牵引绳长度应当规定为多少？"
    assert packet.key_questions[0].points  # the leash points answer it
    again = await compile_packet("dog-rules", None)
    assert again.version == 2
    assert [v["number"] for v in await list_packets("dog-rules")] == [2, 1]
    assert (await get_packet("dog-rules", 1)).version == 1  # earlier versions stay readable


async def test_unclustered_opinions_still_appear(database: str) -> None:
    await published_draft()
    await _opinions()  # no analysis round yet
    packet = await compile_packet("dog-rules", None)
    assert sum(p.count for p in packet.points()) == 5


async def test_officer_compiles_views_and_downloads(client, tmp_path: Path) -> None:
    await published_draft()
    await _opinions()
    await login(client, "packet_officer", "officer")
    made = await client.post("/staff/drafts/dog-rules/packets", data={"personal_data": "masked", "_csrf_token": csrf(client)},
                             follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/staff/drafts/dog-rules/packets/1")
    view = await client.get("/staff/drafts/dog-rules/packets/1")
    assert view.status_code == 200 and "二、分条意见" in view.text and "138****8000" in view.text
    docx = await client.get("/staff/drafts/dog-rules/packets/1/packet.docx")
    assert docx.status_code == 200
    import docx as python_docx
    import openpyxl

    document = python_docx.Document(io.BytesIO(docx.content))
    assert any("征求意见情况的报告" in p.text for p in document.paragraphs)
    assert any("二、分条意见" in p.text for p in document.paragraphs)
    xlsx = await client.get("/staff/drafts/dog-rules/packets/1/packet.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["全部意见"].iter_rows(values_only=True))
    assert len(rows) == 1 + 5  # header + the five opinions not set aside
    assert (await client.get("/staff/drafts/dog-rules/packets/1/packet.exe")).status_code == 422
    assert (await client.get("/staff/drafts/dog-rules/packets/9")).status_code == 404
    client.cookies.clear()
    await login(client, "packet_vol", "volunteer")
    assert (await client.get("/staff/drafts/dog-rules/packets/1/packet.docx")).status_code == 403


async def test_cli_compile_writes_the_three_files(cli_env: dict[str, str], tmp_path: Path) -> None:
    await published_draft()
    await _opinions()
    out = tmp_path / "out"
    done = subprocess.run([*LIAISON, "packets", "compile", "--draft", "dog-rules", "--out", str(out)], env=cli_env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["packet.docx", "packet.json", "packet.xlsx"]
    validate((out / "packet.json").read_bytes())
    assert await Opinion.count().run() == 6


async def test_rows_handed_over_by_compile_equal_those_read_again(database: str, tmp_path: Path) -> None:
    """The CLI exports with the rows compile read; a download reads them again: both must agree."""
    from liaison.packets.compile import compile_packet_with_rows, opinion_rows

    await published_draft()
    await _opinions()
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    packet, rows = await compile_packet_with_rows("dog-rules", None, station_name="测试联络站")
    assert rows and rows == await opinion_rows("dog-rules", await get_packet("dog-rules", packet.version))
    assert all("广告" not in r["text"] for r in rows)  # set aside: not in the sheet
