"""Which lists a rule's expression names, and holding them while the rule is written. The names are
read from the text as `lists.<name>` (the only way a rule reaches a list); a name inside a string
literal is also taken, which costs at most a lock on a row nobody is deleting."""

from __future__ import annotations

import re
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from store_svc.schema import rule_lists

_NAMED_LIST = re.compile(r"(?<![\w.])lists\s*\.\s*([A-Za-z_]\w*)")


def list_names_in(expression: str) -> set[str]:
    return set(_NAMED_LIST.findall(expression))


async def lock_named_lists(connection: AsyncConnection, names: Collection[str]) -> set[str]:
    """The named lists that exist, each row key-share locked until the transaction ends: a deletion
    (which takes the row's update lock) waits for the rule's write, and a rule's write waits for a
    deletion in progress and then finds the row gone. Entry changes (no-key update locks) are not held up."""
    if not names:
        return set()
    query = (
        sa.select(rule_lists.c.name)
        .where(rule_lists.c.name.in_(sorted(names)))
        .order_by(rule_lists.c.name)
        .with_for_update(key_share=True, read=True)
    )
    return set((await connection.scalars(query)).all())
