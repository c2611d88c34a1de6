"""Each service's own PostgreSQL role can do what its code does and nothing more: read the valid API
keys and append to the audit trail (every service), keep idempotency claims (ingest), keep
transactions, dead letters and keys and read the trail (store). None may change or remove an audit
row, disable or drop the trail's triggers, or change the schema: migrations run as the owner."""

from __future__ import annotations

import asyncpg
import pytest
from fraud.v1 import options_pb2
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudctl.runtime.credentials import SERVICES
from fraudctl.runtime.database_roles import login_role
from fraudmesh.access.audit import AuditLog
from fraudmesh.access.key_directory import KeyDirectory
from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.settings import asyncpg_dsn
from store_svc.access_repository import AccessRepository
from tests.access_keys import TESTER

# Statements that check the privilege and touch no row (`WHERE false`): the privilege is what is tested.
READ_KEYS = "SELECT id, role, key_hash FROM api_keys WHERE revoked_at IS NULL AND false"
ADD_AUDIT = "INSERT INTO audit_events (actor, role, action, target) SELECT 'a', 'admin', 'b', 'c' WHERE false"
KEEP_CLAIMS = [
    "SELECT transaction_id FROM idempotency_keys WHERE false",
    "INSERT INTO idempotency_keys (user_id, key, transaction_id, received_at, expires_at) "
    "SELECT 'u', 'k', 't', now(), now() WHERE false",
    "UPDATE idempotency_keys SET acknowledged_at = now() WHERE false",
    "DELETE FROM idempotency_keys WHERE false",
]
KEEP_RECORDS = [
    "SELECT * FROM transactions WHERE false",
    "SELECT * FROM dead_letters WHERE false",
    "SELECT * FROM api_keys WHERE false",
    "SELECT * FROM audit_events WHERE false",
    "UPDATE transactions SET label = 'FRAUD' WHERE false",
    "UPDATE dead_letters SET replay_count = replay_count + 1 WHERE false",
    "UPDATE api_keys SET revoked_at = now() WHERE false",
    "INSERT INTO dead_letters (id, hop, error, payload, failed_at) SELECT 'x', 'h', '', '', now() WHERE false",
    "SELECT * FROM cases WHERE false",
    "INSERT INTO cases (transaction_id, user_id, score, occurred_at) SELECT 't', 'u', 0.5, now() WHERE false",
    "UPDATE cases SET status = 'CLOSED_FRAUD' WHERE false",
    "SELECT * FROM case_notes WHERE false",
    "INSERT INTO case_notes (case_id, author, text) SELECT 't', 'a', 'n' WHERE false",
]
# Rules and lists (store_svc/rule_repository.py, rule_list_repository.py): scoring reads them through store.
KEEP_RULES = [
    "SELECT * FROM rules WHERE false",
    "UPDATE rules SET deleted_at = now() WHERE false",
    "INSERT INTO rule_versions (rule_id, version, name, expression, action, priority, status, change, changed_by) "
    "SELECT 'r', 1, 'n', 'true', 'DECLINE', 1, 'ACTIVE', 'create', 'a' WHERE false",
    "UPDATE rule_set SET version = version + 1 WHERE false",
    "DELETE FROM rule_list_entries WHERE false",
    "DELETE FROM rule_lists WHERE false",
]
ALLOWED = {
    "edge": [READ_KEYS, ADD_AUDIT],
    "notify": [READ_KEYS, ADD_AUDIT],
    "scoring": [READ_KEYS, ADD_AUDIT],
    "ingest": [READ_KEYS, ADD_AUDIT, *KEEP_CLAIMS],
    "store": [READ_KEYS, ADD_AUDIT, *KEEP_RECORDS, *KEEP_RULES],
}
OTHERS_RECORDS = [
    "SELECT * FROM transactions WHERE false",
    "SELECT * FROM dead_letters WHERE false",
    "SELECT * FROM audit_events WHERE false",
    "SELECT * FROM cases WHERE false",
    "SELECT * FROM case_notes WHERE false",
    "SELECT name, created_by FROM api_keys WHERE false",
    "INSERT INTO api_keys (id, name, role, prefix, key_hash, created_by) SELECT 'i', 'n', 'admin', 'p', '', 'c' WHERE false",
    "UPDATE api_keys SET revoked_at = NULL WHERE false",
    "SELECT * FROM rules WHERE false",
    "SELECT * FROM rule_list_entries WHERE false",
    "UPDATE rule_set SET version = 0 WHERE false",
]
REFUSED = {
    "edge": [*OTHERS_RECORDS, *KEEP_CLAIMS],
    "notify": [*OTHERS_RECORDS, *KEEP_CLAIMS],
    "scoring": [*OTHERS_RECORDS, *KEEP_CLAIMS],
    "ingest": OTHERS_RECORDS,
    "store": [
        *KEEP_CLAIMS,
        "DELETE FROM transactions WHERE false",
        "DELETE FROM dead_letters WHERE false",
        "DELETE FROM api_keys WHERE false",
        # A rule is marked deleted, never removed; a revision stays as written.
        "DELETE FROM rules WHERE false",
        "DELETE FROM rule_versions WHERE false",
        "UPDATE rule_versions SET expression = 'true' WHERE false",
        "DELETE FROM cases WHERE false",
        "DELETE FROM case_notes WHERE false",
        # A note, once written, stays as written; so does a list's entry.
        "UPDATE case_notes SET text = 'rewritten' WHERE false",
        "UPDATE rule_list_entries SET value = 'other' WHERE false",
    ],
}
# What no service may do, whatever it is granted: the trail stays as written, the schema as migrated.
NOBODY = [
    "UPDATE audit_events SET actor = 'someone else'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_events_no_truncate ON audit_events",
    "DROP TABLE audit_events",
    "CREATE TABLE shadow_audit (id bigint)",
    "ALTER TABLE transactions ADD COLUMN note text",
    "CREATE INDEX transactions_note ON transactions (analyst)",
    "DROP FUNCTION audit_events_append_only() CASCADE",
]


def _cases(statements: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(service, statement) for service, listed in statements.items() for statement in listed]


async def _execute_as(url: str, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        async with connection.transaction():
            await connection.execute(statement)
            raise _RollBack  # allowed or not, leave nothing behind
    except _RollBack:
        pass
    finally:
        await connection.close()


class _RollBack(Exception):
    pass


@pytest.fixture(scope="module")
async def an_audit_row(roles_database_url: str) -> None:
    """A row in audit_events, so an UPDATE or DELETE that were allowed would meet one (and its trigger)."""
    engine = create_async_engine(roles_database_url, poolclass=NullPool)
    try:
        await AccessRepository(engine).create_key("gives the trail a row", options_pb2.ROLE_VIEWER, by=TESTER)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("service", "statement"), _cases(ALLOWED))
async def test_a_service_role_may_do_what_its_code_does(service_urls: dict[str, str], service: str, statement: str):
    await _execute_as(service_urls[service], statement)


@pytest.mark.parametrize(("service", "statement"), _cases(REFUSED))
async def test_a_service_role_may_not_touch_what_its_code_does_not(
    service_urls: dict[str, str], service: str, statement: str
):
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await _execute_as(service_urls[service], statement)


@pytest.mark.parametrize("statement", NOBODY)
@pytest.mark.parametrize("service", SERVICES)
async def test_no_service_role_may_change_the_audit_trail_or_the_schema(
    service_urls: dict[str, str], an_audit_row: None, service: str, statement: str
):
    with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
        await _execute_as(service_urls[service], statement)
    # Refused for want of a privilege or ownership, not by the append-only trigger (the owner's last guard).
    assert "append-only" not in str(refused.value)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_finds_the_valid_keys_and_appends_audit_rows_through_its_own_code(
    roles_database_url: str, service_urls: dict[str, str], service: str
):
    owner = create_async_engine(roles_database_url, poolclass=NullPool)
    try:
        made = await AccessRepository(owner).create_key(f"read by {service}", options_pb2.ROLE_SERVICE, by=TESTER)
    finally:
        await owner.dispose()
    keys = KeyDirectory(service_urls[service], refresh_seconds=60)
    await keys.start()
    await keys.stop()
    audit = AuditLog(service_urls[service])
    await audit.start()
    token = current_principal.set(Principal(f"key:{service}", frozenset({"service"})))
    try:
        await audit.record("roles.checked", service)
    finally:
        current_principal.reset(token)
        await audit.stop()

    found = keys.find(made.key)
    assert found is not None and found.id == made.api_key.id
    connection = await asyncpg.connect(asyncpg_dsn(roles_database_url), timeout=10)
    try:
        actor = await connection.fetchval("SELECT actor FROM audit_events WHERE target = $1", service)
    finally:
        await connection.close()
    assert actor == f"key:{service}"


async def test_store_creates_revokes_and_reads_keys_and_the_trail_through_its_own_code(service_urls: dict[str, str]):
    engine = create_async_engine(service_urls["store"], poolclass=NullPool)
    repository = AccessRepository(engine)
    try:
        made = await repository.create_key("made by store", options_pb2.ROLE_ANALYST, by=TESTER)
        revoked = await repository.revoke_key(made.api_key.id, by=TESTER)
        page = await repository.audit_page("", "", made.api_key.id, 10, "")
    finally:
        await engine.dispose()
    assert revoked.HasField("revoked_at")
    assert [event.action for event in page.events] == ["api_key.revoke", "api_key.create"]


async def test_no_service_role_owns_anything_or_stands_above_the_owner(
    roles_database_url: str, service_urls: dict[str, str]
):
    logins = [login_role(service) for service in SERVICES]
    connection = await asyncpg.connect(asyncpg_dsn(roles_database_url), timeout=10)
    try:
        owned = await connection.fetch(
            "SELECT c.relname, r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname LIKE 'fraudmesh\\_%'"
        )
        powers = await connection.fetch(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, pg_has_role(rolname, 'fraud', 'MEMBER') "
            "AS in_owner FROM pg_roles WHERE rolname = ANY($1::text[])",
            logins,
        )
    finally:
        await connection.close()
    assert owned == []
    assert sorted(row["rolname"] for row in powers) == sorted(logins)
    assert not [row["rolname"] for row in powers if any(list(row.values())[1:])]
