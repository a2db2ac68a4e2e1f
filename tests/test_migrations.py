import sqlite3

import pytest

from liaison import db

pytestmark = pytest.mark.db


async def test_migrations_are_applied_once_and_create_every_table(database: str) -> None:
    assert await db.migrate() == []  # the fixture already applied them; a second run does nothing
    for table in db.all_tables():
        assert await table.table_exists().run(), table._meta.tablename
        assert await table.count().run() == 0


def test_sqlite_database_file_is_put_in_wal_mode(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}"
    db.build_engine(url)
    with sqlite3.connect(db.sqlite_path(url)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
