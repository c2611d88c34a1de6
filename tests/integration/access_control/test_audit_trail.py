"""The audit trail in the real PostgreSQL: rows are appended with who, what and the state before and
after, and the database itself refuses to change or remove them."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudmesh.access.audit import AuditLog
from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.settings import asyncpg_dsn
from store_svc.access_repository import AccessRepository
from tests.access_keys import TESTER


async def test_an_audited_change_names_who_made_it_and_the_state_before_and_after(access_database_url):
    audit = AuditLog(access_database_url)
    await audit.start()
    token = current_principal.set(Principal("key:abc0123456", frozenset({"admin"}), "ipv4:127.0.0.1:4242"))
    try:
        await audit.record("model.activate", "v7", {"active": "v6"}, {"active": "v7"})
    finally:
        current_principal.reset(token)
        await audit.stop()
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    page = await AccessRepository(engine).audit_page("key:abc0123456", "model.activate", "", 10, "")
    await engine.dispose()
    [event] = page.events
    assert (event.actor, event.action, event.target) == ("key:abc0123456", "model.activate", "v7")
    assert event.before == '{"active": "v6"}' and event.after == '{"active": "v7"}'
    assert event.client_address == "ipv4:127.0.0.1:4242"
    assert event.role == 3  # ROLE_ADMIN


async def test_creating_and_revoking_a_key_is_audited_and_pages_come_newest_first(access_database_url):
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    repository = AccessRepository(engine)
    created = await repository.create_key("audited", 1, by=TESTER)
    await repository.revoke_key(created.api_key.id, by=TESTER)
    await repository.revoke_key(created.api_key.id, by=TESTER)  # again: nothing changes, nothing recorded
    first = await repository.audit_page("", "", created.api_key.id, 1, "")
    second = await repository.audit_page("", "", created.api_key.id, 1, first.next_page_token)
    await engine.dispose()
    assert [first.events[0].action, second.events[0].action] == ["api_key.revoke", "api_key.create"]
    assert second.next_page_token == ""
    assert all(event.actor == "operator:tests" for event in (*first.events, *second.events))


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events", "TRUNCATE audit_events"],
)
async def test_the_database_refuses_to_change_or_remove_audit_rows(access_database_url, statement):
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    await AccessRepository(engine).create_key("makes a row", 1, by=TESTER)
    await engine.dispose()
    connection = await asyncpg.connect(asyncpg_dsn(access_database_url))
    try:
        before = await connection.fetchval("SELECT count(*) FROM audit_events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await connection.execute(statement)
        assert await connection.fetchval("SELECT count(*) FROM audit_events") == before
    finally:
        await connection.close()
