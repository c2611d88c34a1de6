"""What a rule's expression can name, and one transaction as the CEL interpreter sees it.

tx        the transaction: id, user_id, merchant_id, currency, channel ("CARD_NOT_PRESENT", the
          contract's enum name without its prefix), city, country (strings); amount (double, major
          units of currency); occurred_at (timestamp, event time); lat, lon (doubles, present only
          when known: test them with has(tx.lat))
features  the computed features by name (fraudmodel.features.names), all doubles
score     the model's probability of fraud, a double in [0, 1]
lists     the named lists, as sets of strings: `tx.merchant_id in lists.blocked_merchants`
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fraudmodel.events import TxnEvent
from fraudmodel.features.names import FEATURE_NAMES

VARIABLES = ("tx", "features", "score", "lists")
STRING_FIELDS = ("id", "user_id", "merchant_id", "currency", "channel", "city", "country")
NUMBER_FIELDS = ("amount",)
OPTIONAL_NUMBER_FIELDS = ("lat", "lon")
TIMESTAMP_FIELDS = ("occurred_at",)
TX_FIELDS = STRING_FIELDS + NUMBER_FIELDS + OPTIONAL_NUMBER_FIELDS + TIMESTAMP_FIELDS
FEATURES = FEATURE_NAMES


def string_field(event: TxnEvent, name: str) -> str:
    if name == "id":
        return event.transaction_id
    if name == "channel":
        return event.channel.upper()  # the contract's stem: "CARD_NOT_PRESENT"
    value: str = getattr(event, name)
    return value


def transaction_fields(event: TxnEvent) -> dict[str, Any]:
    fields: dict[str, Any] = {name: string_field(event, name) for name in STRING_FIELDS}
    fields["amount"] = event.amount
    fields["occurred_at"] = event.occurred_at
    if event.lat is not None and event.lon is not None:
        fields["lat"], fields["lon"] = event.lat, event.lon
    return fields


# A transaction with every field present, for the trial run that refuses expressions which cannot
# give a boolean (CEL here has no type checker, so `tx.amount + 1` is only found by running it).
SAMPLE_EVENT = TxnEvent(
    transaction_id="sample",
    user_id="sample-user",
    occurred_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
    amount=10.0,
    currency="EUR",
    merchant_id="sample-merchant",
    channel="card_present",
    lat=48.85,
    lon=2.35,
    city="Paris",
    country="FR",
)
