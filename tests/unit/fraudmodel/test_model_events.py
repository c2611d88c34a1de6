from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fraud.v1 import transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmodel.events import event_from_proto


def _txn(minor: int, currency: str, *, occurred: datetime | None = None, **location) -> transaction_pb2.Transaction:
    received = Timestamp()
    received.FromDatetime(datetime(2025, 5, 1, 12, 0, tzinfo=UTC))
    inp = transaction_pb2.TransactionInput(
        user_id="u1",
        amount=transaction_pb2.Money(minor_units=minor, currency=currency),
        location=transaction_pb2.Location(**location),
        merchant_id="m1",
        channel=transaction_pb2.CHANNEL_CARD_NOT_PRESENT,
    )
    if occurred is not None:
        inp.occurred_at.FromDatetime(occurred)
    return transaction_pb2.Transaction(id="t1", input=inp, received_at=received)


@pytest.mark.parametrize(
    ("minor", "currency", "major"), [(1999, "USD", 19.99), (1999, "JPY", 1999.0), (1999, "KWD", 1.999), (500, "", 5.0)]
)
def test_minor_units_become_major_units_of_the_currency(minor, currency, major):
    event = event_from_proto(_txn(minor, currency, lat=1.0, lon=2.0))
    assert event.amount == pytest.approx(major)
    assert event.currency == (currency or "USD")
    assert event.channel == "card_not_present"


def test_event_time_falls_back_to_when_ingest_received_it():
    occurred = datetime(2025, 5, 1, 11, 58, 30, tzinfo=UTC)
    assert event_from_proto(_txn(100, "USD", occurred=occurred)).occurred_at == occurred
    assert event_from_proto(_txn(100, "USD")).occurred_at == datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def test_missing_coordinates_are_geocoded_from_the_city():
    event = event_from_proto(_txn(100, "EUR", city="Lyon", country="France"))
    assert event.lat == pytest.approx(45.75, abs=0.1) and event.lon == pytest.approx(4.85, abs=0.1)
    assert event_from_proto(_txn(100, "EUR", city="Nowhere-on-earth")).lat is None
    given = event_from_proto(_txn(100, "EUR", city="Lyon", lat=10.0, lon=20.0))
    assert (given.lat, given.lon) == (10.0, 20.0)
