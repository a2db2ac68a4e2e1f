"""``liaison``: the one command an operator uses (serve, migrate, drafts, users, tokens)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from liaison import db
from liaison.config import ConfigError, Settings, load_settings
from liaison.core.errors import DomainError

__all__ = ["main"]

T = TypeVar("T")

DRAFT_SUFFIXES = {".md", ".markdown"}


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def _run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Connect, run ``work``, disconnect; domain errors become clean CLI errors."""

    async def runner() -> T:
        await db.connect(settings.database_url)
        try:
            return await work()
        finally:
            await db.disconnect()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"{exc.message}{where}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database {_redact(settings.database_url)}: {exc}") from None


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="liaison")
def main() -> None:
    """Liaison — 基层立法联络站意见征集系统. Settings come from the environment (docs/configuration.md)."""


# ---------------------------------------------------------------- service


@main.command()
def migrate() -> None:
    """Apply database migrations (run once before starting workers)."""
    settings = _settings()
    ran = _run(settings, db.migrate)
    click.echo(f"applied {len(ran)} migration(s)" + (": " + ", ".join(ran) if ran else "; database is up to date"))


@main.command()
@click.option("--host", default=None, help="address to listen on (default: LIAISON_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default: LIAISON_PORT or 8000)")
@click.option("--workers", type=int, default=1, show_default=True, help="worker processes (PostgreSQL only for >1)")
@click.option("--migrate/--no-migrate", "run_migrations", default=True, show_default=True,
              help="apply pending migrations before serving")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="log every request")
def serve(host: str | None, port: int | None, workers: int, run_migrations: bool, access_log: bool) -> None:
    """Serve the web application and JSON API."""
    import uvicorn

    settings = _settings()
    if run_migrations:
        _run(settings, db.migrate)
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException("--workers > 1 needs PostgreSQL (set DATABASE_URL); SQLite serves one process")
    host = host or settings.host
    port = port or settings.port
    child = None
    if settings.run_worker:
        # The analysis worker is CPU-bound: a process of its own, so it never holds up requests.
        import subprocess

        child = subprocess.Popen([sys.executable, "-m", "liaison.cli", "worker", "--parent-pid", str(os.getpid())])
        click.echo(f"analysis worker started (pid {child.pid}); LIAISON_RUN_WORKER=0 to run it apart")
    click.echo(f"Liaison serving on http://{host}:{port}  (database: {_redact(settings.database_url)})")
    try:
        uvicorn.run("liaison.asgi:create", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, log_level="info", access_log=access_log)
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except Exception:  # noqa: BLE001 - it must not outlive the server
                child.kill()


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="backup file (default: <data dir>/backups/liaison-<time>.sqlite3, or .dump for PostgreSQL)")
def backup(out: Path | None) -> None:
    """Back up the database while the service runs (SQLite: online copy; PostgreSQL: pg_dump -Fc)."""
    from datetime import UTC, datetime

    from liaison.db import sqlite_path
    from liaison.ops.backup import BackupError, backup_postgres, backup_sqlite

    settings = _settings()
    try:
        if settings.is_sqlite:
            path = backup_sqlite(sqlite_path(settings.database_url), out, settings.data_dir / "backups")
        else:
            default = settings.data_dir / "backups" / f"liaison-{datetime.now(UTC):%Y%m%d-%H%M%S}.dump"
            path = backup_postgres(settings.database_url.replace("postgresql+asyncpg", "postgresql"), out or default)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace an existing database (stop the service first)")
def restore(file: Path, force: bool) -> None:
    """Restore a SQLite backup into DATABASE_URL's file (PostgreSQL: use pg_restore, see docs/operations.md)."""
    from liaison.db import sqlite_path
    from liaison.ops.backup import BackupError, restore_sqlite

    settings = _settings()
    if not settings.is_sqlite:
        raise click.ClickException("for PostgreSQL use: pg_restore --clean --no-owner -d <DATABASE_URL> FILE "
                                   "(see docs/operations.md)")
    try:
        restore_sqlite(file, sqlite_path(settings.database_url), force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {file} into {sqlite_path(settings.database_url)}")


@main.command()
@click.option("--interval", type=float, default=1.0, show_default=True, help="seconds between rounds")
@click.option("--parent-pid", type=int, default=None, hidden=True,
              help="stop when this process is gone (set by `liaison serve` for its child)")
@click.option("--lease-seconds", type=float, default=None, hidden=True,
              help="how long a delivery in progress is owned before another round may resend it")
def worker(interval: float, parent_pid: int | None, lease_seconds: float | None) -> None:
    """Run the background worker until interrupted: cluster new opinions, deliver the outbox."""
    import signal

    from liaison.clusters.worker import run_worker
    from liaison.submission.outbox import DEFAULT_LEASE_SECONDS
    from liaison.submission.worker import run_outbox

    settings = _settings()

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if parent_pid is not None:
            # uvicorn re-raises SIGTERM after its shutdown, so the parent cannot always stop us:
            # watch it instead.
            async def watch_parent() -> None:
                while not stop.is_set():
                    if os.getppid() != parent_pid:
                        stop.set()
                    await asyncio.sleep(1)

            loop.create_task(watch_parent())
        click.echo("worker running: analysis and outbox delivery (Ctrl-C to stop)")
        await asyncio.gather(
            run_worker(settings.data_dir, stop, interval=interval),
            run_outbox(stop, interval=max(interval, 1.0), lease_seconds=lease_seconds or DEFAULT_LEASE_SECONDS),
        )

    _run(settings, work)


@main.group()
def analysis() -> None:
    """Clusters of the opinions in the database."""


@analysis.command("rebuild")
@click.option("--draft", "slug", required=True, help="draft slug")
def analysis_rebuild(slug: str) -> None:
    """Recompute a draft's machine clusters from scratch (people's decisions are kept)."""
    from liaison.clusters.service import Analyzer, rebuild
    from liaison.drafts.service import get_draft

    settings = _settings()

    async def work() -> int:
        draft = await get_draft(slug, public=False)
        return await rebuild(Analyzer(settings.data_dir), draft.id, actor="cli")

    count = _run(settings, work)
    click.echo(f"{slug}: {count} opinion(s) re-clustered")


# ---------------------------------------------------------------- drafts


@main.group()
def drafts() -> None:
    """Draft laws and regulations (草案)."""


def _draft_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in DRAFT_SUFFIXES and p.is_file())
        else:
            yield path


@drafts.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def drafts_parse(file: Path, fmt: str) -> None:
    """Parse FILE and print its structure (no database needed)."""
    from liaison.drafts.parser import DraftFormatError, parse_draft

    try:
        parsed = parse_draft(file.read_bytes(), source_name=file.name)
    except DraftFormatError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        field = f" [{exc.field}]" if exc.field else ""
        raise click.ClickException(f"{file}{where}{field}: {exc}") from None
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{parsed.title}  [{parsed.slug}]  {len(parsed.articles)} articles")
    chapter = None
    for article in parsed.articles:
        if article.chapter != chapter:
            chapter = article.chapter
            click.echo(f"  {chapter}")
        first = article.paragraphs[0] if article.paragraphs else ""
        click.echo(f"    {article.label}  {first[:40]}")


@drafts.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="recorded as the importer")
@click.option("--publish", is_flag=True, help="publish drafts this import creates (existing drafts keep their state)")
def drafts_import(paths: tuple[Path, ...], actor: str, publish: bool) -> None:
    """Import draft files (or every .md in a directory). Safe to repeat: unchanged files create nothing."""
    from liaison.drafts.service import import_draft, publish_draft

    settings = _settings()
    files = list(_draft_files(paths))
    if not files:
        raise click.ClickException("no .md draft files found in " + ", ".join(map(str, paths)))

    async def work() -> list[str]:
        failures = []
        for file in files:
            try:
                result = await import_draft(
                    file.read_bytes(), source_name=file.name, tz=settings.tz,
                    max_bytes=settings.max_upload_bytes, actor=actor,
                )
            except DomainError as exc:
                line = f" line {exc.extra['line']}" if exc.extra.get("line") else ""
                failures.append(f"{file}{line}: {exc.message}")
                continue
            if publish and result.created_draft:
                await publish_draft(result.slug, actor)
            state = (
                ("new draft, published" if publish else "new draft") if result.created_draft
                else f"new version {result.version}" if result.created_version
                else f"unchanged (version {result.version})"
            )
            click.echo(f"{file}: {result.slug} — {state}, {result.article_count} articles")
            for warning in result.warnings:
                click.echo(f"  warning: {warning}")
        return failures

    failures = _run(settings, work)
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    if failures:
        sys.exit(1)


@drafts.command("list")
def drafts_list() -> None:
    """List every draft with its phase."""
    from liaison.drafts.service import list_drafts

    for draft in _run(_settings(), lambda: list_drafts(public=False)):
        closes = draft.comment_closes.date().isoformat() if draft.comment_closes else "-"
        click.echo(f"{draft.slug:30} {draft.phase.value:12} v{draft.current_version} closes {closes}  {draft.title}")


def _draft_action(name: str, help_text: str) -> None:
    @drafts.command(name, help=help_text)
    @click.argument("slug")
    def command(slug: str) -> None:
        from liaison.drafts import service

        action: Callable[[str, str], Awaitable[None]] = getattr(service, f"{name}_draft")
        _run(_settings(), lambda: action(slug, "cli"))
        click.echo(f"{slug}: {name} done")


_draft_action("publish", "Publish a draft (its comment window then follows its dates).")
_draft_action("close", "End a draft's comment window now.")
_draft_action("archive", "Archive a draft.")


@main.group()
def packets() -> None:
    """Feedback packets (意见汇总): compile and export."""


@packets.command("compile")
@click.option("--draft", "slug", required=True, help="draft slug")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="directory for packet.json, packet.docx and packet.xlsx")
@click.option("--personal-data", type=click.Choice(["masked", "full"]), default="masked", show_default=True)
def packets_compile(slug: str, out_dir: Path, personal_data: str) -> None:
    """Compile the next version of a draft's packet and write its exports to --out."""
    from liaison.packets.compile import compile_packet_with_rows
    from liaison.packets.web import export

    settings = _settings()

    async def work() -> tuple[int, dict[str, bytes]]:
        packet, rows = await compile_packet_with_rows(slug, None, personal_data=personal_data,
                                                      station_name=settings.station_name)
        return packet.version, {ext: await export(slug, packet, ext, rows) for ext in ("json", "docx", "xlsx")}

    version, files = _run(settings, work)
    out_dir.mkdir(parents=True, exist_ok=True)
    for ext, body in files.items():
        (out_dir / f"packet.{ext}").write_bytes(body)
    click.echo(f"{slug}: packet v{version} written to {out_dir} (packet.json, packet.docx, packet.xlsx)")


@packets.command("submit")
@click.option("--draft", "slug", required=True, help="draft slug")
@click.option("--version", "number", required=True, type=click.IntRange(1), help="packet version to submit")
def packets_submit(slug: str, number: int) -> None:
    """Queue a packet version for the upstream station; `liaison worker` delivers it."""
    from liaison.submission.outbox import submit_packet

    settings = _settings()
    message = _run(settings, lambda: submit_packet(slug, number, actor="cli", station_name=settings.station_name))
    state = {"pending": "queued", "delivered": "already delivered", "failed": "failed"}[message["status"]]
    click.echo(f"{slug} v{number}: {state} (outbox message {message['id']}, key {message['idempotency_key']})")


@main.group()
def upstream() -> None:
    """The station one level up that this station submits packets to."""


@upstream.command("set")
@click.option("--url", required=True, help="base URL of the upper station, e.g. https://city.example.cn")
@click.option("--station-id", required=True, help="this station's id as the upper station registered it")
@click.option("--key", "key", default=None, help="shared key from the upper station (else read from stdin)")
@click.option("--name", default="", help="name of the upper station")
def upstream_set(url: str, station_id: str, key: str | None, name: str) -> None:
    """Configure the upstream (URL, our station id there, shared key)."""
    from liaison.submission.peers import set_upstream

    key = key or _read_password("Shared key")
    row = _run(_settings(), lambda: set_upstream(url, station_id, key, name=name, actor="cli"))
    click.echo(f"upstream: {row['url']} as {row['station_id']}")


@upstream.command("show")
def upstream_show() -> None:
    """Print the configured upstream (without the key)."""
    from liaison.submission.peers import get_upstream

    row = _run(_settings(), get_upstream)
    if row is None:
        raise click.ClickException("no upstream configured: liaison upstream set --url … --station-id … --key …")
    click.echo(f"{row['url']}\tstation id {row['station_id']}\t{row['name']}")


@main.group()
def stations() -> None:
    """Lower stations allowed to submit packets to this one."""


@stations.command("add")
@click.option("--id", "station_id", required=True, help="the lower station's id, e.g. county-xx")
@click.option("--name", required=True, help="the lower station's name")
@click.option("--url", default="", help="its base URL (to send adoption outcomes back down)")
@click.option("--key", "key", default=None, help="shared key (default: a new random one, printed once)")
def stations_add(station_id: str, name: str, url: str, key: str | None) -> None:
    """Register a lower station; prints the shared key to give to it."""
    from liaison.submission.peers import add_downstream

    row = _run(_settings(), lambda: add_downstream(station_id, name, key=key, url=url, actor="cli"))
    click.echo(f"station {row['station_id']} ({row['name']}) added; shared key (shown once):")
    click.echo(row["key"])


@stations.command("list")
def stations_list() -> None:
    """List the upstream and the lower stations (keys are not shown)."""
    from liaison.submission.peers import list_peers

    for row in _run(_settings(), list_peers):
        state = "active" if row["active"] else "removed"
        click.echo(f"{row['direction']}\t{row['station_id']}\t{row['name']}\t{row['url']}\t{state}")


@stations.command("remove")
@click.option("--id", "station_id", required=True)
def stations_remove(station_id: str) -> None:
    """Stop accepting packets from a lower station (what it sent is kept)."""
    from liaison.submission.peers import remove_downstream

    _run(_settings(), lambda: remove_downstream(station_id, actor="cli"))
    click.echo(f"station {station_id} removed")


@main.group()
def outcomes() -> None:
    """Adoption outcomes (采纳情况) per point of a draft's packet."""


@outcomes.command("record")
@click.option("--draft", "slug", required=True, help="draft slug")
@click.option("--point", "point_key", required=True, help="point key as in the packet: c12 (cluster) or o34 (opinion)")
@click.option("--outcome", required=True, help="adopted, partly, not_adopted or pending (or 采纳, 部分采纳, 未采纳, 待定)")
@click.option("--note", default="", help="explanation shown with the outcome")
@click.option("--final-article", default="", help="article of the law as passed, e.g. 第十二条")
@click.option("--actor", default="cli", show_default=True, help="name recorded in the audit log")
def outcomes_record(slug: str, point_key: str, outcome: str, note: str, final_article: str, actor: str) -> None:
    """Record (or correct) the outcome of one point; every opinion in it shows it on its receipt."""
    from liaison.adoption.service import record_outcome

    covered = _run(_settings(), lambda: record_outcome(slug, point_key, outcome, note=note,
                                                       final_article=final_article, actor=actor))
    click.echo(f"{slug}: {point_key.strip().lower()} recorded for {covered} opinion(s)")


@outcomes.command("send-down")
@click.option("--draft", "slug", required=True, help="draft slug")
def outcomes_send_down(slug: str) -> None:
    """Queue the outcomes of points received from lower stations back to those stations."""
    from liaison.submission.downward import send_outcomes_down

    labels = {"queued": "queued", "unchanged": "unchanged since last sent", "nothing": "no outcome recorded yet",
              "no_url": "no address registered (liaison stations add --url …)"}
    for line in _run(_settings(), lambda: send_outcomes_down(slug, actor="cli")):
        click.echo(f"{line['station_id']}\t{line['outcomes']} point(s)\t{labels[line['status']]}")


@outcomes.command("list")
@click.option("--draft", "slug", required=True, help="draft slug")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def outcomes_list(slug: str, fmt: str) -> None:
    """The draft's recorded outcomes and totals (JSON: what is sent down to lower stations)."""
    from liaison.adoption import service
    from liaison.drafts.service import get_draft

    async def work() -> tuple[list[dict[str, Any]], Any]:
        rows = await service.export_outcomes(slug)
        return rows, await service.draft_totals((await get_draft(slug, public=False)).id)

    rows, totals = _run(_settings(), work)
    if fmt == "json":
        click.echo(json.dumps({"draft": slug, "totals": totals.as_dict(), "outcomes": rows}, ensure_ascii=False,
                              indent=2))
        return
    for row in rows:
        extra = " · ".join(x for x in (row["final_article"], row["note"]) if x)
        click.echo(f"{row['point_key']}\t{row['outcome_label']}\t{row['opinions']} opinion(s)"
                   + (f"\t{extra}" if extra else ""))
    click.echo(f"collected {totals.collected} · submitted {totals.submitted} · adopted {totals.adopted}")


@main.group()
def opinions() -> None:
    """Opinions (意见建议): bulk import of offline opinions."""


# ---------------------------------------------------------------- users and tokens


@main.group()
def users() -> None:
    """Staff accounts."""


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.ClickException("no password on standard input")
    return password


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, help="admin, officer, office_staff or volunteer")
@click.option("--display-name", default="", help="name shown in the interface")
@click.option("--office", default=None, help="office name or id (office_staff: the office they manage)")
def users_create(username: str, role: str, display_name: str, office: str | None) -> None:
    """Create a user; the password is read from a prompt, or from stdin when piped."""
    from liaison.accounts.services import create_user
    from liaison.network.service import assign_office, find_office

    password = _read_password("Password")
    settings = _settings()

    async def work() -> int:
        office_id = await find_office(office) if office else None
        user_id = await create_user(username, password, role, display_name=display_name)
        if office_id is not None:
            await assign_office(username, office_id, "cli")
        return user_id

    user_id = _run(settings, work)
    click.echo(f"created user {username} ({role}), id {user_id}" + (f", office {office}" if office else ""))


@users.command("passwd")
@click.option("--username", required=True)
def users_passwd(username: str) -> None:
    """Set a new password (ends every session of that user)."""
    from liaison.accounts.services import change_password

    password = _read_password("New password")
    _run(_settings(), lambda: change_password(username, password))
    click.echo(f"password changed for {username}; existing sessions ended")


@users.command("list")
def users_list() -> None:
    """List users and roles."""
    from liaison.accounts.tables import User

    rows: list[dict[str, Any]] = _run(
        _settings(), lambda: User.select(User.username, User.role, User.is_active).order_by(User.username).run()
    )
    for row in rows:
        click.echo(f"{row['username']:24} {row['role']:14} {'active' if row['is_active'] else 'disabled'}")


@users.command("ensure-admin")
def users_ensure_admin() -> None:
    """Create an 'admin' account with a random password if no admin exists, and say how to log in."""
    from liaison.accounts.services import ensure_admin

    settings = _settings()
    password = _run(settings, ensure_admin)
    if password:
        click.echo("")
        click.echo("  First login: http://%s:%s/login" % (settings.host, settings.port))
        click.echo("  username: admin")
        click.echo(f"  password: {password}")
        click.echo("  (shown once; change it with: liaison users passwd --username admin)")
        click.echo("")
    else:
        click.echo("an admin account exists; log in at /login (reset with: liaison users passwd --username admin)")


@main.group()
def privacy() -> None:
    """Personal data: retention and deletion on request."""


@privacy.command("purge")
@click.option("--receipt", default=None, help="delete the details given with this receipt's opinion (on request)")
@click.option("--older-than-days", type=int, default=None,
              help="retention in days (default: LIAISON_CONTRIBUTOR_RETENTION_DAYS)")
def privacy_purge(receipt: str | None, older_than_days: int | None) -> None:
    """Delete contributor details past retention, or those of one receipt; opinion texts stay."""
    from liaison.opinions.service import withdraw_contact
    from liaison.privacy.service import purge_expired

    settings = _settings()
    if receipt:
        removed = _run(settings, lambda: withdraw_contact(receipt))
        click.echo("deleted the contributor details of " + receipt if removed else f"{receipt} had no contributor details")
        return
    days = older_than_days if older_than_days is not None else settings.contributor_retention_days
    count = _run(settings, lambda: purge_expired(days, actor="cli"))
    click.echo(f"deleted contributor details of {count} opinion(s) older than {days} days")


@main.group()
def offices() -> None:
    """Liaison offices (联络室) in the station's network."""


@offices.command("create")
@click.option("--name", required=True)
@click.option("--area", default="")
@click.option("--address", default="")
@click.option("--contact", default="")
@click.option("--phone", default="")
def offices_create(name: str, area: str, address: str, contact: str, phone: str) -> None:
    """Create an office."""
    from liaison.accounts.roles import Role
    from liaison.accounts.services import CurrentUser
    from liaison.network.service import OfficeInput, create_office

    operator = CurrentUser(id=0, username="cli", display_name="", role=Role.ADMIN, via="cli")
    office_id = _run(_settings(), lambda: create_office(
        OfficeInput(name=name, area=area, address=address, contact=contact, phone=phone), operator))
    click.echo(f"created office {name}, id {office_id}")


@offices.command("list")
def offices_list() -> None:
    """List offices with their volunteer counts."""
    from liaison.network.service import list_offices

    for row in _run(_settings(), list_offices):
        click.echo(f"{row['id']:5} {row['name']:30} {row['area']:16} volunteers {row['volunteers']}")


@main.group()
def tokens() -> None:
    """API tokens for scripts and the JSON API."""


@tokens.command("create")
@click.option("--username", required=True)
@click.option("--name", default="", help="what the token is for")
def tokens_create(username: str, name: str) -> None:
    """Create a token and print it once (use as: Authorization: Bearer <token>)."""
    from liaison.accounts.services import create_token

    token = _run(_settings(), lambda: create_token(username, name))
    click.echo(token)


@tokens.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke tokens by their first 8 characters."""
    from liaison.accounts.services import revoke_token

    count = _run(_settings(), lambda: revoke_token(prefix))
    if not count:
        raise click.ClickException(f"no live token starts with {prefix}")
    click.echo(f"revoked {count} token(s)")


def _register_commands() -> None:
    """Commands that live with their domain."""
    from liaison.analysis.command import analyze
    from liaison.opinions.import_command import import_opinions

    main.add_command(analyze)
    opinions.add_command(import_opinions)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
