"""How many rules, lists and list entries store keeps (docs/limits.md, the rules row). Scoring loads
and compiles every live rule and reads every list again on each change to the rule set, and each
live rule is evaluated on every transaction: without these bounds one analyst's script could make
every scoring instance slow or out of memory. Each check runs inside the change's transaction, after
the rule set's row (or the list's row) is locked, so two concurrent changes cannot both pass it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fraudmesh.errors import FieldViolation, InvalidArgument
from store_svc.schema import rule_lists, rules

MAX_RULES = 500  # live rules (deleted ones keep their revisions and do not count)
MAX_LISTS = 100
MAX_LIST_ENTRIES = 1_000_000  # per list
# GetRule answers the newest this many revisions; all are kept (a decision names the revision that
# fired, and a backtest of a past rule-set version reads them), one row per analyst's change.
REVISIONS_SHOWN = 100


async def refuse_beyond_max_rules(connection: AsyncConnection) -> None:
    live = await connection.scalar(sa.select(sa.func.count()).select_from(rules).where(rules.c.deleted_at.is_(None)))
    if int(live or 0) > MAX_RULES:
        raise InvalidArgument(
            [
                FieldViolation(
                    "definition",
                    "rule_set.max_rules",
                    f"the rule set holds at most {MAX_RULES} live rules: delete one before creating another",
                )
            ]
        )


async def refuse_beyond_max_lists(connection: AsyncConnection) -> None:
    count = await connection.scalar(sa.select(sa.func.count()).select_from(rule_lists))
    if int(count or 0) > MAX_LISTS:
        raise InvalidArgument(
            [
                FieldViolation(
                    "name",
                    "rule_set.max_lists",
                    f"at most {MAX_LISTS} lists are kept: delete one before creating another",
                )
            ]
        )


def refuse_beyond_max_entries(name: str, size: int) -> None:
    if size > MAX_LIST_ENTRIES:
        raise InvalidArgument(
            [
                FieldViolation(
                    "values",
                    "rule_list.max_entries",
                    f"list {name!r} would hold {size:,} entries, more than the {MAX_LIST_ENTRIES:,} a list keeps",
                )
            ]
        )
