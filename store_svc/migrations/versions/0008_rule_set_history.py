"""Keep the rule set's history by version, so that a past rule set can be read whole (a backtest of
`--ruleset N`, ListRules / ListRuleLists / ListRuleListEntries with `at_version`).

- `rule_versions.rule_set_version`: the rule-set version each revision made.
- `rule_list_versions`: each list from the version that created it to the one that deleted it.
- `rule_list_entry_spans`: each entry from the version that added it to the one that removed it
  (an entry added, removed and added again has two spans).
- `rule_set.history_from`: the first version that can be read whole. What this migration finds is
  recorded as of the version it finds (each rule's latest revision, every list and entry); earlier
  versions of a database that had rules before it cannot be rebuilt and are refused.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STORE_GRANTS = (
    "GRANT SELECT, INSERT, UPDATE ON rule_list_versions TO fraudmesh_store",
    "GRANT SELECT, INSERT, UPDATE ON rule_list_entry_spans TO fraudmesh_store",
)


def upgrade() -> None:
    op.add_column("rule_set", sa.Column("history_from", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE rule_set SET history_from = version")
    op.add_column("rule_versions", sa.Column("rule_set_version", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE rule_versions SET rule_set_version = (SELECT version FROM rule_set) "
        "FROM rules WHERE rule_versions.rule_id = rules.id AND rule_versions.version = rules.version"
    )
    op.create_index("rule_versions_rule_set_version", "rule_versions", ["rule_set_version"])
    op.create_table(
        "rule_list_versions",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("created_in", sa.BigInteger, primary_key=True),
        sa.Column("deleted_in", sa.BigInteger, nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute(
        "INSERT INTO rule_list_versions (name, created_in, kind, field, description, created_by, created_at) "
        "SELECT name, (SELECT version FROM rule_set), kind, field, description, created_by, created_at FROM rule_lists"
    )
    op.create_table(
        "rule_list_entry_spans",
        sa.Column("list_name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, primary_key=True),
        sa.Column("added_in", sa.BigInteger, primary_key=True),
        sa.Column("removed_in", sa.BigInteger, nullable=True),
    )
    op.execute(
        "INSERT INTO rule_list_entry_spans (list_name, value, added_in) "
        "SELECT list_name, value, (SELECT version FROM rule_set) FROM rule_list_entries"
    )
    grants = "\n".join(f"    EXECUTE '{statement}';" for statement in STORE_GRANTS)
    # Our own constant names only, no input (as in 0006): no group, no grants.
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'fraudmesh_store') THEN\n{grants}\nEND IF; END $$"
    )


def downgrade() -> None:
    op.drop_table("rule_list_entry_spans")
    op.drop_table("rule_list_versions")
    op.drop_index("rule_versions_rule_set_version", table_name="rule_versions")
    op.drop_column("rule_versions", "rule_set_version")
    op.drop_column("rule_set", "history_from")
