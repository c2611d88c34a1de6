"""The `transactions` table as SQLAlchemy Core sees it.

The migrations under `migrations/versions/` create it; an integration test compares the migrated
database with this definition, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

DECISIONS = ("APPROVE", "REVIEW", "DECLINE")
LABELS = ("FRAUD", "LEGITIMATE")

transactions = sa.Table(
    "transactions",
    metadata,
    # Byte-order collation: the keyset cursor compares ids, and must order them the same everywhere.
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
    # The database's clock, so every store instance stamps rows alike.
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
    # Every index ends in (occurred_at, id) where the list orders by them, so a filtered page is an index range scan.
    sa.Index("transactions_occurred_at_id", "occurred_at", "id"),
    sa.Index("transactions_user_occurred_at_id", "user_id", "occurred_at", "id"),
    sa.Index("transactions_decision_occurred_at_id", "decision", "occurred_at", "id"),
    sa.Index(
        "transactions_label_occurred_at_id",
        "label",
        "occurred_at",
        "id",
        postgresql_where=sa.text("label IS NOT NULL"),
    ),
    sa.Index("transactions_score", "score"),
)
