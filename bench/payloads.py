"""Realistic, varied transactions for load: users, amounts, merchants, channels and places drawn from
the history generator's customers (so scoring meets repeat users, new users and travel as it would in life),
in the three shapes the benchmarks send: ghz's JSON, the gRPC request, and the REST body."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fraud.v1 import ingest_service_pb2, transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.conversions.enums import CHANNEL_REST_VALUES
from fraudmesh.conversions.money import exponent

USER_PREFIX = "bench-"  # keeps benchmark users apart from anyone else's on a shared platform
STAMPED_PREFIX = USER_PREFIX + "stamped-"  # customers of the tools that leave event times to ingest
CHANNEL_ENUM = {name: transaction_pb2.Channel.Name(value) for name, value in CHANNEL_REST_VALUES.items()}
WITHOUT_COORDINATES_EVERY = 5  # one in five names only its city: scoring then looks the place up


@dataclass(frozen=True)
class Payment:
    user_id: str
    minor_units: int
    currency: str
    merchant_id: str
    channel: str  # a key of CHANNEL_ENUM
    city: str
    country: str
    lat: float | None
    lon: float | None
    occurred_at_s: int | None = None  # the generated event time, UNIX seconds (bench/replay.py shifts it)


def payment_pool(count: int, seed: int = 11) -> list[Payment]:
    """`count` payments of generated customers in event-time order (the generator is heavy: imported here)."""
    from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history

    users = max(50, count // 12)  # about a dozen payments per customer: most users repeat
    frame = generate_history(HistoryConfig(users=users, days=10, seed=seed))
    while len(frame) < count:
        users *= 2
        frame = generate_history(HistoryConfig(users=users, days=10, seed=seed))
    rows: Iterable[Any] = frame.head(count).itertuples(index=False)  # named tuples, one field per column
    pool = []
    for i, row in enumerate(rows):
        located = i % WITHOUT_COORDINATES_EVERY != 0
        precision = exponent(row.currency)
        pool.append(
            Payment(
                user_id=USER_PREFIX + row.user_id,
                minor_units=max(1, round(row.amount * 10**precision)),
                currency=row.currency,
                merchant_id=row.merchant_id,
                channel=row.channel if row.channel in CHANNEL_ENUM else "card_present",
                city=row.city,
                country=row.country,
                lat=float(row.lat) if located else None,
                lon=float(row.lon) if located else None,
                occurred_at_s=int(row.occurred_at.timestamp()),
            )
        )
    return pool


def stamped_by_ingest(payments: Sequence[Payment]) -> list[Payment]:
    """The payments for tools that send one fixed set over and over (ghz, wrk), with no event time, so
    ingest stamps it. Their customers are other ones than the replayed customers (bench/replay.py),
    whose histories move in generated time and would be muddled by payments stamped today."""
    return [
        replace(p, user_id=STAMPED_PREFIX + p.user_id.removeprefix(USER_PREFIX), occurred_at_s=None) for p in payments
    ]


def grpc_json(payment: Payment, idempotency_key: str = "") -> dict:
    """The SubmitTransactionRequest in protobuf's JSON mapping (what ghz's --data-file takes)."""
    location: dict = {"city": payment.city, "country": payment.country}
    if payment.lat is not None and payment.lon is not None:
        location |= {"lat": payment.lat, "lon": payment.lon}
    transaction = {
        "user_id": payment.user_id,
        # int64 is a string in protobuf's JSON mapping
        "amount": {"minor_units": str(payment.minor_units), "currency": payment.currency},
        "location": location,
        "merchant_id": payment.merchant_id,
        "channel": CHANNEL_ENUM[payment.channel],
    }
    if idempotency_key:
        transaction["idempotency_key"] = idempotency_key
    return {"transaction": transaction}


def grpc_request(
    payment: Payment,
    idempotency_key: str = "",
    occurred_at_s: int | None = None,
) -> ingest_service_pb2.SubmitTransactionRequest:
    """The request; without `occurred_at_s` (UNIX seconds) ingest stamps the event time."""
    location = transaction_pb2.Location(city=payment.city, country=payment.country)
    if payment.lat is not None and payment.lon is not None:
        location.lat, location.lon = payment.lat, payment.lon
    return ingest_service_pb2.SubmitTransactionRequest(
        transaction=transaction_pb2.TransactionInput(
            user_id=payment.user_id,
            amount=transaction_pb2.Money(minor_units=payment.minor_units, currency=payment.currency),
            location=location,
            merchant_id=payment.merchant_id,
            channel=CHANNEL_ENUM[payment.channel],  # the enum's label, as the constructor takes it
            idempotency_key=idempotency_key,
            occurred_at=None if occurred_at_s is None else Timestamp(seconds=occurred_at_s),
        )
    )


def rest_body(payment: Payment, occurred_at_s: int | None = None) -> dict:
    """The body of POST /api/transaction: the amount as a decimal string in major units, as clients send
    it, and the event time (`occurred_at_s`, UNIX seconds) in ISO 8601 when given."""
    precision = exponent(payment.currency)
    major, minor = divmod(payment.minor_units, 10**precision)
    amount = f"{major}.{minor:0{precision}d}" if precision else str(major)
    location: dict = {"city": payment.city, "country": payment.country}
    if payment.lat is not None and payment.lon is not None:
        location |= {"lat": payment.lat, "lon": payment.lon}
    body = {
        "user_id": payment.user_id,
        "amount": amount,
        "currency": payment.currency,
        "location": location,
        "merchant_id": payment.merchant_id,
        "channel": payment.channel,
    }
    if occurred_at_s is not None:
        body["occurred_at"] = datetime.fromtimestamp(occurred_at_s, UTC).isoformat()
    return body
