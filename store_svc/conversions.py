"""Conversions between the fraud.v1 messages and rows of the `transactions` table.

Enums are stored by name without their prefix ("APPROVE", "CARD_PRESENT", "FRAUD") so the table
reads well in psql; timestamps keep PostgreSQL's microseconds (protobuf nanoseconds are truncated).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fraud.v1 import decision_pb2, store_service_pb2, transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.timestamps import aware_datetime, set_timestamp
from store_svc.filters import TransactionFilters
from store_svc.statistics import Statistics

DEFAULT_CURRENCY = "USD"
# The columns row_from_scored fills, in its order; `stored_at` and `analyst` keep their defaults.
ROW_COLUMNS = (
    "id", "user_id", "amount_minor", "currency", "city", "country", "lat", "lon", "merchant_id", "channel",
    "occurred_at", "received_at", "scored_at", "score", "decision", "is_fraud", "reasons", "features",
    "model_version", "label", "labelled_at", "shadow_scores", "trace_id",
)  # fmt: skip


def _names_without_prefix(enum_type: Any, prefix: str) -> dict[int, str]:
    return {value: name.removeprefix(prefix) for name, value in enum_type.items()}


# Looked up once per decision and more: a dict is several times cheaper than EnumTypeWrapper.Name.
_DECISION_NAMES = _names_without_prefix(decision_pb2.Decision, "DECISION_")
_LABEL_NAMES = _names_without_prefix(decision_pb2.Label, "LABEL_")
_CHANNEL_NAMES = _names_without_prefix(transaction_pb2.Channel, "CHANNEL_")


def _name(names: dict[int, str], enum_type: Any, value: int) -> str:
    try:
        return names[value]
    except KeyError:
        raise ValueError(f"Enum {enum_type.DESCRIPTOR.name} has no name defined for value {value!r}") from None


def decision_name(value: int) -> str:
    return _name(_DECISION_NAMES, decision_pb2.Decision, value)


def label_name(value: int) -> str | None:
    return None if value == decision_pb2.LABEL_UNSPECIFIED else _name(_LABEL_NAMES, decision_pb2.Label, value)


def channel_name(value: int) -> str:
    return _name(_CHANNEL_NAMES, transaction_pb2.Channel, value)


def _set_timestamp(target: Timestamp, moment: datetime | None) -> None:
    if moment is not None:
        set_timestamp(target, moment)


def optional_datetime(message: Any, field: str) -> datetime | None:
    """The timestamp field `field` of `message`, or None when it is unset."""
    return aware_datetime(getattr(message, field)) if message.HasField(field) else None


def received_at_of(scored: decision_pb2.ScoredTransaction) -> datetime | None:
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
    # Keys then lookups: dict() or items() of protobuf's map go through the Mapping mixins at about twice the cost.
    features = scored.features
    received_at = received_at_of(scored)
    decision_names = _DECISION_NAMES
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
        "channel": _CHANNEL_NAMES.get(submitted.channel),
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
        "label": _LABEL_NAMES.get(scored.label) if scored.label else None,
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
    }


def scored_from_row(row: Mapping[str, Any]) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(
        score=row["score"],
        decision=decision_pb2.Decision.Value("DECISION_" + row["decision"]),
        is_fraud=row["is_fraud"],
        model_version=row["model_version"],
        features=row["features"],
        trace_id=row["trace_id"],
        reasons=[decision_pb2.Reason(**reason) for reason in row["reasons"]],
        shadow_scores=[
            decision_pb2.ShadowScore(
                model_version=shadow["model_version"],
                score=shadow["score"],
                decision=decision_pb2.Decision.Value("DECISION_" + shadow["decision"]),
            )
            for shadow in row["shadow_scores"]
        ],
    )
    fill_transaction_and_label(scored, row)
    _set_timestamp(scored.times.received_at, row["received_at"])
    _set_timestamp(scored.times.scored_at, row["scored_at"])
    _set_timestamp(scored.times.stored_at, row["stored_at"])
    return scored


# What fill_transaction_and_label reads: a history replayed to warm scoring needs no more.
TRANSACTION_COLUMNS = (
    "id", "user_id", "amount_minor", "currency", "city", "country", "lat", "lon", "merchant_id", "channel",
    "occurred_at", "received_at", "label", "labelled_at",
)  # fmt: skip
_LABEL_VALUES = {name: value for value, name in _LABEL_NAMES.items()}
_CHANNEL_VALUES = {name: value for value, name in _CHANNEL_NAMES.items()}


def fill_transaction_and_label(scored: decision_pb2.ScoredTransaction, row: Mapping[str, Any]) -> None:
    """Sets the row's transaction, label and labelling time on `scored` (a history's row, filled in
    place: scoring warms a customer with 500 of them). Each nested message is looked up once."""
    if row["label"] is not None:
        scored.label = _LABEL_VALUES[row["label"]]
    _set_timestamp(scored.labelled_at, row["labelled_at"])

    transaction = scored.transaction
    transaction.id = row["id"]
    _set_timestamp(transaction.received_at, row["received_at"])
    submitted = transaction.input
    submitted.user_id = row["user_id"]
    submitted.merchant_id = row["merchant_id"]
    submitted.channel = _CHANNEL_VALUES[row["channel"]]
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
    _set_timestamp(submitted.occurred_at, row["occurred_at"])


def filters_from_request(request: store_service_pb2.ListTransactionsRequest) -> TransactionFilters:
    return TransactionFilters(
        user_id=request.user_id or None,
        decision=decision_name(request.decision) if request.decision else None,
        label=label_name(request.label),
        min_score=request.min_score if request.HasField("min_score") else None,
        max_score=request.max_score if request.HasField("max_score") else None,
        since=optional_datetime(request, "since"),
        until=optional_datetime(request, "until"),
    )


def statistics_response(statistics: Statistics) -> store_service_pb2.GetStatisticsResponse:
    return store_service_pb2.GetStatisticsResponse(
        total=statistics.total,
        approved=statistics.approved,
        reviewed=statistics.reviewed,
        declined=statistics.declined,
        labelled_fraud=statistics.labelled_fraud,
        labelled_legitimate=statistics.labelled_legitimate,
        mean_score=statistics.mean_score,
    )
