"""What PostgreSQL holds after a run: each accepted transaction stored exactly once."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


class StoredRows:
    def __init__(self, database_url: str):
        self._engine = create_async_engine(database_url, pool_size=2)

    async def total(self) -> int:
        async with self._engine.connect() as connection:
            return (await connection.execute(sa.text("SELECT count(*) FROM transactions"))).scalar_one()

    async def count_of(self, ids: Sequence[str]) -> int:
        """Rows among `ids` (the id is the primary key, so a row can only be there once)."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.text("SELECT count(*) FROM transactions WHERE id = ANY(:ids)"), {"ids": list(ids)}
            )
            return result.scalar_one()

    async def close(self) -> None:
        await self._engine.dispose()
