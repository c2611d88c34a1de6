"""Analysts' rules and lists: rules (a CEL expression, its action, priority and status) with every
revision kept in rule_versions, named lists with their entries, and the rule set's version, which
every change raises in the same transaction so that scoring can poll one cheap row to learn that it
must reload (docs/rules.md).

Only store's code touches these tables (scoring reads the rule set through RuleService): store's
group may read and write them, and delete list entries and lists; a rule is never deleted, only
marked so (its history stays readable), and a revision is never changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTIONS = "action IN ('APPROVE', 'REVIEW', 'DECLINE', 'ADD_SCORE')"
STATUSES = "status IN ('ACTIVE', 'SHADOW', 'DISABLED')"
STORE_GRANTS = (
    "GRANT SELECT, INSERT, UPDATE ON rules TO fraudmesh_store",
    "GRANT SELECT, INSERT ON rule_versions TO fraudmesh_store",
    # UPDATE on rule_lists only for SELECT ... FOR UPDATE, which serialises changes to one list.
    "GRANT SELECT, INSERT, UPDATE, DELETE ON rule_lists TO fraudmesh_store",
    "GRANT SELECT, INSERT, DELETE ON rule_list_entries TO fraudmesh_store",
    "GRANT SELECT, UPDATE ON rule_set TO fraudmesh_store",
)
TABLES = "rules, rule_versions, rule_lists, rule_list_entries, rule_set"


def _rule_columns() -> list[sa.Column]:
    return [
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("score_delta", sa.Double, nullable=False, server_default="0"),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    ]


def upgrade() -> None:
    # Which rule set each decision was taken with ("" before rules existed, or without any).
    op.add_column("transactions", sa.Column("rule_set_version", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "rules",
        sa.Column("id", sa.Text, primary_key=True),
        *_rule_columns(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(ACTIONS, name="rules_action"),
        sa.CheckConstraint(STATUSES, name="rules_status"),
    )
    # A name names one rule among those not deleted; a deleted rule's name may be used again.
    op.create_index("rules_live_name", "rules", ["name"], unique=True, postgresql_where=sa.text("deleted_at IS NULL"))
    op.create_table(
        "rule_versions",
        sa.Column("rule_id", sa.Text, sa.ForeignKey("rules.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        *_rule_columns(),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("change IN ('create', 'update', 'delete')", name="rule_versions_change"),
    )
    op.create_table(
        "rule_lists",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('ALLOW', 'BLOCK', 'REFERENCE')", name="rule_lists_kind"),
    )
    op.create_table(
        "rule_list_entries",
        sa.Column("list_name", sa.Text, sa.ForeignKey("rule_lists.name", ondelete="CASCADE"), primary_key=True),
        sa.Column("value", sa.Text, primary_key=True),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # One row: raised by every change to a rule, a list or an entry, read by every scoring instance.
    op.create_table(
        "rule_set",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id", name="rule_set_one_row"),
    )
    op.execute("INSERT INTO rule_set (id) VALUES (true)")
    grants = "\n".join(f"    EXECUTE '{statement}';" for statement in STORE_GRANTS)
    # Our own constant names only, no input: DDL takes no bound parameters. No group (a database
    # migrated by a user who may not create roles, migration 0005): no grants.
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'fraudmesh_store') THEN\n{grants}\nEND IF; END $$"
    )


def downgrade() -> None:
    op.drop_table("rule_set")
    op.drop_table("rule_list_entries")
    op.drop_table("rule_lists")
    op.drop_table("rule_versions")
    op.drop_index("rules_live_name", table_name="rules")
    op.drop_table("rules")
    op.drop_column("transactions", "rule_set_version")
