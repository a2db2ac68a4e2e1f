"""Drafts tables: a draft, its imported versions (rounds) and their articles.

Each import of changed text makes a new ``DraftVersion``; older versions stay
readable and opinions will be keyed to the version they were made on.
"""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["Draft", "DraftArticle", "DraftVersion"]


class Draft(Table, tablename="drafts"):
    """A law or regulation under consultation (草案)."""

    slug = Varchar(length=80, unique=True)  # the unique constraint is its index
    title = Varchar(length=300)
    issuer = Varchar(length=200, default="")
    kind = Varchar(length=50, default="")
    round = Varchar(length=50, default="")
    summary = Text(default="")
    key_questions = JSON(default=[])
    # Occupations offered on the comment form (as the NPC's form does), set by the officer.
    occupations = JSON(default=[])
    # unpublished | published | archived; open/closed follow from the window.
    status = Varchar(length=20, default="unpublished", index=True)
    comment_opens = Timestamptz(null=True, default=None)
    comment_closes = Timestamptz(null=True, default=None)
    current_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)


class DraftVersion(Table, tablename="draft_versions"):
    """One imported text of a draft (a round: 一审稿, 二审稿, 征求意见稿 …)."""

    draft = ForeignKey(references=Draft, index=True)
    number = Integer()
    round = Varchar(length=50, default="")
    source_name = Varchar(length=255, default="")
    source_sha256 = Varchar(length=64, index=True)
    source_text = Text()
    meta = JSON(default={})
    # [{"heading": "第一章 总则", "sections": ["第一节 …"]}] for the table of contents.
    chapters = JSON(default=[])
    article_count = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=64, default="")


class DraftArticle(Table, tablename="draft_articles"):
    """An article (条) of one draft version, as parsed."""

    version = ForeignKey(references=DraftVersion, index=True)
    position = Integer()
    number = Integer(index=True)
    label = Varchar(length=20)
    chapter = Varchar(length=200, null=True, default=None)
    section = Varchar(length=200, null=True, default=None)
    blocks = JSON(default=[])
    text = Text()
    # Rendered once at import (markdown-it, raw HTML escaped): pages never re-render.
    html = Text(default="")
