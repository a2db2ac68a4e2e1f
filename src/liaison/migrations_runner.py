"""Apply piccolo migrations quietly and report which ones ran."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration

__all__ = ["MigrationFailed", "apply_migrations"]


class MigrationFailed(RuntimeError):
    """A migration did not apply; the message carries piccolo's output."""


async def _applied() -> set[str]:
    if not await Migration.table_exists().run():
        return set()
    rows = await Migration.select(Migration.name).where(Migration.app_name == "liaison").run()
    return {row["name"] for row in rows}


async def apply_migrations() -> list[str]:
    """Run pending migrations of the ``liaison`` app in id order."""
    before = await _applied()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await ForwardsMigrationManager(app_name="liaison", migration_id="all").run()
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{out.getvalue()}")
    return sorted(await _applied() - before)
