"""A stored rule as the contract's message, from a `rules` row or a revision joined to its rule."""

from __future__ import annotations

from typing import Any

from fraud.v1 import rule_service_pb2

from fraudmesh.conversions.rules import definition_from_row
from fraudmesh.conversions.time import timestamp_from


def rule_message(row: Any) -> rule_service_pb2.Rule:
    message = rule_service_pb2.Rule(
        id=row.id,
        definition=definition_from_row(row),
        version=row.version,
        created_by=row.created_by,
        updated_by=row.updated_by,
    )
    message.created_at.CopyFrom(timestamp_from(row.created_at))
    message.updated_at.CopyFrom(timestamp_from(row.updated_at))
    return message
