"""Migration 0008 on a database that already had rules and lists: what it finds becomes the rule set
of the version it finds, readable whole at that version; older versions are refused, not guessed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from store_testing import create_database

from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.errors import InvalidArgument
from store_svc.migrate import upgrade
from store_svc.rule_set_history import RuleSetHistory

BEFORE = """
INSERT INTO rules (id, name, expression, action, priority, status, version, created_by, updated_by)
  VALUES ('r1', 'big', 'tx.amount > 500.0', 'DECLINE', 10, 'ACTIVE', 2, 'alice', 'bob'),
         ('r2', 'gone', 'tx.amount > 1.0', 'REVIEW', 20, 'ACTIVE', 2, 'alice', 'alice');
UPDATE rules SET deleted_at = now() WHERE id = 'r2';
INSERT INTO rule_versions (rule_id, version, name, expression, action, priority, status, change, changed_by)
  VALUES ('r1', 1, 'big', 'tx.amount > 900.0', 'DECLINE', 10, 'ACTIVE', 'create', 'alice'),
         ('r1', 2, 'big', 'tx.amount > 500.0', 'DECLINE', 10, 'ACTIVE', 'update', 'bob'),
         ('r2', 1, 'gone', 'tx.amount > 1.0', 'REVIEW', 20, 'ACTIVE', 'create', 'alice'),
         ('r2', 2, 'gone', 'tx.amount > 1.0', 'REVIEW', 20, 'ACTIVE', 'delete', 'alice');
INSERT INTO rule_lists (name, kind, field, created_by) VALUES ('blocked', 'BLOCK', 'user_id', 'alice');
INSERT INTO rule_list_entries (list_name, value, added_by) VALUES ('blocked', 'u-1', 'alice'), ('blocked', 'u-2', 'alice');
UPDATE rule_set SET version = 6;
"""


async def test_what_the_migration_finds_is_the_rule_set_of_the_version_it_finds(postgres: PostgresCluster):
    url = await create_database(postgres.url)
    await upgrade(url, "0007")
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for statement in filter(str.strip, BEFORE.split(";")):
                await connection.execute(text(statement))
        await upgrade(url)
        history = RuleSetHistory(engine)

        at_six = await history.rules_at(6)
        [(blocked, size)] = await history.lists_at(6)
        entries = await history.entries_at(6, "blocked", 10, "")
        with pytest.raises(InvalidArgument) as older:
            await history.rules_at(5)
    finally:
        await engine.dispose()

    assert [(r.id, r.version, r.definition.expression, r.updated_by) for r in at_six.rules] == [
        ("r1", 2, "tx.amount > 500.0", "bob")
    ]
    assert (blocked.name, blocked.kind, size, entries) == ("blocked", "BLOCK", 2, ["u-1", "u-2"])
    assert "kept whole from version 6 on" in str(older.value)
