"""packet.docx: the packet as an official-style report (after GB/T 9704-2012, 党政机关公文格式).

Layout (documented in docs/packet-format.md):

- A4 (210 × 297 mm); margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (the 版心 of
  GB/T 9704: 156 × 225 mm); footer 7 mm below the text block with the page number "— 1 —" as a
  PAGE field, 4号 (14 pt) 宋体, centred (GB/T 9704 puts odd pages right and even pages left;
  centred reads the same on screen and in print and needs no odd/even footers).
- Title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312, fixed 28.95 pt lines
  (22 lines a page), first line indented two characters.
- Headings: 一、 in 黑体, （一） in 楷体_GB2312, 1. in 仿宋_GB2312 bold — all 3号.

python-docx has no East-Asian font setting, so ``w:eastAsia`` is written on ``w:rFonts`` in the
document defaults, in every style used and on every run, and theme-font attributes are removed
(they would win over the named fonts). 方正小标宋简体, 仿宋_GB2312, 楷体_GB2312 and 黑体 are not
free fonts: Word/WPS users in government offices have them. For everyone else the font table
names the GB2312 charset and an ``altName`` (宋体, 仿宋, 楷体, SimHei), which Word and WPS use to
substitute; LibreOffice falls back to its CJK serif (e.g. Noto Serif CJK) by language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from copy import deepcopy
from functools import lru_cache
from weakref import WeakKeyDictionary
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from liaison.packets.model import STANCE_LABELS, Example, Packet, Point, channel_label, contributor_view, point_index

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

__all__ = [
    "BODY_FONT",
    "FONT_ALT_NAMES",
    "HEADING1_FONT",
    "HEADING2_FONT",
    "LATIN_FONT",
    "MARGINS_MM",
    "TITLE_FONT",
    "packet_to_docx",
]

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
#: Substitutes named in the font table for readers without the official fonts.
FONT_ALT_NAMES = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋",
    HEADING2_FONT: "楷体",
    HEADING1_FONT: "SimHei",
    PAGE_NUMBER_FONT: "SimSun",
}
#: GB/T 9704: top 37 mm, bottom 35 mm, left (binding side) 28 mm, right 26 mm.
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_SMALL = Pt(14)  # 4号 (page numbers, tables)
LINE_BODY = Pt(28.95)  # 22 lines in the 225 mm text block
LINE_TITLE = Pt(36)
LINE_TABLE = Pt(22)

CN_DIGITS = "零一二三四五六七八九"
EXAMPLE_MARKS = "①②③④⑤⑥⑦⑧⑨⑩"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (for heading numbers)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = CN_DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + CN_DIGITS[rest]
        return head + (CN_DIGITS[rest // 10] + "十" + (CN_DIGITS[rest % 10] if rest % 10 else ""))
    return str(n)


# --- fonts -----------------------------------------------------------------------------------


def _set_rfonts(rpr: object, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts on an ``w:rPr``: Latin for ascii/hAnsi/cs, ``east_asia`` for w:eastAsia; drop theme fonts."""
    rfonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]  # keeps CT_RPr child order (after rStyle)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_lang(rpr: object) -> None:
    lang = rpr.find(qn("w:lang"))  # type: ignore[attr-defined]
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # type: ignore[attr-defined]
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style_font(style: object, east_asia: str, size: Pt, *, bold: bool = False) -> None:
    style.font.size = size  # type: ignore[attr-defined]
    style.font.bold = bold  # type: ignore[attr-defined]
    style.font.italic = False  # type: ignore[attr-defined]
    style.font.color.rgb = None  # type: ignore[attr-defined]
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    _set_rfonts(rpr, east_asia)
    color = rpr.find(qn("w:color"))
    if color is not None:
        rpr.remove(color)


@lru_cache(maxsize=64)
def _run_template(east_asia: str, size: int, bold: bool) -> BaseOxmlElement:
    """An empty ``w:r`` with its formatting, built once per (font, size, bold) and copied for each run.

    Setting size, bold and fonts through python-docx on every run cost about a tenth of a large
    packet's export; a copy of the finished element is the same XML.
    """
    run = Run(OxmlElement("w:r"), None)  # type: ignore[arg-type]
    run.font.size = Pt(size / 12700)  # EMU → pt, exact for the sizes used here
    run.font.bold = bold
    run.font.name = LATIN_FONT
    _set_rfonts(run._element.get_or_add_rPr(), east_asia)
    return run._element


def _run(paragraph: Paragraph, text: str, east_asia: str = BODY_FONT, size: Pt = SIZE_BODY, *,
         bold: bool = False) -> Run:
    element = deepcopy(_run_template(east_asia, int(size), bold))
    paragraph._p.append(element)
    run = Run(element, paragraph)  # type: ignore[arg-type]
    if text:
        run.text = text
    return run


def _add_font_table_entries(doc: DocumentObject) -> None:
    """Declare the official fonts in word/fontTable.xml with GB2312 charset and a substitute."""
    font_part = None
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            font_part = rel.target_part
            break
    if font_part is None:  # the default template has one; nothing to do otherwise
        return
    from lxml import etree

    root = etree.fromstring(font_part.blob)
    existing = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in FONT_ALT_NAMES.items():
        if name in existing:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, val in (("w:altName", alt), ("w:charset", "86"),
                         ("w:family", "modern" if name == HEADING1_FONT else "roman"), ("w:pitch", "variable")):
            el = etree.SubElement(font, qn(tag))
            el.set(qn("w:val"), val)
    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- page setup ------------------------------------------------------------------------------


def _page_setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # the page number line sits about 7 mm below the text block (35 mm margin)
    _page_number_footer(section.footer.paragraphs[0])


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A complex field (w:fldChar begin/instrText/separate/result/end) — Word, WPS and LibreOffice update it."""

    def fld(kind: str) -> Run:
        run = _run(paragraph, "", PAGE_NUMBER_FONT, SIZE_SMALL)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._element.append(el)
        return run

    fld("begin")
    run = _run(paragraph, "", PAGE_NUMBER_FONT, SIZE_SMALL)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._element.append(instr)
    fld("separate")
    _run(paragraph, placeholder, PAGE_NUMBER_FONT, SIZE_SMALL)
    fld("end")


def _page_number_footer(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", PAGE_NUMBER_FONT, SIZE_SMALL)
    _field(paragraph, "PAGE")
    _run(paragraph, " —", PAGE_NUMBER_FONT, SIZE_SMALL)


def _styles(doc: DocumentObject) -> None:
    styles = doc.styles
    # Document defaults: every run without its own fonts is still Chinese-aware.
    rpr_default = styles.element.find(qn("w:docDefaults"))
    if rpr_default is not None:
        rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_rfonts(rpr, BODY_FONT)
            _set_lang(rpr)

    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, SIZE_BODY)
    _set_lang(normal.element.get_or_add_rPr())
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE_BODY
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = True

    title = styles["Title"]
    _style_font(title, TITLE_FONT, SIZE_TITLE)
    tpf = title.paragraph_format
    tpf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tpf.line_spacing = LINE_TITLE
    tpf.space_before = Pt(0)
    tpf.space_after = Pt(0)
    tpf.first_line_indent = Pt(0)
    # The built-in Title has a bottom border in some templates: drop paragraph borders.
    ppr = title.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)

    for name, font, bold in (("Heading 1", HEADING1_FONT, False), ("Heading 2", HEADING2_FONT, False),
                             ("Heading 3", BODY_FONT, True)):
        style = styles[name]
        _style_font(style, font, SIZE_BODY, bold=bold)
        hpf = style.paragraph_format
        hpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        hpf.line_spacing = LINE_BODY
        hpf.space_before = Pt(0)
        hpf.space_after = Pt(0)
        hpf.first_line_indent = Pt(32)
        hpf.keep_with_next = True

    quote = styles["Quote"] if "Quote" in [s.name for s in styles] else styles.add_style("Quote", 1)
    _style_font(quote, HEADING2_FONT, SIZE_BODY)
    qpf = quote.paragraph_format
    qpf.left_indent = Pt(32)
    qpf.right_indent = Pt(32)
    qpf.first_line_indent = Pt(0)
    qpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    qpf.line_spacing = LINE_BODY
    qpf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    qpf.space_before = Pt(0)
    qpf.space_after = Pt(0)
    qrpr = quote.element.get_or_add_rPr()
    for tag in ("w:i", "w:iCs"):
        el = qrpr.find(qn(tag))
        if el is not None:
            qrpr.remove(el)

    for name in ("Table Grid",):
        if name in [s.name for s in styles]:
            _style_font(styles[name], BODY_FONT, SIZE_SMALL)


# --- content ---------------------------------------------------------------------------------


def _add_paragraph(doc: DocumentObject, style: str, *, indent: bool | None = None) -> Paragraph:
    """``doc.add_paragraph(style=style)`` (and, for body text, its indent and justification) in constant time.

    python-docx looks the style up by name (an XPath over every style) and finds the body's
    closing ``w:sectPr`` by scanning all the body's children on every call, which made a packet of
    2,000 points take minutes. Here each kind of paragraph is built once per document through
    python-docx and copied; the copy goes just before the body's last child (the ``w:sectPr``).
    The XML is the same as the plain calls give.
    """
    templates = _TEMPLATES.setdefault(doc.part, {})
    template = templates.get((style, indent))
    if template is None:
        template = OxmlElement("w:p")
        template.style = doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[attr-defined]
        if indent is not None:
            fmt = Paragraph(template, None).paragraph_format  # type: ignore[arg-type]
            fmt.first_line_indent = Pt(32) if indent else Pt(0)
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        templates[(style, indent)] = template
    p = deepcopy(template)
    body = doc.element.body
    last = body[-1]  # lxml finds it from the end (len(body) would walk every child)
    if last.tag == qn("w:sectPr"):
        last.addprevious(p)
    else:
        body.append(p)
    return Paragraph(p, doc._body)  # type: ignore[arg-type]


#: Paragraph templates by (style, body indent), per document being written (forgotten with it).
_TEMPLATES: WeakKeyDictionary[object, dict[tuple[str, bool | None], BaseOxmlElement]] = WeakKeyDictionary()


def _body(doc: DocumentObject, text: str = "", *, indent: bool = True) -> Paragraph:
    p = _add_paragraph(doc, "Normal", indent=indent)
    if text:
        _run(p, text)
    return p


def _heading(doc: DocumentObject, text: str, level: int) -> Paragraph:
    font = {1: HEADING1_FONT, 2: HEADING2_FONT, 3: BODY_FONT}[level]
    p = _add_paragraph(doc, f"Heading {level}")
    _run(p, text, font, SIZE_BODY, bold=level == 3)
    return p


def _counts_text(counts: Mapping[str, int], label: object = str) -> str:
    return "、".join(f"{label(k)}{v}" for k, v in counts.items())  # type: ignore[operator]


def _point_meta(point: Point) -> str:
    parts = [f"{point.count}人次"]
    if point.people != point.count:
        parts.append(f"{point.people}人")
    if point.channels:
        parts.append("来源：" + _counts_text(point.channels, channel_label))
    return "（" + "，".join(parts) + "）"


def _example_line(mark: str, example: Example, personal_data: str) -> str:
    text = f"{mark}“{example.text.strip()}”"
    if example.suggestion:
        text += f"建议：{example.suggestion.strip()}"
        if not text.endswith(("。", "！", "？", "；")):
            text += "。"
    if example.reason:
        text += f"理由：{example.reason.strip()}"
        if not text.endswith(("。", "！", "？", "；")):
            text += "。"
    who = []
    person = contributor_view(example.contributor, personal_data)
    if person:
        who.extend(person[k] for k in ("name", "occupation", "region", "phone") if k in person)
    if example.channel:
        who.append(channel_label(example.channel))
    if example.office:
        who.append(example.office)
    if who:
        text += "（" + "，".join(who) + "）"
    return text


def _points(doc: DocumentObject, points: Iterable[Point], personal_data: str) -> None:
    for n, point in enumerate(points, 1):
        p = _body(doc)
        _run(p, f"{n}.", bold=True)
        _run(p, point.text.strip())
        _run(p, _point_meta(point))
        details = []
        if point.stance:
            details.append("意见倾向：" + STANCE_LABELS.get(point.stance, point.stance))
        if point.offices:
            details.append("提出单位：" + _counts_text(point.offices))
        if point.activities:
            details.append("征询活动：" + "、".join(point.activities))
        if details:
            _body(doc, "；".join(details) + "。")
        if point.summary and point.summary.strip() and point.representative_text.strip() != point.summary.strip():
            if not point.examples:
                _body(doc, f"代表性意见：“{point.representative_text.strip()}”")
        if point.examples:
            _body(doc, "原文摘录：")
            for i, example in enumerate(point.examples):
                _body(doc, _example_line(EXAMPLE_MARKS[i], example, personal_data))


def _table(doc: DocumentObject, header: tuple[str, str], rows: Iterable[tuple[str, int | str]]) -> None:
    rows = list(rows)
    table = doc.add_table(rows=1 + len(rows), cols=2)
    if "Table Grid" in [s.name for s in doc.styles]:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # table.rows / row.cells, not table.cell(r, c): that one rebuilds the list of every cell per call.
    for r, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            par = cell.paragraphs[0]
            par.paragraph_format.first_line_indent = Pt(0)
            par.paragraph_format.line_spacing = LINE_TABLE
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER if (r == 0 or c == 1) else WD_ALIGN_PARAGRAPH.LEFT
            _run(par, str(value), HEADING1_FONT if r == 0 else BODY_FONT, SIZE_SMALL)


def _caption(doc: DocumentObject, text: str) -> None:
    p = _add_paragraph(doc, "Normal")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.space_before = Pt(6)
    _run(p, text, HEADING1_FONT, SIZE_SMALL)


def _date_cn(packet: Packet) -> str:
    d = packet.compiled_at
    return f"{d.year}年{d.month}月{d.day}日"


def title_text(packet: Packet) -> str:
    title = str(packet.draft.get("title") or packet.draft.get("slug") or "").strip()
    if not title.startswith("《"):
        title = f"《{title}》"
    return f"关于{title}征求意见情况的报告"


def packet_to_docx(packet: Packet) -> bytes:
    """The packet as a .docx document (bytes)."""
    doc = Document()
    _styles(doc)
    _page_setup(doc)
    _add_font_table_entries(doc)
    doc.core_properties.title = title_text(packet)
    doc.core_properties.author = str(packet.station.get("name") or "")
    doc.core_properties.language = "zh-CN"
    doc.core_properties.created = packet.compiled_at
    doc.core_properties.revision = packet.version

    title = _add_paragraph(doc, "Title")
    _run(title, title_text(packet), TITLE_FONT, SIZE_TITLE)
    sub = _add_paragraph(doc, "Normal")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.paragraph_format.first_line_indent = Pt(0)
    parts = [str(packet.station.get("name") or ""), str(packet.draft.get("round") or ""),
             f"第{packet.version}版", _date_cn(packet)]
    _run(sub, "（" + "　".join(x for x in parts if x) + "）", HEADING2_FONT)
    _body(doc, "", indent=False)

    stats = packet.statistics
    n_points = len(packet.points())
    issuer = f"{packet.draft['issuer']}" if packet.draft.get("issuer") else "上级"
    intro = (f"根据{issuer}关于征求意见的工作安排，{packet.station.get('name', '本站')}组织开展了征求意见工作。"
             f"共收集意见建议{stats.collected}条，纳入汇总{stats.included}条")
    if stats.unscreened:
        intro += f"（其中尚未筛查{stats.unscreened}条）"
    intro += f"，未纳入汇总{stats.set_aside}条；相同或相近意见归并{stats.merged}条，整理形成意见{n_points}项。现将有关情况报告如下："
    _body(doc, intro)
    if packet.personal_data == "masked":
        _body(doc, "（提出人个人信息已作脱敏处理。）")

    _heading(doc, "一、总体意见", 1)
    if packet.sections.general:
        _points(doc, packet.sections.general, packet.personal_data)
    else:
        _body(doc, "无。")

    _heading(doc, "二、分条意见", 1)
    if not packet.sections.articles:
        _body(doc, "无。")
    for i, article in enumerate(packet.sections.articles, 1):
        heading = f"（{cn_number(i)}）{article.label}"
        if article.chapter:
            heading += f"（{article.chapter}）"
        _heading(doc, heading, 2)
        quote = _add_paragraph(doc, "Quote")
        _run(quote, "草案原文：", HEADING2_FONT, bold=True)
        _run(quote, article.text.strip(), HEADING2_FONT)
        _points(doc, article.points, packet.personal_data)

    _heading(doc, "三、重点问题", 1)
    if not packet.key_questions:
        _body(doc, "本草案未列重点问题。")
    where = point_index(packet)
    by_id = {p.id: p for p in packet.points()}
    for i, kq in enumerate(packet.key_questions, 1):
        _heading(doc, f"（{cn_number(i)}）{kq.question.strip()}", 2)
        if not kq.points:
            _body(doc, "暂未收到针对该问题的意见。")
        for n, pid in enumerate(kq.points, 1):
            point = by_id[pid]
            section, number = where[pid]
            p = _body(doc)
            _run(p, f"{n}.", bold=True)
            _run(p, point.text.strip() + _point_meta(point))
            _run(p, f"（详见{section}意见{number}）")

    _heading(doc, "四、统计情况", 1)
    _body(doc, f"本次共收集意见建议{stats.collected}条，具体情况见下表。")
    _caption(doc, "表1　意见收集情况")
    _table(doc, ("项目", "条数"), [
        ("收集意见", stats.collected), ("纳入汇总", stats.kept), ("尚未筛查（已纳入）", stats.unscreened),
        ("未纳入汇总", stats.set_aside), ("归并意见", stats.merged), ("形成意见（项）", n_points),
    ])
    n_table = 2
    for label, counts, fmt in (("按来源渠道", stats.by_channel, channel_label), ("按联络室", stats.by_office, str),
                               ("按条款", stats.by_article, str)):
        if not counts:
            continue
        _caption(doc, f"表{n_table}　{label}统计")
        _table(doc, (label.removeprefix("按"), "条数"), [(fmt(k), v) for k, v in counts.items()])
        n_table += 1

    _body(doc, "", indent=False)
    sign = _add_paragraph(doc, "Normal")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.paragraph_format.right_indent = Pt(64)
    _run(sign, str(packet.station.get("name", "")))
    date = _add_paragraph(doc, "Normal")
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date.paragraph_format.right_indent = Pt(64)
    _run(date, _date_cn(packet))

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
