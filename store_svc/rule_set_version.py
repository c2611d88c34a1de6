"""The rule set's version: one row, raised in the transaction of every change to a rule, a list or
an entry, so that a scoring instance learns of any change by reading one number."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from store_svc.schema import rule_set


async def raise_version(connection: AsyncConnection) -> int:
    """The new version. Also orders concurrent changes: the row stays locked until they commit."""
    version = await connection.scalar(
        sa.update(rule_set)
        .values(version=rule_set.c.version + 1, changed_at=sa.func.now())
        .returning(rule_set.c.version)
    )
    assert version is not None, "migration 0006 inserts the rule_set row"
    return int(version)


async def current_version(connection: AsyncConnection) -> sa.Row:
    return (await connection.execute(sa.select(rule_set.c.version, rule_set.c.changed_at))).one()
