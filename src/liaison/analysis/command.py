"""``liaison analyze``: deduplicate, cluster and tag a file of opinions offline.

    liaison analyze opinions.xlsx --draft drafts/dog-management.md --format xlsx --out result.xlsx

Reads JSONL / CSV / XLSX (see :mod:`liaison.analysis.tabular`), clusters with
:func:`liaison.analysis.cluster.cluster_texts` (the draft's article texts are
masked), and writes one record per input, in input order::

    {"id", "cluster", "article", "articles", "chapter", "stance", "tags"}

A summary (opinions, clusters, singletons, largest clusters, time) goes to stderr.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

__all__ = ["analyze", "analyze_records"]

_CHAPTER = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)章")


def _chapter_number(label: str | None) -> int | None:
    if not label:
        return None
    m = _CHAPTER.search(label)
    if not m:
        return None
    from liaison.drafts.numerals import parse_number

    try:
        return parse_number(m.group(1))
    except (ValueError, KeyError):
        return None


def analyze_records(ids: list[str], texts: list[str], draft: Any) -> list[dict[str, Any]]:
    """The output records for opinions ``ids``/``texts`` against a parsed draft."""
    from liaison.analysis.cluster import cluster_texts
    from liaison.analysis.references import referenced_articles, referenced_chapter
    from liaison.analysis.stance import classify_stance
    from liaison.analysis.suggest import ArticleSuggester
    from liaison.analysis.tags import Taxonomy

    articles = list(draft.articles)
    reps = cluster_texts(texts, draft_texts=[a.text for a in articles])
    valid = {a.number for a in articles}
    chapter_of = {a.number: _chapter_number(a.chapter) for a in articles}
    suggester = ArticleSuggester([(a.number, a.text) for a in articles])
    taxonomy = Taxonomy.from_draft(draft)
    title = getattr(draft, "title", None)
    out: list[dict[str, Any]] = []
    for oid, text, rep in zip(ids, texts, reps):
        try:
            refs = referenced_articles(text, valid, draft_title=title)
        except TypeError:  # tolerate an older signature without draft_title
            refs = referenced_articles(text, valid)
        if refs:
            article: int | None = refs[0]
            arts = list(refs)
        else:
            sug = suggester.suggest(text)
            if sug is not None and sug[1] >= 0.5:
                article, arts = sug[0], [sug[0]]
            else:
                article, arts = None, []
        try:
            chapter = referenced_chapter(text, draft_title=title)
        except TypeError:
            chapter = referenced_chapter(text)
        if chapter is None and article is not None:
            chapter = chapter_of.get(article)
        stance, _ = classify_stance(text)
        tags = [t.name for t in taxonomy.tag(text)]
        out.append(
            {
                "id": oid,
                "cluster": "c" + str(ids[rep]),
                "article": article,
                "articles": arts,
                "chapter": chapter,
                "stance": stance,
                "tags": tags,
            }
        )
    return out


def _excerpt(text: str, n: int = 30) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[:n] + "…"


@click.command("analyze")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", "draft_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The draft (Markdown) the opinions comment on.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "xlsx"]), default="jsonl", show_default=True,
              help="Output format.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: stdout, JSONL only).")
def analyze(file: Path, draft_path: Path, fmt: str, out: Path | None) -> None:
    """Deduplicate, cluster and tag the opinions in FILE (JSONL, CSV or XLSX) against a draft."""
    from liaison.analysis.tabular import TableError, read_opinions, write_records
    from liaison.drafts.parser import DraftFormatError, parse_draft

    if fmt in ("csv", "xlsx") and out is None:
        raise click.UsageError(f"--format {fmt} needs --out FILE")
    started = time.perf_counter()
    try:
        draft = parse_draft(draft_path.read_bytes(), source_name=draft_path.name)
    except DraftFormatError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise click.ClickException(f"{draft_path}: {exc.message}{where}") from None
    try:
        opinions = read_opinions(file)
    except TableError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    ids = [o.id for o in opinions]
    texts = [o.text for o in opinions]
    records = analyze_records(ids, texts, draft)
    try:
        if out is None:
            write_records(records, "jsonl", sys.stdout)
        else:
            write_records(records, fmt, out)
    except (TableError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    elapsed = time.perf_counter() - started

    sizes = Counter(r["cluster"] for r in records)
    first_text = {}
    for r, t in zip(records, texts):
        first_text.setdefault(r["cluster"], t)
    err = sys.stderr
    err.write(
        f"opinions: {len(records)}\nclusters: {len(sizes)}\nsingletons: {sum(1 for c in sizes.values() if c == 1)}\n"
    )
    largest = sizes.most_common(5)
    if largest:
        err.write("largest clusters:\n")
        for cid, size in largest:
            err.write(f"  {cid}\t{size}\t{_excerpt(first_text[cid])}\n")
    err.write(f"time: {elapsed:.2f}s\n")
