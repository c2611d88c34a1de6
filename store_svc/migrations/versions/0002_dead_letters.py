"""Create the dead_letters table: records a hop set aside, kept to be listed and replayed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Text(collation="C"), primary_key=True),
        sa.Column("hop", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("error", sa.LargeBinary, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source_topic", sa.Text, nullable=False, server_default=""),
        sa.Column("source_partition", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source_offset", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("transaction_id", sa.Text, nullable=False, server_default=""),
        sa.Column("trace_id", sa.Text, nullable=False, server_default=""),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replay_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("dead_letters_failed_at_id", "dead_letters", ["failed_at", "id"])
    op.create_index("dead_letters_hop_failed_at_id", "dead_letters", ["hop", "failed_at", "id"])
    op.create_index(
        "dead_letters_not_replayed_failed_at_id",
        "dead_letters",
        ["failed_at", "id"],
        postgresql_where=sa.text("replayed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
