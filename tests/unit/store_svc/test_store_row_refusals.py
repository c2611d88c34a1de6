"""What PostgreSQL refused in one row is named as the decision's field and a rule."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from fraud.v1 import decision_pb2

from fraudmesh.conversions.rows import row_from_scored
from store_svc.row_refusals import violations_of_refused_row


def valid_scored() -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(score=0.2, decision=decision_pb2.DECISION_APPROVE)
    scored.transaction.id = "tx-1"
    scored.transaction.input.user_id = "u"
    scored.transaction.input.amount.minor_units = 100
    scored.transaction.input.occurred_at.FromDatetime(datetime(2026, 1, 1, tzinfo=UTC))
    return scored


def named(row, error) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in violations_of_refused_row(row, error)]


def postgres_error(kind: type[asyncpg.PostgresError], **fields) -> asyncpg.PostgresError:
    """An error as asyncpg raises it from the server's message (fields such as constraint_name)."""
    return kind.new({"M": "refused", **fields})


def test_a_check_names_the_field_it_is_about():
    row = row_from_scored(valid_scored())

    error = postgres_error(asyncpg.CheckViolationError, C="23514", n="transactions_amount_positive")

    assert named(row, error) == [("transaction.input.amount.minor_units", "store.transactions_amount_positive")]


def test_a_missing_value_names_its_column_as_the_field():
    error = postgres_error(asyncpg.NotNullViolationError, C="23502", c="channel")

    assert named(row_from_scored(valid_scored()), error) == [("transaction.input.channel", "store.not_null")]


def test_text_that_postgresql_cannot_hold_is_found_wherever_it_is():
    scored = valid_scored()
    scored.transaction.input.location.city = "Zu\x00rich"
    scored.features["bad\x00name"] = 1.0
    scored.reasons.add(feature="amount", text="fine")
    scored.reasons.add(feature="amount", text="not\x00fine")
    scored.shadow_scores.add(model_version="v\x00", score=0.5, decision=1)

    error = postgres_error(asyncpg.CharacterNotInRepertoireError, C="22021")

    assert named(row_from_scored(scored), error) == [
        ("transaction.input.location.city", "store.no_nul_character"),
        ("reasons[1].text", "store.no_nul_character"),
        ("features['bad\\x00name']", "store.no_nul_character"),
        ("shadow_scores[0].model_version", "store.no_nul_character"),
    ]


def test_an_error_that_cannot_be_placed_refuses_the_whole_decision_in_postgresqls_words():
    error = postgres_error(asyncpg.NumericValueOutOfRangeError, C="22003", M="value out of range")

    (violation,) = violations_of_refused_row(row_from_scored(valid_scored()), error)

    assert (violation.field, violation.rule) == ("", "postgresql.22003")
    assert "value out of range" in violation.message
