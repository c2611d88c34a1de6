"""Create cases (one per REVIEW decision, opened by store as it stores the decision) and their notes.

A transaction has at most one case, so a case is named by its transaction's id: storing a decision
twice cannot open two. The columns a queue filters and sorts by (customer, merchant, score, event
time) are copied from the transaction when the case opens: they never change afterwards, and so the
queue's pages are index ranges on cases alone.

Store's group role may read, open and change cases and add notes; it deletes neither.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# A case changes status and assignee; a note, once written, never changes.
GRANTS = (
    "GRANT SELECT, INSERT, UPDATE ON cases TO fraudmesh_store",
    "GRANT SELECT, INSERT ON case_notes TO fraudmesh_store",
)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column(
            "transaction_id",
            sa.Text(collation="C"),
            sa.ForeignKey("transactions.id", name="cases_transaction_id_fkey"),
            primary_key=True,
        ),
        sa.Column("status", sa.Text, nullable=False, server_default="OPEN"),
        sa.Column("assignee", sa.Text, nullable=False, server_default=""),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("merchant_id", sa.Text, nullable=False, server_default=""),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('OPEN', 'INVESTIGATING', 'CLOSED_FRAUD', 'CLOSED_LEGITIMATE')", name="cases_status_known"
        ),
    )
    op.create_index("cases_opened_at_id", "cases", ["opened_at", "transaction_id"])
    op.create_index("cases_score_id", "cases", ["score", "transaction_id"])
    op.create_index("cases_status_opened_at_id", "cases", ["status", "opened_at", "transaction_id"])
    op.create_index("cases_assignee_opened_at_id", "cases", ["assignee", "opened_at", "transaction_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "case_id",
            sa.Text(collation="C"),
            sa.ForeignKey("cases.transaction_id", name="case_notes_case_id_fkey"),
            nullable=False,
        ),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("case_notes_case_id_id", "case_notes", ["case_id", "id"])
    # As migration 0005: the group only where it exists (a migrating user who may not create roles
    # made none, and its services connect as that user).
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'fraudmesh_store') THEN "
        + " ".join(f"EXECUTE '{grant}';" for grant in GRANTS)
        + " END IF; END $$"
    )


def downgrade() -> None:
    op.drop_table("case_notes")
    op.drop_table("cases")
