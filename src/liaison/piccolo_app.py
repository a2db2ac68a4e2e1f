"""The single piccolo app: every table, one migration history in ``migrations/``."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from liaison.db import all_tables

#: ``migrations/`` at the repository root, beside ``src/``.
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

APP_CONFIG = AppConfig(
    app_name="liaison",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=all_tables(),
    migration_dependencies=[],
    commands=[],
)
