"""Rules for a submitted transaction that protovalidate annotations cannot express, and its defaults.
Shared by ingest (before producing) and scoring (for what-if calls)."""

from __future__ import annotations

from fraud.v1 import transaction_pb2

from fraudmesh.conversions.money import DEFAULT_CURRENCY, is_iso_currency
from fraudmesh.errors import FieldViolation


def normalise(txn: transaction_pb2.TransactionInput, prefix: str) -> list[FieldViolation]:
    """Fills defaults in place and returns what breaks our rules.

    The caller has already run the contract's protovalidate rules on the whole request."""
    if not txn.amount.currency:
        txn.amount.currency = DEFAULT_CURRENCY
    currency = txn.amount.currency
    if not is_iso_currency(currency):
        return [
            FieldViolation(f"{prefix}amount.currency", "currency.iso4217", f"{currency} is not an ISO 4217 currency")
        ]
    return []
