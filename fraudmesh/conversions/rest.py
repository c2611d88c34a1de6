"""The REST API's JSON <-> the fraud.v1 messages.

Inbound: a transaction body (the edge's validated model, or a plain dict of JSON values) becomes a
`TransactionInput`, checked against the contract's protovalidate rules here too, so a bad request
is answered without a round trip, every violation named by the REST field the client wrote.
Outbound: a `ScoredTransaction` becomes the decision object the console and the WebSocket carry, and
models, statistics and dead letters their objects.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fraud.v1 import dead_letter_pb2, decision_pb2, scoring_service_pb2, store_service_pb2, transaction_pb2
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2
from pydantic import BaseModel

from fraudmesh.conversions.enums import (
    CHANNEL_REST_VALUES,
    channel_name,
    decision_name,
    decision_value,
    label_name,
    label_value,
)
from fraudmesh.conversions.money import (
    DEFAULT_CURRENCY,
    MoneyError,
    normalise_currency,
    to_major_units,
    to_minor_units,
)
from fraudmesh.conversions.time import datetime_from_text, optional_rfc3339, timestamp_from
from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.validation import violations_of

# --- field names ----------------------------------------------------------------------------------

# Proto path suffix -> REST name, where the REST body flattens or renames a field.
_PROTO_TO_REST = (
    ("amount.minor_units", "amount"),
    ("amount.currency", "currency"),
    ("oldest_first", "order"),
)


def rest_field(proto_path: str, body_field: str = "") -> str:
    """The REST name of a protovalidate field path; `body_field` is the annotation's `body` (e.g. "transaction").

    A client sent `amount` and `currency`, so a violation of `transaction.amount.minor_units` names `amount`."""
    path = proto_path
    if body_field and body_field != "*" and path.startswith(body_field + "."):
        path = path[len(body_field) + 1 :]
    for proto_suffix, rest_name in _PROTO_TO_REST:
        if path == proto_suffix:
            return rest_name
        if path.endswith("." + proto_suffix):
            return path[: -len(proto_suffix)] + rest_name
    return path


# --- inbound --------------------------------------------------------------------------------------


def _fields(body: Any) -> Mapping[str, Any] | None:
    """A body's fields: a mapping itself, a pydantic model's __dict__ (no model_dump copy), else None."""
    if body.__class__ is dict:
        return body
    if isinstance(body, BaseModel):
        return body.__dict__
    return body if isinstance(body, Mapping) else None


# JSON's escapes can write half a UTF-16 surrogate pair ("\\ud800"), which Python's json reads into a
# str but which is no character: protobuf (and UTF-8, and PostgreSQL) cannot hold it.
UNICODE_RULE = (
    "string.utf8",
    "must be Unicode text: a lone surrogate (\\ud800 to \\udfff without its pair) is not a character",
)


def is_unicode(text: str) -> bool:
    """Whether `text` holds only Unicode scalar values (no lone surrogate), as protobuf requires."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _text(fields: Mapping[str, Any], name: str, refused: list[FieldViolation], field: str = "") -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        if is_unicode(value):
            return value
        refused.append(FieldViolation(field or name, *UNICODE_RULE))
        return ""
    refused.append(FieldViolation(field or name, "type", "must be a string"))
    return ""


def _number(value: Any, field: str, refused: list[FieldViolation]) -> float | None:
    if value.__class__ is float:
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    refused.append(FieldViolation(field, "type", "must be a number"))
    return None


def _decimal(value: Any) -> Decimal:
    """An amount as the client wrote it: a JSON number or a decimal string."""
    if isinstance(value, Decimal):
        return value
    try:
        if isinstance(value, str):
            return Decimal(value.strip())
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))  # the number as written (19.99), as pydantic reads it
    except InvalidOperation:
        pass
    raise MoneyError(FieldViolation("amount", "amount.decimal", "must be a decimal number or a JSON number"))


def _set_location(target: transaction_pb2.Location, location: Any, refused: list[FieldViolation]) -> None:
    if isinstance(location, str):  # a bare string is the city, as the original clients send it
        if is_unicode(location):
            target.city = location
        else:
            refused.append(FieldViolation("location", *UNICODE_RULE))
        target.country = ""
        return
    fields = _fields(location)
    if fields is None:
        refused.append(FieldViolation("location", "type", "must be a city name or an object"))
        return
    target.city = _text(fields, "city", refused, "location.city")
    target.country = _text(fields, "country", refused, "location.country")
    lat, lon = fields.get("lat"), fields.get("lon")
    if lat is not None and (value := _number(lat, "location.lat", refused)) is not None:
        target.lat = value
    if lon is not None and (value := _number(lon, "location.lon", refused)) is not None:
        target.lon = value


def _event_time(value: Any, refused: list[FieldViolation]) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime_from_text(value)
        except ValueError:
            pass
    refused.append(FieldViolation("occurred_at", "timestamp.format", "must be an ISO 8601 date and time"))
    return None


def transaction_input(
    body: Mapping[str, Any] | Any, idempotency_header: str | None = None, prefix: str = ""
) -> transaction_pb2.TransactionInput:
    """The proto for one REST transaction body; raises InvalidArgument naming REST fields (after `prefix`).

    `body` is the edge's TransactionIn or a mapping of the same fields holding JSON values (an amount
    as a number or a decimal string, a time as ISO 8601 text)."""
    fields = _fields(body)
    if fields is None:
        raise InvalidArgument([FieldViolation(prefix.removesuffix(".") or "body", "type", "must be an object")])
    refused: list[FieldViolation] = []  # refused here; the contract's words on these fields would only repeat them
    money_refused = False
    message = transaction_pb2.TransactionInput(
        user_id=_text(fields, "user_id", refused),
        merchant_id=_text(fields, "merchant_id", refused),
    )
    try:
        currency = normalise_currency(_text(fields, "currency", refused))
        amount = fields.get("amount")
        if amount is not None:
            minor_units = to_minor_units(_decimal(amount), currency)
            message.amount.currency = currency
            message.amount.minor_units = minor_units
    except MoneyError as error:
        refused.append(error.violation)
        money_refused = True
    location = fields.get("location")
    if location is not None:
        _set_location(message.location, location, refused)
    channel = fields.get("channel")
    if channel:
        value = CHANNEL_REST_VALUES.get(channel) if isinstance(channel, str) else None
        if value is None:
            refused.append(FieldViolation("channel", "enum.in", f"must be one of {', '.join(CHANNEL_REST_VALUES)}"))
        else:
            message.channel = value
    occurred_at = fields.get("occurred_at")
    if occurred_at is not None and (moment := _event_time(occurred_at, refused)) is not None:
        message.occurred_at.CopyFrom(timestamp_from(moment))
    body_key = _text(fields, "idempotency_key", refused)
    message.idempotency_key = body_key or idempotency_header or ""

    violations = refused
    if body_key and idempotency_header and body_key != idempotency_header:
        violations.append(
            FieldViolation("idempotency_key", "idempotency_key.conflict", "differs from the Idempotency-Key header")
        )
    contract_violations = violations_of(message)
    if contract_violations:
        skip = {v.field for v in refused}
        if money_refused:  # a refused amount or currency: the contract would only add "amount: required"
            skip |= {"amount", "currency"}
        for violation in contract_violations:
            name = rest_field(violation.field)
            if name not in skip:
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
    """The store's request for GET /api/transactions' query; raises InvalidArgument naming the query's
    parameters that break the contract's rules (an instant beyond protobuf's range, a user id no
    transaction can have), before anything is sent."""
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
    violations = violations_of(request)
    if violations:
        raise InvalidArgument([FieldViolation(rest_field(v.field), v.rule, v.message) for v in violations])
    return request


# --- outbound -------------------------------------------------------------------------------------


def decision_object(scored: decision_pb2.ScoredTransaction) -> dict[str, Any]:
    """The decision object of the REST API and the WebSocket (see the edge's rest_models.DecisionOut)."""
    transaction = scored.transaction
    submitted = transaction.input
    currency = submitted.amount.currency or DEFAULT_CURRENCY
    location = submitted.location
    received_at = optional_rfc3339(transaction, "received_at")
    times = scored.times
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
        "time": optional_rfc3339(submitted, "occurred_at") or received_at,
        "received_at": received_at,
        "is_fraud": scored.is_fraud,
        "score": scored.score,
        "decision": decision_name(scored.decision),
        "reasons": [{"feature": r.feature, "text": r.text, "contribution": r.contribution} for r in scored.reasons],
        "model_version": scored.model_version,
        "rule_set_version": scored.rule_set_version,
        "features": dict(scored.features),
        "label": label_name(scored.label),
        "labelled_at": optional_rfc3339(scored, "labelled_at"),
        "shadow_scores": [
            {"model_version": s.model_version, "score": s.score, "decision": decision_name(s.decision)}
            for s in scored.shadow_scores
        ],
        "trace_id": scored.trace_id,
        "times": {
            "received_at": optional_rfc3339(times, "received_at"),
            "scored_at": optional_rfc3339(times, "scored_at"),
            "stored_at": optional_rfc3339(times, "stored_at"),
            "published_at": optional_rfc3339(times, "published_at"),
        },
    }


def model_object(model: scoring_service_pb2.ModelInfo) -> dict[str, Any]:
    return {
        "version": model.version,
        "active": model.active,
        "shadow": model.shadow,
        "created_at": optional_rfc3339(model, "created_at"),
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


def dead_letter_object(letter: dead_letter_pb2.DeadLetter, with_payload: bool = False) -> dict[str, Any]:
    """A dead letter as the REST API shows it; with its payload (base64) and, when the payload is a
    transaction, that transaction read from it."""
    error = letter.error
    violations = []
    for detail in error.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            violations = [
                {"field": v.field, "rule": v.reason, "message": v.description} for v in bad_request.field_violations
            ]
    shown: dict[str, Any] = {
        "id": letter.id,
        "hop": letter.hop,
        "reason": letter.reason,
        "error": {"code": code_name(error.code), "message": error.message, "violations": violations},
        "attempts": letter.attempts,
        "source": {
            "topic": letter.source_topic,
            "partition": letter.source_partition,
            "offset": letter.source_offset,
        },
        "transaction_id": letter.transaction_id,
        "trace_id": letter.trace_id,
        "failed_at": optional_rfc3339(letter, "failed_at"),
        "replayed_at": optional_rfc3339(letter, "replayed_at"),
        "replay_count": letter.replay_count,
    }
    if with_payload:
        shown["payload_base64"] = base64.b64encode(letter.payload).decode("ascii")
        shown["transaction"] = _transaction_of(letter.payload)
    return shown


def _transaction_of(payload: bytes) -> dict[str, Any] | None:
    """The payload as a transaction, or None when it is none: protobuf reads many byte strings (the
    empty one too) as some message, so a transaction must also have the id and input ingest gives."""
    transaction = transaction_pb2.Transaction()
    try:
        transaction.ParseFromString(payload)
    except DecodeError:
        return None
    if not transaction.id or not transaction.HasField("input"):
        return None
    return json_format.MessageToDict(transaction, preserving_proto_field_name=True)


def code_name(code: int) -> str:
    """A google.rpc.Code number as its name ("INVALID_ARGUMENT"), or the number for an unknown one."""
    try:
        return code_pb2.Code.Name(code)
    except ValueError:
        return str(code)
