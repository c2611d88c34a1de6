"""The fraud.v1 messages <-> rows of the `transactions` table, as dicts of column values.

Enums are stored by their stems ("APPROVE", "CARD_PRESENT", "FRAUD"; see enums), money as integer
minor units and a currency, timestamps as aware datetimes with PostgreSQL's microseconds (protobuf's
nanoseconds are truncated), features, reasons and shadow scores as JSON-ready lists and dicts.

A row read back gives the message stored, but for: timestamps to the microsecond; one `received_at`
(the stage time, else the transaction's), set on both; an unset event time as "when received" and an
empty currency as the default one; and no idempotency key, traceparent or published_at, which the
table has no column for (ingest, tracing and notify own them). `stored_at` is the database's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fraud.v1 import decision_pb2

from fraudmesh.conversions.enums import (
    CHANNEL_STORED_NAMES,
    CHANNEL_STORED_VALUES,
    DECISION_NAMES,
    DECISION_VALUES,
    LABEL_STORED_NAMES,
    LABEL_STORED_VALUES,
)
from fraudmesh.conversions.money import DEFAULT_CURRENCY
from fraudmesh.conversions.time import optional_datetime, set_optional_timestamp
from fraudmesh.timestamps import aware_datetime

# The columns row_from_scored fills, in its order; `stored_at` and `analyst` keep their defaults.
ROW_COLUMNS = (
    "id", "user_id", "amount_minor", "currency", "city", "country", "lat", "lon", "merchant_id", "channel",
    "occurred_at", "received_at", "scored_at", "score", "decision", "is_fraud", "reasons", "features",
    "model_version", "label", "labelled_at", "shadow_scores", "trace_id", "rule_set_version",
)  # fmt: skip
# What fill_transaction_and_label reads: a history replayed to warm scoring needs no more.
TRANSACTION_COLUMNS = (
    "id", "user_id", "amount_minor", "currency", "city", "country", "lat", "lon", "merchant_id", "channel",
    "occurred_at", "received_at", "label", "labelled_at",
)  # fmt: skip


def received_at_of(scored: decision_pb2.ScoredTransaction) -> datetime | None:
    """When ingest received it: the stage time, else the transaction's own stamp."""
    if scored.times.HasField("received_at"):
        return aware_datetime(scored.times.received_at)
    if scored.transaction.HasField("received_at"):
        return aware_datetime(scored.transaction.received_at)
    return None


def occurred_at_of(scored: decision_pb2.ScoredTransaction, received_at: datetime | None = None) -> datetime | None:
    """Event time; ingest leaves it unset to mean "when received", so that stands in for it
    (`received_at`, when the caller already has it)."""
    submitted = scored.transaction.input
    if submitted.HasField("occurred_at"):
        return aware_datetime(submitted.occurred_at)
    return received_at if received_at is not None else received_at_of(scored)


def row_from_scored(scored: decision_pb2.ScoredTransaction) -> dict[str, Any]:
    """Column values for one insert; `stored_at` is left to the database's clock.

    An undefined decision, label or channel becomes None rather than an error, so store's batch
    rules can check the row first and name every offending field.
    """
    transaction = scored.transaction
    submitted = transaction.input
    location = submitted.location
    amount = submitted.amount
    # Keys then lookups: dict() or items() of protobuf's map go through the slower generic Mapping mixins.
    features = scored.features
    received_at = received_at_of(scored)
    decision_names = DECISION_NAMES
    return {
        "id": transaction.id,
        "user_id": submitted.user_id,
        "amount_minor": amount.minor_units,
        "currency": amount.currency or DEFAULT_CURRENCY,
        "city": location.city,
        "country": location.country,
        "lat": location.lat if location.HasField("lat") else None,
        "lon": location.lon if location.HasField("lon") else None,
        "merchant_id": submitted.merchant_id,
        "channel": CHANNEL_STORED_NAMES.get(submitted.channel),
        "occurred_at": occurred_at_of(scored, received_at),
        "received_at": received_at,
        "scored_at": optional_datetime(scored.times, "scored_at"),
        "score": scored.score,
        "decision": decision_names.get(scored.decision),
        "is_fraud": scored.is_fraud,
        "reasons": [
            {"feature": reason.feature, "text": reason.text, "contribution": reason.contribution}
            for reason in scored.reasons
        ],
        "features": {name: features[name] for name in features},
        "model_version": scored.model_version,
        "label": LABEL_STORED_NAMES.get(scored.label),
        "labelled_at": optional_datetime(scored, "labelled_at"),
        "shadow_scores": [
            {
                "model_version": shadow.model_version,
                "score": shadow.score,
                "decision": decision_names.get(shadow.decision),
            }
            for shadow in scored.shadow_scores
        ],
        "trace_id": scored.trace_id,
        "rule_set_version": scored.rule_set_version,
    }


def scored_from_row(row: Mapping[Any, Any]) -> decision_pb2.ScoredTransaction:
    """The message a full row holds, `stored_at` included."""
    decision_values = DECISION_VALUES
    scored = decision_pb2.ScoredTransaction(
        score=row["score"],
        decision=decision_values[row["decision"]],
        is_fraud=row["is_fraud"],
        model_version=row["model_version"],
        features=row["features"],
        trace_id=row["trace_id"],
        rule_set_version=row["rule_set_version"],
        reasons=[decision_pb2.Reason(**reason) for reason in row["reasons"]],
        shadow_scores=[
            decision_pb2.ShadowScore(
                model_version=shadow["model_version"],
                score=shadow["score"],
                decision=decision_values[shadow["decision"]],
            )
            for shadow in row["shadow_scores"]
        ],
    )
    fill_transaction_and_label(scored, row)
    times = scored.times
    set_optional_timestamp(times.received_at, row["received_at"])
    set_optional_timestamp(times.scored_at, row["scored_at"])
    set_optional_timestamp(times.stored_at, row["stored_at"])
    return scored


def fill_transaction_and_label(scored: decision_pb2.ScoredTransaction, row: Mapping[Any, Any]) -> None:
    """Sets the row's transaction, label and labelling time on `scored` (a history's row, filled in
    place: scoring warms a customer with 500 of them). Each nested message is looked up once."""
    if row["label"] is not None:
        scored.label = LABEL_STORED_VALUES[row["label"]]
    set_optional_timestamp(scored.labelled_at, row["labelled_at"])

    transaction = scored.transaction
    transaction.id = row["id"]
    set_optional_timestamp(transaction.received_at, row["received_at"])
    submitted = transaction.input
    submitted.user_id = row["user_id"]
    submitted.merchant_id = row["merchant_id"]
    submitted.channel = CHANNEL_STORED_VALUES[row["channel"]]
    amount = submitted.amount
    amount.minor_units = row["amount_minor"]
    amount.currency = row["currency"]
    location = submitted.location
    location.city = row["city"]
    location.country = row["country"]
    if row["lat"] is not None:
        location.lat = row["lat"]
    if row["lon"] is not None:
        location.lon = row["lon"]
    set_optional_timestamp(submitted.occurred_at, row["occurred_at"])
