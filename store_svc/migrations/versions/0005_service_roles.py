"""Group roles, one per service, granted only what that service's code does in this database.

The runner (fraudctl/runtime/database_roles.py) makes a login role per service with a password and
puts it in its group; migrations keep running as the tables' owner, which no service role is or
belongs to: so no service can drop or disable audit_events' append-only triggers, alter a table or
create one. Roles belong to the cluster, grants to each database: every migrated database grants
again to the same groups.

What each service touches (read from its code when this was written):
- every service reads the valid API keys (fraudmesh/access/key_directory.py: id, role, key_hash,
  revoked_at) and may append to audit_events (fraudmesh/access/audit.py);
- ingest keeps idempotency claims (ingest_svc/idempotency_store.py: claim, renew, acknowledge,
  release, expire);
- store writes and reads transactions, dead letters and API keys (it creates and revokes them) and
  reads the audit trail for /api/audit; it deletes nothing.
Nobody but the owner may UPDATE, DELETE or TRUNCATE audit_events.

A database migrated by a user who may not create roles (a DATABASE_URL given for an existing
server) gets no groups and no grants: its services connect as that user, as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

EVERY_SERVICE = (
    "GRANT SELECT (id, role, key_hash, revoked_at) ON api_keys TO {group}",
    "GRANT INSERT ON audit_events TO {group}",
)
GRANTS = {
    "fraudmesh_edge": EVERY_SERVICE,
    "fraudmesh_notify": EVERY_SERVICE,
    "fraudmesh_scoring": EVERY_SERVICE,
    "fraudmesh_ingest": (*EVERY_SERVICE, "GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO {group}"),
    "fraudmesh_store": (
        *EVERY_SERVICE,
        "GRANT SELECT, INSERT, UPDATE ON transactions, dead_letters, api_keys TO {group}",
        "GRANT SELECT ON audit_events TO {group}",
    ),
}
TABLES = "transactions, dead_letters, idempotency_keys, api_keys, audit_events"


def _for_group(group: str, statements: tuple[str, ...]) -> str:
    """One DO block: the group made if missing (a concurrent migration of another database may make
    it first), then its grants; nothing at all when the migrating user may not create roles."""
    grants = "\n".join(f"    EXECUTE '{statement.format(group=group)}';" for statement in statements)
    # Our own constant names only, no input: DDL takes no bound parameters.
    return f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{group}') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE NOTICE 'cannot create role {group}: its grants are skipped';
            RETURN;
        END IF;
        BEGIN
            CREATE ROLE {group} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
{grants}
END $$
"""  # noqa: S608


def upgrade() -> None:
    # PostgreSQL 15 already refuses CREATE in schema public to PUBLIC; older servers allow it, which
    # would let any login role create tables outside the migrations.
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for group, statements in GRANTS.items():
        op.execute(_for_group(group, statements))


def downgrade() -> None:
    # The groups stay: they belong to the cluster, and other databases may still grant to them.
    # CREATE on schema public is not given back to PUBLIC: that default was never wanted.
    for group in GRANTS:
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{group}') THEN "  # noqa: S608
            f"EXECUTE 'REVOKE ALL ON {TABLES} FROM {group}'; END IF; END $$"
        )
