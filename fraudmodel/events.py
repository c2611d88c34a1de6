"""The transaction as the model sees it: one plain event type for history files, the store and the
Kafka stream, so training and serving read the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from fraudmesh.conversions.enums import CHANNEL_NAMES, CHANNEL_VALUES
from fraudmesh.conversions.money import DEFAULT_CURRENCY, to_major_units
from fraudmesh.timestamps import aware_datetime
from fraudmodel.geo import Gazetteer, default_gazetteer

if TYPE_CHECKING:
    from fraud.v1 import transaction_pb2

CHANNELS = tuple(CHANNEL_VALUES)


@dataclass(frozen=True, slots=True)
class TxnEvent:
    transaction_id: str
    user_id: str
    occurred_at: datetime  # timezone-aware UTC, event time
    amount: float  # major units of `currency`
    currency: str  # ISO 4217
    merchant_id: str
    channel: str  # one of CHANNELS
    lat: float | None
    lon: float | None
    city: str
    country: str
    label: bool | None = None  # known fraud label (history only); never a feature of its own row
    labelled_at: datetime | None = None


def event_from_proto(txn: transaction_pb2.Transaction, gazetteer: Gazetteer | None = None) -> TxnEvent:
    """A Kafka/gRPC transaction as an event. Missing event time falls back to when ingest received it;
    missing coordinates are looked up from the city (and country) in the gazetteer (the process-wide
    one unless given)."""
    inp = txn.input
    currency = inp.amount.currency or DEFAULT_CURRENCY
    occurred_at = aware_datetime(inp.occurred_at if inp.HasField("occurred_at") else txn.received_at)
    loc = inp.location
    lat: float | None = loc.lat if loc.HasField("lat") else None
    lon: float | None = loc.lon if loc.HasField("lon") else None
    if lat is None or lon is None:
        place = (gazetteer or default_gazetteer()).locate(loc.city, loc.country) if loc.city else None
        lat, lon = (place.lat, place.lon) if place else (None, None)
    return TxnEvent(
        transaction_id=txn.id,
        user_id=inp.user_id,
        occurred_at=occurred_at,
        amount=to_major_units(inp.amount.minor_units, currency),
        currency=currency,
        merchant_id=inp.merchant_id,
        channel=CHANNEL_NAMES.get(int(inp.channel), "unspecified"),
        lat=lat,
        lon=lon,
        city=loc.city,
        country=loc.country,
    )
