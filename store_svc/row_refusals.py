"""Names what PostgreSQL refused in one row, as the decision's field and a rule, for its refusal.

PostgreSQL says which constraint or column an integrity error is about; a data error (class 22)
names neither, so the row's text is searched for the NUL character, the one character a protobuf
string can hold and PostgreSQL's text cannot. What cannot be placed is refused as the whole
decision, with PostgreSQL's own words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import asyncpg

from fraudmesh.errors import FieldViolation

# Each CHECK of the transactions table (store_svc/schema.py): the field it is about and what it asks.
CHECKED_FIELDS = {
    "transactions_amount_positive": ("transaction.input.amount.minor_units", "must be positive"),
    "transactions_score_range": ("score", "must be a number from 0 to 1"),
    "transactions_decision_known": ("decision", "must be APPROVE, REVIEW or DECLINE"),
    "transactions_label_known": ("label", "must be FRAUD or LEGITIMATE when set"),
}
# Each column row_from_scored fills: the field of the decision it comes from.
COLUMN_FIELDS = {
    "id": "transaction.id",
    "user_id": "transaction.input.user_id",
    "amount_minor": "transaction.input.amount.minor_units",
    "currency": "transaction.input.amount.currency",
    "city": "transaction.input.location.city",
    "country": "transaction.input.location.country",
    "lat": "transaction.input.location.lat",
    "lon": "transaction.input.location.lon",
    "merchant_id": "transaction.input.merchant_id",
    "channel": "transaction.input.channel",
    "occurred_at": "transaction.input.occurred_at",
    "received_at": "times.received_at",
    "scored_at": "times.scored_at",
    "score": "score",
    "decision": "decision",
    "is_fraud": "is_fraud",
    "reasons": "reasons",
    "features": "features",
    "model_version": "model_version",
    "label": "label",
    "labelled_at": "labelled_at",
    "shadow_scores": "shadow_scores",
    "trace_id": "trace_id",
    "rule_set_version": "rule_set_version",
}
NUL_RULE = "store.no_nul_character"
NUL_MESSAGE = "must not contain the NUL character (U+0000), which PostgreSQL text cannot hold"


def violations_of_refused_row(row: Mapping[str, Any], error: BaseException) -> list[FieldViolation]:
    """Why PostgreSQL refused `row` (row_from_scored's) with `error`, naming fields of the decision."""
    if isinstance(error, asyncpg.CheckViolationError) and error.constraint_name in CHECKED_FIELDS:
        field, message = CHECKED_FIELDS[error.constraint_name]
        return [FieldViolation(field, f"store.{error.constraint_name}", message)]
    if isinstance(error, asyncpg.NotNullViolationError) and error.column_name in COLUMN_FIELDS:
        return [FieldViolation(COLUMN_FIELDS[error.column_name], "store.not_null", "is required")]
    if isinstance(error, asyncpg.DataError):
        holding_nul = [FieldViolation(field, NUL_RULE, NUL_MESSAGE) for field in _fields_holding_nul(row)]
        if holding_nul:
            return holding_nul
    sqlstate = getattr(error, "sqlstate", None) or "unknown"
    return [FieldViolation("", f"postgresql.{sqlstate}", f"PostgreSQL cannot store this decision: {error}")]


def _fields_holding_nul(row: Mapping[str, Any]) -> Iterator[str]:
    for column, field in COLUMN_FIELDS.items():
        value = row.get(column)
        if isinstance(value, str) and "\x00" in value:
            yield field
    for index, reason in enumerate(row.get("reasons") or ()):
        for key in ("feature", "text"):
            if "\x00" in reason[key]:
                yield f"reasons[{index}].{key}"
    for name in row.get("features") or {}:
        if "\x00" in name:
            yield f"features[{name!r}]"
    for index, shadow in enumerate(row.get("shadow_scores") or ()):
        if "\x00" in shadow["model_version"]:
            yield f"shadow_scores[{index}].model_version"
