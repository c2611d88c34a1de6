"""The Alembic migrations build exactly the schema the code expects, and are safe to run again
and from several instances starting at once."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from store_testing import create_database

from fraudctl.runtime.postgres import PostgresCluster
from store_svc.migrate import alembic_config, upgrade
from store_svc.schema import metadata


async def test_concurrent_upgrades_of_an_empty_database_build_the_declared_schema(postgres: PostgresCluster):
    url = await create_database(postgres.url)

    await asyncio.gather(*(upgrade(url) for _ in range(3)))
    await upgrade(url)

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:

            def inspect_schema(sync_connection):
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return (
                    context.get_current_revision(),
                    compare_metadata(context, metadata),
                    {
                        table: {index["name"] for index in inspect(sync_connection).get_indexes(table)}
                        for table in ("transactions", "dead_letters", "cases")
                    },
                )

            revision, differences, indexes = await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()

    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert differences == []
    assert indexes["transactions"] == {
        "transactions_occurred_at_id",
        "transactions_user_occurred_at_id",
        "transactions_decision_occurred_at_id",
        "transactions_label_occurred_at_id",
        "transactions_score",
    }
    assert indexes["dead_letters"] == {
        "dead_letters_failed_at_id",
        "dead_letters_hop_failed_at_id",
        "dead_letters_not_replayed_failed_at_id",
    }
    assert indexes["cases"] == {
        "cases_opened_at_id",
        "cases_score_id",
        "cases_status_opened_at_id",
        "cases_assignee_opened_at_id",
    }
