"""store_svc's tables as SQLAlchemy Core sees them.

The migrations under `migrations/versions/` create them; an integration test compares the migrated
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
    sa.Column("rule_set_version", sa.Text, nullable=False, server_default=""),  # migration 0006
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

# Records a hop set aside (fraud.v1.DeadLetter), read from the dead-letter topic; listed newest first.
dead_letters = sa.Table(
    "dead_letters",
    metadata,
    # Given by the hop; byte-order collation, as the keyset cursor compares ids.
    sa.Column("id", sa.Text(collation="C"), primary_key=True),
    sa.Column("hop", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    # The google.rpc.Status in full (code, message, details), as its protobuf bytes.
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
    # The list orders by (failed_at, id), filtered by hop or to those not replayed: each an index range.
    sa.Index("dead_letters_failed_at_id", "failed_at", "id"),
    sa.Index("dead_letters_hop_failed_at_id", "hop", "failed_at", "id"),
    sa.Index(
        "dead_letters_not_replayed_failed_at_id",
        "failed_at",
        "id",
        postgresql_where=sa.text("replayed_at IS NULL"),
    ),
)

# ingest_svc's claims of idempotency keys (ingest_svc/idempotency_store.py): a claim holds for a short
# lease until Kafka acknowledged its transaction (acknowledged_at), then for the window; expired rows
# are deleted by ingest in batches, oldest first.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("user_id", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("transaction_id", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("user_id", "key", name="idempotency_keys_pkey"),
    sa.Index("idempotency_keys_expires_at", "expires_at"),
)

# API keys, only as hashes (fraudmesh.access.api_keys); every service reads the valid ones.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("key_hash", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'analyst', 'admin', 'service')", name="api_keys_role"),
)

# Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE (migration 0004).
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("before", JSONB, nullable=True),
    sa.Column("after", JSONB, nullable=True),
    sa.Column("trace_id", sa.Text, nullable=False, server_default=""),
    sa.Column("client_address", sa.Text, nullable=False, server_default=""),
    sa.Index("audit_events_action_id", "action", "id"),
    sa.Index("audit_events_actor_id", "actor", "id"),
)


def _rule_columns() -> list[sa.Column]:
    """What one revision of a rule says, in the rule and in each of its kept revisions."""
    return [
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("score_delta", sa.Double, nullable=False, server_default="0"),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    ]


# Analysts' rules (migration 0006). Never deleted: `deleted_at` marks one gone, its history stays.
rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    *_rule_columns(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("action IN ('APPROVE', 'REVIEW', 'DECLINE', 'ADD_SCORE')", name="rules_action"),
    sa.CheckConstraint("status IN ('ACTIVE', 'SHADOW', 'DISABLED')", name="rules_status"),
    sa.Index("rules_live_name", "name", unique=True, postgresql_where=sa.text("deleted_at IS NULL")),
)

# Every revision of every rule, as written: (rule_id, version) is what a decision's reason names.
rule_versions = sa.Table(
    "rule_versions",
    metadata,
    sa.Column("rule_id", sa.Text, sa.ForeignKey("rules.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    *_rule_columns(),
    sa.Column("change", sa.Text, nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("change IN ('create', 'update', 'delete')", name="rule_versions_change"),
    # The rule-set version this revision made (migration 0008; before it, only each rule's latest has one).
    sa.Column("rule_set_version", sa.BigInteger, nullable=True),
    sa.Index("rule_versions_rule_set_version", "rule_set_version"),
)

rule_lists = sa.Table(
    "rule_lists",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("field", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("kind IN ('ALLOW', 'BLOCK', 'REFERENCE')", name="rule_lists_kind"),
)

rule_list_entries = sa.Table(
    "rule_list_entries",
    metadata,
    sa.Column("list_name", sa.Text, sa.ForeignKey("rule_lists.name", ondelete="CASCADE"), primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Each list and each entry between the rule-set version that made it and the one that ended it
# (migration 0008): what a past rule set's lists held (store_svc.rule_set_history).
rule_list_versions = sa.Table(
    "rule_list_versions",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("created_in", sa.BigInteger, primary_key=True),
    sa.Column("deleted_in", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("field", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

rule_list_entry_spans = sa.Table(
    "rule_list_entry_spans",
    metadata,
    sa.Column("list_name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("added_in", sa.BigInteger, primary_key=True),
    sa.Column("removed_in", sa.BigInteger, nullable=True),
)

# One row, raised with every change to rules and lists: what scoring polls to know it must reload.
rule_set = sa.Table(
    "rule_set",
    metadata,
    sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # The first version that can be read whole (migration 0008).
    sa.Column("history_from", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("id", name="rule_set_one_row"),
)

CASE_STATUSES = ("OPEN", "INVESTIGATING", "CLOSED_FRAUD", "CLOSED_LEGITIMATE")

# One per REVIEW decision, named by its transaction's id (migration 0007). The queue's filters and
# orders read only this table: customer, merchant, score and event time are copied at opening.
cases = sa.Table(
    "cases",
    metadata,
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
    sa.Index("cases_opened_at_id", "opened_at", "transaction_id"),
    sa.Index("cases_score_id", "score", "transaction_id"),
    sa.Index("cases_status_opened_at_id", "status", "opened_at", "transaction_id"),
    sa.Index("cases_assignee_opened_at_id", "assignee", "opened_at", "transaction_id"),
)

case_notes = sa.Table(
    "case_notes",
    metadata,
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
    sa.Index("case_notes_case_id_id", "case_id", "id"),
)
