"""Alembic environment for store_svc.

`store_svc.migrate.upgrade` hands in an open connection through `config.attributes["connection"]`;
the `alembic` command line (which has none) gets one from `sqlalchemy.url` on the asyncpg driver.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from store_svc.schema import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("store_svc migrations run online only; use `python -m store_svc` or store_svc.migrate.upgrade")

shared_connection = context.config.attributes.get("connection")
if shared_connection is not None:
    run_migrations(shared_connection)
else:
    asyncio.run(run_with_own_engine(context.config.get_main_option("sqlalchemy.url")))
