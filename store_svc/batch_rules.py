"""What store requires of a scored transaction beyond the contract's protovalidate rules.

The contract leaves these to the producer (scoring_svc); store checks them because it is the one
that has to keep the row forever, and PostgreSQL's JSONB cannot hold NaN or infinity at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fraud.v1 import decision_pb2

from fraudmesh.conversions.rows import row_from_scored
from fraudmesh.errors import FieldViolation, InvalidArgument

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
STORED_DECISIONS = frozenset(
    (decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE)
)
DEFINED_LABELS = frozenset(decision_pb2.Label.values())
DEFINED_DECISIONS = frozenset(decision_pb2.Decision.values())
_isfinite = math.isfinite


def _is_probability(value: float) -> bool:
    return _isfinite(value) and 0.0 <= value <= 1.0


def violations_of_row(
    scored: decision_pb2.ScoredTransaction, row: dict[str, Any], path: str = ""
) -> list[FieldViolation]:
    """What is wrong with `scored`, read from its `row` (row_from_scored's, so each value is
    converted once) and, for enums, from the message's numbers; fields are named below `path`
    ("decisions[3]"), or as fields of the decision itself when it is empty."""
    found: list[FieldViolation] = []
    prefix = f"{path}." if path else ""

    def add(field: str, rule: str, message: str) -> None:
        found.append(FieldViolation(prefix + field, rule, message))

    if not ID_PATTERN.fullmatch(row["id"]):
        add("transaction.id", "store.id_format", "must be 1 to 64 characters of A-Z a-z 0-9 _ . : @ -")
    if not row["user_id"]:
        add("transaction.input.user_id", "required", "is required")
    if row["occurred_at"] is None:
        add("transaction.input.occurred_at", "store.event_time_known", "is required when received_at is unset")
    if not _is_probability(row["score"]):
        add("score", "store.probability", "must be a number from 0 to 1")
    if scored.decision not in STORED_DECISIONS:
        add("decision", "store.decision_known", "must be APPROVE, REVIEW or DECLINE")
    if scored.label not in DEFINED_LABELS:
        add("label", "enum.defined_only", "must be a defined Label")
    if row["channel"] is None:  # the contract's rules refuse it too; the table has no NULL channel
        add("transaction.input.channel", "enum.defined_only", "must be a defined Channel")
    features = row["features"]
    if not all(map(_isfinite, features.values())):
        for name, value in features.items():
            if not _isfinite(value):
                add(f"features[{name!r}]", "store.finite", "must be a finite number")
    for index, reason in enumerate(row["reasons"]):
        if not _isfinite(reason["contribution"]):
            add(f"reasons[{index}].contribution", "store.finite", "must be a finite number")
    for index, shadow in enumerate(scored.shadow_scores):
        if not _is_probability(shadow.score):
            add(f"shadow_scores[{index}].score", "store.probability", "must be a number from 0 to 1")
        if shadow.decision not in DEFINED_DECISIONS:
            add(f"shadow_scores[{index}].decision", "enum.defined_only", "must be a defined Decision")
    return found


@dataclass(frozen=True)
class SortedBatch:
    """A batch split by store's rules: the rows to insert with their positions in the batch, and
    what is wrong with each decision that breaks a rule, by position."""

    positions: list[int]
    rows: list[dict[str, Any]]
    refused: dict[int, list[FieldViolation]]


def sort_batch(
    decisions: Sequence[decision_pb2.ScoredTransaction],
    contract_violations: Mapping[int, list[FieldViolation]] | None = None,
) -> SortedBatch:
    """Each decision on its own: one that broke the contract's rules (`contract_violations`, by
    position, named as fields of the decision) is refused with those; any other is converted once
    and refused with whatever breaks store's rules, else kept."""
    refused: dict[int, list[FieldViolation]] = {}
    positions: list[int] = []
    rows: list[dict[str, Any]] = []
    for index, scored in enumerate(decisions):
        broken = contract_violations.get(index) if contract_violations else None
        if broken:
            refused[index] = broken
            continue
        row = row_from_scored(scored)
        violations = violations_of_row(scored, row)
        if violations:
            refused[index] = violations
            continue
        positions.append(index)
        rows.append(row)
    return SortedBatch(positions, rows, refused)


def rows_of_batch(
    decisions: Sequence[decision_pb2.ScoredTransaction], field: str = "decisions"
) -> list[dict[str, Any]]:
    """The rows to insert, each decision converted once, for a caller that takes a batch whole:
    raises InvalidArgument naming every offending field as `decisions[i].<path>` when any decision
    breaks a rule."""
    rows = [row_from_scored(scored) for scored in decisions]
    violations = [
        violation
        for index, (scored, row) in enumerate(zip(decisions, rows, strict=True))
        for violation in violations_of_row(scored, row, f"{field}[{index}]")
    ]
    if violations:
        raise InvalidArgument(violations)
    return rows
