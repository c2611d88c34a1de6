"""Conversions between the REST contract and the proto messages, in both directions.

Inbound: a validated `TransactionIn` becomes a `TransactionInput`, checked against the contract's
protovalidate rules here too, so a bad request is answered without a round trip. Outbound: a
`ScoredTransaction` becomes the decision object the console reads.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from fraud.v1 import decision_pb2, scoring_service_pb2, store_service_pb2, transaction_pb2
from google.protobuf import timestamp_pb2

from edge.field_names import rest_field
from edge.money import MoneyError, normalise_currency, to_major_units, to_minor_units
from edge.rest_models import LocationIn, TransactionIn
from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.timestamps import in_range, timestamp_of
from fraudmesh.validation import violations_of

_CHANNEL_PREFIX = "CHANNEL_"
_DECISION_PREFIX = "DECISION_"


# --- enums ----------------------------------------------------------------------------------------


def channel_value(name: str | None) -> int:
    """ "card_present" -> CHANNEL_CARD_PRESENT; None -> CHANNEL_UNSPECIFIED."""
    if not name:
        return transaction_pb2.CHANNEL_UNSPECIFIED
    return transaction_pb2.Channel.Value(_CHANNEL_PREFIX + name.upper())


def channel_name(value: int) -> str:
    """CHANNEL_CARD_PRESENT -> "card_present"; unspecified -> ""."""
    if value == transaction_pb2.CHANNEL_UNSPECIFIED:
        return ""
    return transaction_pb2.Channel.Name(value).removeprefix(_CHANNEL_PREFIX).lower()


def decision_value(name: str) -> int:
    """ "REVIEW" -> DECISION_REVIEW."""
    return decision_pb2.Decision.Value(_DECISION_PREFIX + name.upper())


def decision_name(value: int) -> str:
    return decision_pb2.Decision.Name(value).removeprefix(_DECISION_PREFIX)


_LABEL_VALUES = {"fraud": decision_pb2.LABEL_FRAUD, "legitimate": decision_pb2.LABEL_LEGITIMATE}
_LABEL_NAMES = {value: name for name, value in _LABEL_VALUES.items()}


def label_value(name: str | None) -> int:
    return _LABEL_VALUES[name] if name else decision_pb2.LABEL_UNSPECIFIED


def label_name(value: int) -> str | None:
    return _LABEL_NAMES.get(value)


# --- time -----------------------------------------------------------------------------------------


def timestamp_from(moment: datetime) -> timestamp_pb2.Timestamp:
    """A naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp_of(moment)


_EPOCH = datetime(1970, 1, 1)


@functools.lru_cache(maxsize=4096)
def _whole_second(seconds: int) -> str:
    # A decision's stamps mostly share their second with others nearby: formatted once each.
    return (_EPOCH + timedelta(seconds=seconds)).isoformat()


def rfc3339(stamp: timestamp_pb2.Timestamp, is_set: bool = True) -> str | None:
    """RFC 3339 in UTC with a Z, or None for an unset timestamp: the text of `Timestamp.ToJsonString`
    (0, 3, 6 or 9 fractional digits), made in a third of its time; a decision carries up to seven."""
    if not is_set:
        return None
    seconds, nanos = stamp.seconds, stamp.nanos
    if not in_range(seconds, nanos):
        return stamp.ToJsonString()  # raises protobuf's own error
    text = _whole_second(seconds)
    if nanos == 0:
        return text + "Z"
    if nanos % 1_000_000 == 0:
        return f"{text}.{nanos // 1_000_000:03d}Z"
    if nanos % 1_000 == 0:
        return f"{text}.{nanos // 1_000:06d}Z"
    return f"{text}.{nanos:09d}Z"


def _stamp(message: Any, field: str) -> str | None:
    return rfc3339(getattr(message, field), message.HasField(field))


# --- inbound --------------------------------------------------------------------------------------


def transaction_input(
    body: TransactionIn, idempotency_header: str | None = None, prefix: str = ""
) -> transaction_pb2.TransactionInput:
    """The proto for one REST transaction; raises InvalidArgument naming REST fields (after `prefix`)."""
    violations: list[FieldViolation] = []
    money_refused = False
    message = transaction_pb2.TransactionInput(user_id=body.user_id, merchant_id=body.merchant_id or "")
    try:
        currency = normalise_currency(body.currency)
        message.amount.currency = currency
        message.amount.minor_units = to_minor_units(body.amount, currency)
    except MoneyError as error:
        violations.append(error.violation)
        money_refused = True
    if body.location is not None:
        location = body.location if isinstance(body.location, LocationIn) else LocationIn(city=body.location)
        message.location.city = location.city or ""
        message.location.country = location.country or ""
        if location.lat is not None:
            message.location.lat = location.lat
        if location.lon is not None:
            message.location.lon = location.lon
    message.channel = channel_value(body.channel)
    if body.occurred_at is not None:
        message.occurred_at.CopyFrom(timestamp_from(body.occurred_at))
    key = body.idempotency_key or idempotency_header or ""
    if body.idempotency_key and idempotency_header and body.idempotency_key != idempotency_header:
        violations.append(
            FieldViolation("idempotency_key", "idempotency_key.conflict", "differs from the Idempotency-Key header")
        )
    message.idempotency_key = key
    # A refused amount or currency was named above; the contract would only add "amount: required".
    for violation in violations_of(message):
        name = rest_field(violation.field)
        if not (money_refused and name in ("amount", "currency")):
            violations.append(FieldViolation(name, violation.rule, violation.message))
    if violations:
        raise InvalidArgument([FieldViolation(prefix + v.field, v.rule, v.message) for v in violations])
    return message


def list_request(
    user_id: str | None,
    decision: str | None,
    min_score: float | None,
    max_score: float | None,
    since: datetime | None,
    until: datetime | None,
    label: str | None,
    page_size: int | None,
    page_token: str | None,
    order: str,
) -> store_service_pb2.ListTransactionsRequest:
    request = store_service_pb2.ListTransactionsRequest(
        user_id=user_id or "",
        decision=decision_value(decision) if decision else decision_pb2.DECISION_UNSPECIFIED,
        label=label_value(label),
        page_size=page_size or 0,
        page_token=page_token or "",
        oldest_first=order == "oldest",
    )
    if min_score is not None:
        request.min_score = min_score
    if max_score is not None:
        request.max_score = max_score
    if since is not None:
        request.since.CopyFrom(timestamp_from(since))
    if until is not None:
        request.until.CopyFrom(timestamp_from(until))
    return request


# --- outbound -------------------------------------------------------------------------------------


def decision_object(scored: decision_pb2.ScoredTransaction) -> dict[str, Any]:
    """The decision object of the REST API and the WebSocket (see rest_models.DecisionOut)."""
    transaction = scored.transaction
    submitted = transaction.input
    currency = submitted.amount.currency or "USD"
    location = submitted.location
    received_at = _stamp(transaction, "received_at")
    return {
        "id": transaction.id,
        "user_id": submitted.user_id,
        "amount": to_major_units(submitted.amount.minor_units, currency),
        "currency": currency,
        "location": {
            "city": location.city,
            "country": location.country,
            "lat": location.lat if location.HasField("lat") else None,
            "lon": location.lon if location.HasField("lon") else None,
        },
        "merchant_id": submitted.merchant_id,
        "channel": channel_name(submitted.channel),
        "time": _stamp(submitted, "occurred_at") or received_at,
        "received_at": received_at,
        "is_fraud": scored.is_fraud,
        "score": scored.score,
        "decision": decision_name(scored.decision),
        "reasons": [{"feature": r.feature, "text": r.text, "contribution": r.contribution} for r in scored.reasons],
        "model_version": scored.model_version,
        "features": dict(scored.features),
        "label": label_name(scored.label),
        "labelled_at": _stamp(scored, "labelled_at"),
        "shadow_scores": [
            {"model_version": s.model_version, "score": s.score, "decision": decision_name(s.decision)}
            for s in scored.shadow_scores
        ],
        "trace_id": scored.trace_id,
        "times": {
            "received_at": _stamp(scored.times, "received_at"),
            "scored_at": _stamp(scored.times, "scored_at"),
            "stored_at": _stamp(scored.times, "stored_at"),
            "published_at": _stamp(scored.times, "published_at"),
        },
    }


def model_object(model: scoring_service_pb2.ModelInfo) -> dict[str, Any]:
    return {
        "version": model.version,
        "active": model.active,
        "shadow": model.shadow,
        "created_at": _stamp(model, "created_at"),
        "feature_names": list(model.feature_names),
        "review_threshold": model.review_threshold,
        "decline_threshold": model.decline_threshold,
        "metrics": dict(model.metrics),
    }


def stats_object(stats: store_service_pb2.GetStatisticsResponse) -> dict[str, Any]:
    return {
        "total": stats.total,
        "approved": stats.approved,
        "reviewed": stats.reviewed,
        "declined": stats.declined,
        "labelled_fraud": stats.labelled_fraud,
        "labelled_legitimate": stats.labelled_legitimate,
        "mean_score": stats.mean_score,
    }
