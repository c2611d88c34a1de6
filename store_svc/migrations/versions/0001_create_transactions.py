"""Create the transactions table and the indexes behind the list filters.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transactions",
        sa.Column("id", sa.Text(collation="C"), primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("city", sa.Text, nullable=False, server_default=""),
        sa.Column("country", sa.Text, nullable=False, server_default=""),
        sa.Column("lat", sa.Double, nullable=True),
        sa.Column("lon", sa.Double, nullable=True),
        sa.Column("merchant_id", sa.Text, nullable=False, server_default=""),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("is_fraud", sa.Boolean, nullable=False),
        sa.Column("reasons", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("features", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("model_version", sa.Text, nullable=False, server_default=""),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("analyst", sa.Text, nullable=False, server_default=""),
        sa.Column("shadow_scores", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("trace_id", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("amount_minor > 0", name="transactions_amount_positive"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="transactions_score_range"),
        sa.CheckConstraint("decision IN ('APPROVE', 'REVIEW', 'DECLINE')", name="transactions_decision_known"),
        sa.CheckConstraint("label IS NULL OR label IN ('FRAUD', 'LEGITIMATE')", name="transactions_label_known"),
    )
    op.create_index("transactions_occurred_at_id", "transactions", ["occurred_at", "id"])
    op.create_index("transactions_user_occurred_at_id", "transactions", ["user_id", "occurred_at", "id"])
    op.create_index("transactions_decision_occurred_at_id", "transactions", ["decision", "occurred_at", "id"])
    op.create_index(
        "transactions_label_occurred_at_id",
        "transactions",
        ["label", "occurred_at", "id"],
        postgresql_where=sa.text("label IS NOT NULL"),
    )
    op.create_index("transactions_score", "transactions", ["score"])


def downgrade() -> None:
    op.drop_table("transactions")
