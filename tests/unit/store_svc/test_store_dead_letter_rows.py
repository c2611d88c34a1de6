"""A record on the dead-letter topic becomes a row (or is passed over when it holds no letter), a
row becomes the letter again, and only a payload that is a transaction ingest accepted is replayed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from fraud.v1 import dead_letter_pb2, transaction_pb2
from google.rpc import code_pb2, status_pb2

from fraudmesh.errors import FailedPrecondition
from store_svc.dead_letter_intake import row_of_record
from store_svc.dead_letter_replay import transaction_of
from store_svc.dead_letter_rows import LISTED_COLUMNS, letter_from_row

WRITTEN_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def a_transaction() -> transaction_pb2.Transaction:
    transaction = transaction_pb2.Transaction(id="tx-1")
    transaction.input.user_id = "alice"
    transaction.input.amount.minor_units = 1250
    transaction.input.amount.currency = "EUR"
    transaction.received_at.FromDatetime(datetime(2026, 1, 1, 9, 30, tzinfo=UTC))
    return transaction


def a_letter(**fields) -> dead_letter_pb2.DeadLetter:
    letter = dead_letter_pb2.DeadLetter(
        id="dl-1",
        hop="store",
        reason="store_refused",
        error=status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="decisions[0].score: must be 0 to 1"),
        attempts=3,
        source_topic="transactions",
        source_partition=2,
        source_offset=41,
        transaction_id="tx-1",
        trace_id="0af7651916cd43dd8448eb211c80319c",
        payload=a_transaction().SerializeToString(),
    )
    letter.failed_at.FromDatetime(datetime(2026, 1, 1, 9, 30, 1, tzinfo=UTC))
    for name, value in fields.items():
        setattr(letter, name, value)
    return letter


def record_of(value: bytes | None, offset: int = 7) -> ConsumerRecord:
    return ConsumerRecord("dead-letters", 1, offset, WRITTEN_MS, 0, None, value, None, 0, len(value or b""), [])


def stored(row: dict) -> dict:
    """The row as the table gives it back: the replay columns at their defaults."""
    return {**row, "replayed_at": None, "replay_count": 0}


def test_a_letter_comes_back_from_its_row_as_it_was_written():
    letter = a_letter()

    row = row_of_record(record_of(letter.SerializeToString()))

    assert letter_from_row(stored(row)) == letter


def test_a_list_row_has_no_payload_and_gives_a_letter_without_one():
    row = stored(row_of_record(record_of(a_letter().SerializeToString())))

    listed = letter_from_row({name: row[name] for name in LISTED_COLUMNS})

    assert listed.payload == b""
    assert listed.id == "dl-1"


def test_a_letter_without_an_id_or_a_time_is_named_by_its_place_and_dated_by_its_record():
    letter = a_letter(id="")
    letter.ClearField("failed_at")

    row = row_of_record(record_of(letter.SerializeToString(), offset=99))

    assert row["id"] == "dead-letters:1:99"
    assert row["failed_at"] == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("unusable", ["x" * 65, "dl\n1", "dl\x001"], ids=["too long", "newline", "nul"])
def test_a_letter_whose_id_no_request_could_name_is_named_by_its_place(unusable):
    row = row_of_record(record_of(a_letter(id=unusable).SerializeToString(), offset=12))

    assert row["id"] == "dead-letters:1:12"


def test_what_a_hop_wrote_about_replays_is_not_taken():
    row = row_of_record(record_of(a_letter(replay_count=5).SerializeToString()))

    assert "replay_count" not in row and "replayed_at" not in row


def test_text_postgresql_cannot_hold_is_kept_readable():
    row = row_of_record(record_of(a_letter(reason="bad\x00reason").SerializeToString()))

    assert row["reason"] == "bad\ufffdreason"


@pytest.mark.parametrize("value", [None, b"", b"\xff\xff\xff not protobuf"], ids=["tombstone", "empty", "garbage"])
def test_a_record_holding_no_letter_gives_no_row(value):
    assert row_of_record(record_of(value)) is None


def test_a_transaction_payload_is_replayed_as_it_is():
    assert transaction_of(a_letter()) == a_transaction()


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b"", "has no payload"),
        (b"\xff\xff\xff", "does not decode"),
        (transaction_pb2.Money(minor_units=5).SerializeToString(), "has no input and no received_at"),
        (transaction_pb2.Transaction(id="not an id!", input=a_transaction().input).SerializeToString(), ""),
    ],
    ids=["empty", "undecodable", "another message", "broken rules"],
)
def test_a_payload_that_is_no_transaction_ingest_accepted_is_not_replayed_and_says_why(payload, why):
    with pytest.raises(FailedPrecondition) as caught:
        transaction_of(a_letter(payload=payload))

    assert "dead letter 'dl-1'" in str(caught.value)
    assert why in str(caught.value)
