"""HTML rendering of articles and notes: structure, inline Markdown, and no injection."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from liaison.drafts.parser import Article, Block, parse_draft
from liaison.drafts.render import render_article_html, render_markdown

FM = "---\ntitle: 测试\nslug: t\n---\n"


def article(*lines: str) -> Article:
    return parse_draft(FM + "第一条　" + "\n".join(lines) + "\n").articles[0]


def make(*blocks: tuple[str, str]) -> Article:
    return Article(
        number=1, label="第一条", chapter=None, section=None,
        blocks=tuple(Block(k, t) for k, t in blocks), line=1,  # type: ignore[arg-type]
    )


def test_paragraphs_and_items() -> None:
    html = render_article_html(article("有下列行为之一的：", "(1)甲；", "（二）乙。", "前款规定。"))
    assert html == (
        "<p>有下列行为之一的：</p>\n"
        '<p class="item">（一）甲；</p>\n'
        '<p class="item">（二）乙。</p>\n'
        "<p>前款规定。</p>"
    )


def test_with_label() -> None:
    html = render_article_html(article("甲。", "乙。"), with_label=True)
    assert html == '<p><span class="article-label">第一条</span>\u3000甲。</p>\n<p>乙。</p>'


def test_empty_article() -> None:
    empty = make()
    assert render_article_html(empty) == ""
    assert render_article_html(empty, with_label=True) == '<p><span class="article-label">第一条</span></p>'


def test_inline_markdown() -> None:
    html = render_article_html(article("**重点**内容，*强调*，见[说明](https://example.org/a?b=1&c=2)。"))
    assert "<strong>重点</strong>" in html
    assert "<em>强调</em>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">说明</a>' in html


def test_inline_only_no_block_markdown_inside_articles() -> None:
    html = render_article_html(make(("paragraph", "# 不是标题"), ("paragraph", "1. 不是列表")))
    assert "<h1>" not in html and "<ol>" not in html
    assert html == "<p># 不是标题</p>\n<p>1. 不是列表</p>"


def test_plain_text_escaping_on_the_fast_path() -> None:
    html = render_article_html(make(("paragraph", 'A & B "C" <D>'), ("paragraph", "罚款五十元以上二百元以下。")))
    assert html == "<p>A &amp; B &quot;C&quot; &lt;D&gt;</p>\n<p>罚款五十元以上二百元以下。</p>"


PAYLOADS = [
    "<script>alert(1)</script>",
    "前文<script>alert(1)</script>后文",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">点我</a>",
    "[点我](javascript:alert(1))",
    "[点我](JavaScript:alert(1))",
    "[点我](  javascript:alert(1))",
    "[点我](vbscript:msgbox(1))",
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[点我](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "![x](https://evil.example/pixel.png)",
    "![x](javascript:alert(1))",
    "**<script>alert(1)</script>**",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
]

_ALLOWED_TAGS = {"p", "strong", "em", "a", "span", "code", "s", "ul", "ol", "li", "blockquote", "h1", "h2", "br"}


class _Collector(HTMLParser):
    """What a browser would see: the tags and attributes actually present."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag in _ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in {"href", "title", "rel", "class"}, html
            if name == "href":
                assert value is not None and (value.startswith(("https://", "http://", "#"))), html
    assert "<script" not in html.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_article_text_payloads_are_neutralised(payload: str) -> None:
    for kind in ("paragraph", "item"):
        assert_safe(render_article_html(make((kind, payload))))
    assert_safe(render_article_html(article(payload, "（一）" + payload)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payloads_are_neutralised(payload: str) -> None:
    assert_safe(render_markdown(payload))
    assert_safe(render_markdown("- " + payload + "\n\n> " + payload))


def test_script_is_escaped_not_dropped() -> None:
    html = render_article_html(make(("paragraph", "<script>alert(1)</script>")))
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_label_is_escaped() -> None:
    odd = Article(number=1, label="<b>第一条</b>", chapter=None, section=None, blocks=(), line=1)
    assert "<b>" not in render_article_html(odd, with_label=True)


def test_render_markdown_blocks() -> None:
    html = render_markdown("## 起草说明\n\n一、**背景**。\n\n- 要点一\n- 要点二\n\n<div>raw</div>\n")
    assert "<h2>起草说明</h2>" in html
    assert "<strong>背景</strong>" in html
    assert "<li>要点一</li>" in html
    assert "&lt;div&gt;raw&lt;/div&gt;" in html
    assert render_markdown("") == ""


def test_render_markdown_links() -> None:
    html = render_markdown("[官网](https://example.org) [锚点](#a) [邮件](mailto:a@b.c) <https://x.org>")
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">官网</a>' in html
    assert '<a href="#a" rel="nofollow noopener noreferrer">锚点</a>' in html
    assert 'href="mailto' not in html  # only http(s) and in-page anchors become links
    assert '<a href="https://x.org"' in html


def test_fast_path_matches_markdown_it_on_sample_text() -> None:
    """Plain legal sentences skip the Markdown parser; the output must be what it would give."""
    from pathlib import Path

    from liaison.drafts import render

    drafts = Path(__file__).resolve().parents[2] / "drafts"
    texts = [
        block.text
        for path in sorted(drafts.glob("*.md"))
        for art in parse_draft(path.read_bytes(), source_name=path.name).articles
        for block in art.blocks
    ]
    texts += ["速度 25km/h (约)", "见 https://example.org/a", "100% 完成!", "a#b", "C++ 与 C#", "1. 目", "'单引号'", "（一）甲；"]
    assert len(texts) > 150
    for text in texts:
        assert render._inline(text) == render._MD.renderInline(text), text
