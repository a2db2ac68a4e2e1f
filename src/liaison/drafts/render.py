"""HTML for a parsed draft: article bodies and Markdown notes (summary, 起草说明).

Draft text comes from outside (uploaded files, upstream packets), so rendering is
defensive: raw HTML is escaped (``MarkdownIt("js-default")`` has ``html=False``),
links are kept only for http(s) URLs and in-page anchors, images are disabled (no
tracking pixels), and links get ``rel="nofollow noopener noreferrer"``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

    from liaison.drafts.parser import Article

__all__ = ["render_article_html", "render_markdown"]

_ALLOWED_SCHEMES = ("http://", "https://")


def _validate_link(url: str) -> bool:
    """Only http(s) and in-page ``#anchor`` links; javascript:, data:, file:, mailto: … are dropped."""
    lowered = url.strip().lower()
    return lowered.startswith(_ALLOWED_SCHEMES) or (lowered.startswith("#") and ":" not in lowered)


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


def _build() -> MarkdownIt:
    md = MarkdownIt("js-default")  # html=False: raw HTML is escaped, never passed through
    md.disable("image")
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _build()

# Characters that may start inline Markdown or need escaping. Text without any of them
# renders to itself, so the (common) plain legal sentence skips the Markdown parser.
# (No linkify, no typographer, images off: ":" "/" "(" "!" alone change nothing.)
_SPECIAL = frozenset('*_[]<>&`\\~"')


def _inline(text: str) -> str:
    if _SPECIAL.isdisjoint(text):
        return text
    return _MD.renderInline(text)


def render_article_html(article: Article, *, with_label: bool = False) -> str:
    """The article body as HTML: one ``<p>`` per paragraph (款), ``<p class="item">`` per item (项).

    Inline Markdown (bold, emphasis, http(s) links) is rendered; raw HTML is escaped.

    Args:
        article: the parsed article.
        with_label: put ``<span class="article-label">第十条</span>`` and a full-width space
            at the start of the first block, as printed laws do. Off by default: pages
            usually show the label in their own heading.
    """
    parts: list[str] = []
    label = f'<span class="article-label">{escape(article.label)}</span>\u3000' if with_label else ""
    for block in article.blocks:
        body = _inline(block.text)
        if block.kind == "item":
            parts.append(f'<p class="item">{label}{body}</p>')
        else:
            parts.append(f"<p>{label}{body}</p>")
        label = ""
    if label:  # an article with no text yet
        parts.append(f"<p>{label.rstrip()}</p>")
    return "\n".join(parts)


def render_markdown(text: str) -> str:
    """Full Markdown (paragraphs, lists, headings, tables) for a draft's summary or notes; raw HTML escaped."""
    if not text:
        return ""
    return _MD.render(text)
