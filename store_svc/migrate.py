"""Applies store_svc's Alembic migrations: at service start-up, from tests and from `fraudctl`.

No alembic.ini: the configuration is built here, so the migrations travel with the package.
Run alone with `python -m store_svc.migrate` (uses DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import pathlib

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = pathlib.Path(__file__).parent / "migrations"
# Any fixed 64-bit number: instances starting together take turns instead of racing on the DDL.
MIGRATION_LOCK_KEY = 0x5354_4F52_455F_4D49


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        # ConfigParser interpolates '%', which URL-encoded passwords contain.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade_on(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrates the database behind `engine` to `revision` in one transaction, under an advisory lock."""
    async with engine.begin() as connection:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(_upgrade_on, revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrates the database at `database_url` (a postgresql+asyncpg URL) to `revision`."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


def main() -> None:
    from store_svc.settings import StoreSettings

    asyncio.run(upgrade(StoreSettings().database_url))


if __name__ == "__main__":
    main()
