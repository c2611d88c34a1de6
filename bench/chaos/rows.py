"""What PostgreSQL holds for a phase's transactions: rows per id, and the table's size."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


class TransactionRows:
    def __init__(self, database_url: str):
        # pre_ping: the suite restarts PostgreSQL under this engine; a dead pooled connection is
        # replaced rather than failing the count.
        self._engine = create_async_engine(database_url, pool_size=1, pool_pre_ping=True)

    async def total(self) -> int:
        async with self._engine.connect() as connection:
            return (await connection.execute(sa.text("SELECT count(*) FROM transactions"))).scalar_one()

    async def per_id(self, ids: Sequence[str]) -> dict[str, int]:
        """Rows of each id that has any. The id is the table's primary key, so more than one would
        mean the key itself failed; counted all the same, as the figure a user would check."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.text("SELECT id, count(*) FROM transactions WHERE id = ANY(:ids) GROUP BY id"), {"ids": list(ids)}
            )
            return {row[0]: row[1] for row in result}

    async def close(self) -> None:
        await self._engine.dispose()
