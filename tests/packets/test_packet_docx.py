"""packet.docx: GB/T 9704-style page, East-Asian fonts on every run, headings, PAGE field, PDF conversion."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from test_packet_sample import MASKED_PHONE, PHONE, XSS, sample_packet

from liaison.packets.export_docx import BODY_FONT, TITLE_FONT, cn_number, packet_to_docx, title_text


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return packet_to_docx(sample_packet())


@pytest.fixture(scope="module")
def document(docx_bytes: bytes):  # type: ignore[no-untyped-def]
    return Document(io.BytesIO(docx_bytes))


def _texts(document) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in document.paragraphs]


def test_a4_and_gbt9704_margins(document) -> None:  # type: ignore[no-untyped-def]
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    for name, mm in (("top_margin", 37), ("bottom_margin", 35), ("left_margin", 28), ("right_margin", 26)):
        assert abs(getattr(section, name) - Mm(mm)) < Mm(0.1), name


def test_every_run_names_an_east_asian_font(document) -> None:  # type: ignore[no-untyped-def]
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    runs += [r for p in document.sections[0].footer.paragraphs for r in p.runs]
    assert len(runs) > 50
    for run in runs:
        rfonts = run._element.rPr.find(qn("w:rFonts"))
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.text
    title_run = document.paragraphs[0].runs[0]
    assert title_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == TITLE_FONT
    assert title_run.font.size.pt == 22
    normal = document.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == BODY_FONT
    assert normal.font.size.pt == 16
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        rfonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) and rfonts.get(qn("w:eastAsiaTheme")) is None, name


def test_title_headings_and_content(document) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(document)
    assert texts[0] == title_text(sample_packet()) == "关于《某市养犬管理条例（草案）》征求意见情况的报告"
    for heading in ("一、总体意见", "二、分条意见", "三、重点问题", "四、统计情况"):
        assert heading in texts
    assert "（二）第十二条（第二章　养犬管理）" in texts
    assert "（一）牵引绳长度如何规定较为合适？" in texts
    body = "\n".join(texts)
    assert "草案原文：携犬出户时" in body
    assert "（12人次，11人，来源：网上征求意见8、座谈会4）" in body
    assert "暂未收到针对该问题的意见。" in body
    assert XSS in body  # plain text in a document, not markup
    assert MASKED_PHONE in body and PHONE not in body
    heading_styles = {p.text: p.style.name for p in document.paragraphs}
    assert heading_styles["一、总体意见"] == "Heading 1"
    assert heading_styles["（二）第十二条（第二章　养犬管理）"] == "Heading 2"
    assert document.tables, "statistics table"
    assert document.tables[0].cell(1, 1).text == "40"


def test_footer_has_page_field(docx_bytes: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer")]
        fonts = z.read("word/fontTable.xml").decode("utf-8")
    assert any("PAGE" in f and 'w:fldCharType="begin"' in f for f in footers)
    assert TITLE_FONT in fonts and 'w:altName w:val="仿宋"' in fonts


def test_full_personal_data_shows_phone() -> None:
    doc = Document(io.BytesIO(packet_to_docx(sample_packet("full"))))
    assert PHONE in "\n".join(_texts(doc))


def test_cn_number() -> None:
    assert [cn_number(n) for n in (1, 10, 12, 20, 21, 100, 105, 110)] == [
        "一", "十", "十二", "二十", "二十一", "一百", "一百零五", "一百一十"]


def test_converts_to_pdf_with_libreoffice(docx_bytes: bytes, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice (soffice/libreoffice) is not installed; DOCX→PDF conversion not checked")
    source = tmp_path / "packet.docx"
    source.write_bytes(docx_bytes)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    pdf = tmp_path / "packet.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
