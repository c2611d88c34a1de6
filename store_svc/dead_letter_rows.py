"""fraud.v1.DeadLetter <-> rows of the `dead_letters` table, as dicts of column values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fraud.v1 import dead_letter_pb2
from google.rpc import status_pb2

from fraudmesh.conversions.time import optional_datetime, set_optional_timestamp

# Every column but the payload: what a list shows.
LISTED_COLUMNS = (
    "id", "hop", "reason", "error", "attempts", "source_topic", "source_partition", "source_offset",
    "transaction_id", "trace_id", "failed_at", "replayed_at", "replay_count",
)  # fmt: skip
_TEXT_FIELDS = ("id", "hop", "reason", "source_topic", "transaction_id", "trace_id")


def _storable(text: str) -> str:
    # PostgreSQL's text cannot hold NUL, and a dead letter must be kept whatever a hop wrote into it.
    return text.replace("\x00", "\ufffd")


def row_from_letter(letter: dead_letter_pb2.DeadLetter, failed_at: datetime) -> dict[str, Any]:
    """Column values for one insert; `failed_at` stands in when the letter has none. A replay is
    store's own record, so whatever a hop wrote into `replayed_at` and `replay_count` is not taken."""
    row: dict[str, Any] = {name: _storable(getattr(letter, name)) for name in _TEXT_FIELDS}
    row.update(
        error=letter.error.SerializeToString(),
        attempts=letter.attempts,
        source_partition=letter.source_partition,
        source_offset=letter.source_offset,
        payload=letter.payload,
        failed_at=optional_datetime(letter, "failed_at") or failed_at,
    )
    return row


def letter_from_row(row: Mapping[Any, Any]) -> dead_letter_pb2.DeadLetter:
    """The message a row holds; with its payload when the row has the column."""
    letter = dead_letter_pb2.DeadLetter(
        id=row["id"],
        hop=row["hop"],
        reason=row["reason"],
        error=status_pb2.Status.FromString(row["error"]),
        attempts=row["attempts"],
        source_topic=row["source_topic"],
        source_partition=row["source_partition"],
        source_offset=row["source_offset"],
        transaction_id=row["transaction_id"],
        trace_id=row["trace_id"],
        replay_count=row["replay_count"],
    )
    if "payload" in row:
        letter.payload = row["payload"]
    set_optional_timestamp(letter.failed_at, row["failed_at"])
    set_optional_timestamp(letter.replayed_at, row["replayed_at"])
    return letter
