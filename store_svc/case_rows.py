"""Case and note rows as the contract's messages."""

from __future__ import annotations

from typing import Any

from fraud.v1 import case_service_pb2, decision_pb2

from fraudmesh.conversions.enums import CASE_STATUS_STORED_VALUES, LABEL_STORED_VALUES
from fraudmesh.conversions.time import set_optional_timestamp
from fraudmesh.timestamps import set_timestamp


def case_from_row(row: Any) -> case_service_pb2.Case:
    """A row of cases joined to its transaction's `label`."""
    case = case_service_pb2.Case(
        id=row["transaction_id"],
        status=CASE_STATUS_STORED_VALUES[row["status"]],
        assignee=row["assignee"],
        closed_by=row["closed_by"],
        user_id=row["user_id"],
        merchant_id=row["merchant_id"],
        score=row["score"],
        label=LABEL_STORED_VALUES[row["label"]] if row["label"] else decision_pb2.LABEL_UNSPECIFIED,
    )
    set_timestamp(case.opened_at, row["opened_at"])
    set_timestamp(case.updated_at, row["updated_at"])
    set_timestamp(case.occurred_at, row["occurred_at"])
    set_optional_timestamp(case.closed_at, row["closed_at"])
    return case


def note_from_row(row: Any) -> case_service_pb2.CaseNote:
    note = case_service_pb2.CaseNote(id=row["id"], author=row["author"], text=row["text"])
    set_timestamp(note.written_at, row["written_at"])
    return note
