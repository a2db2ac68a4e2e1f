"""``liaison opinions import FILE --draft SLUG``: bulk import from the command line.

Registered by ``liaison.cli`` (``opinions.add_command(import_opinions)``); this
module imports ``liaison.cli`` only inside the command, so there is no cycle.
The command runs as the operator (full rights, no user account): opinions get
no ``entered_by`` and the audit record names ``--actor`` (default "cli").
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["import_opinions"]

MAX_PRINTED = 1000


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", "slug", required=True, help="the draft's slug")
@click.option("--office", default=None, help="office (name or id) for rows that name none")
@click.option("--dry-run", is_flag=True, help="check only: report problems and counts, store nothing")
@click.option("--actor", default="cli", show_default=True, help="recorded in the audit log as the importer")
def import_opinions(file: Path, slug: str, office: str | None, dry_run: bool, actor: str) -> None:
    """Import offline opinions from FILE (.xlsx or .csv; UTF-8 or GBK) into a draft.

    The whole file is checked first; if any row has a problem, every problem is
    printed (row as Excel shows it, column, what is wrong, how to fix) and nothing
    is stored (exit status 1). Otherwise all new rows are stored in one
    transaction; rows imported before are skipped and counted.
    """
    from liaison.cli import _run, _settings
    from liaison.opinions import import_service
    from liaison.opinions.importing import MAX_IMPORT_BYTES

    if file.stat().st_size > MAX_IMPORT_BYTES:
        limit = MAX_IMPORT_BYTES // 1024 // 1024
        raise click.ClickException(f"{file}: larger than {limit} MiB; split it into several files")
    content = file.read_bytes()
    settings = _settings()

    async def work() -> tuple[import_service.ImportReport, import_service.ImportResult | None]:
        report = await import_service.check_file(slug, file.name, content, None, office=office)
        if dry_run or not report.ok or not report.new_rows:
            return report, None
        result = await import_service.commit_file(slug, file.name, content, None, office=office, actor=actor)
        return report, result

    report, result = _run(settings, work)
    where = f" ({report.encoding})" if report.encoding else ""
    click.echo(f"{file}{where}: {report.total_rows} rows for {report.slug} — {report.new_rows} new, "
               f"{report.already_present} already imported, {report.bad_rows} with problems")
    if report.ignored_columns:
        click.echo("ignored columns: " + ", ".join(report.ignored_columns))
    if not report.ok:
        for problem in report.problems[:MAX_PRINTED]:
            click.echo(f"  第 {problem.row} 行 [{problem.column}] {problem.message} → {problem.fix}", err=True)
        if len(report.problems) > MAX_PRINTED:
            click.echo(f"  … and {len(report.problems) - MAX_PRINTED} more problems", err=True)
        click.echo("nothing imported: fix the rows above and run again", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("dry run: nothing stored")
        return
    added = result.added if result else 0
    present = result.already_present if result else report.already_present
    click.echo(f"imported {added}, {present} already present (已导入 {added} 条，{present} 条此前已导入)")
