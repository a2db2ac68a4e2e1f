from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T19:41:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "one tag row per (opinion, kind, value)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="liaison", description=DESCRIPTION)

    async def unique_tag_per_opinion() -> None:
        # The machine replaces its own rows and a person's row replaces the machine's: never two alike.
        from liaison.db import current_engine

        await current_engine().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS opinion_tags_opinion_kind_value ON opinion_tags (opinion, kind, value)"
        )

    manager.add_raw(unique_tag_per_opinion)
    return manager
