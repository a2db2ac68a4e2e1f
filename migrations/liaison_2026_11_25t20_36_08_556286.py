from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T20:36:08:556286"
VERSION = "1.38.0"
DESCRIPTION = "cluster id high-water mark (SQLite ids never reused)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="liaison", description=DESCRIPTION
    )

    manager.add_table(
        class_name="ClusterIdHighWater",
        tablename="cluster_id_high_water",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="ClusterIdHighWater",
        tablename="cluster_id_high_water",
        column_name="last_id",
        db_column_name="last_id",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
