"""What store requires of a scored transaction beyond the contract's protovalidate rules.

The contract leaves these to the producer (scoring_svc); store checks them because it is the one
that has to keep the row forever, and PostgreSQL's JSONB cannot hold NaN or infinity at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from fraud.v1 import decision_pb2
from fraudmesh.errors import FieldViolation, InvalidArgument
from store_svc.conversions import occurred_at_of

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
STORED_DECISIONS = (decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE)


def _is_probability(value: float) -> bool:
    return math.isfinite(value) and 0.0 <= value <= 1.0


def violations_of_scored(scored: decision_pb2.ScoredTransaction, path: str) -> list[FieldViolation]:
    found: list[FieldViolation] = []

    def add(field: str, rule: str, message: str) -> None:
        found.append(FieldViolation(f"{path}.{field}", rule, message))

    if not ID_PATTERN.fullmatch(scored.transaction.id):
        add("transaction.id", "store.id_format", "must be 1 to 64 characters of A-Z a-z 0-9 _ . : @ -")
    if not scored.transaction.input.user_id:
        add("transaction.input.user_id", "required", "is required")
    if occurred_at_of(scored) is None:
        add("transaction.input.occurred_at", "store.event_time_known", "is required when received_at is unset")
    if not _is_probability(scored.score):
        add("score", "store.probability", "must be a number from 0 to 1")
    if scored.decision not in STORED_DECISIONS:
        add("decision", "store.decision_known", "must be APPROVE, REVIEW or DECLINE")
    if scored.label not in decision_pb2.Label.values():
        add("label", "enum.defined_only", "must be a defined Label")
    for name, value in scored.features.items():
        if not math.isfinite(value):
            add(f"features[{name!r}]", "store.finite", "must be a finite number")
    for index, reason in enumerate(scored.reasons):
        if not math.isfinite(reason.contribution):
            add(f"reasons[{index}].contribution", "store.finite", "must be a finite number")
    for index, shadow in enumerate(scored.shadow_scores):
        if not _is_probability(shadow.score):
            add(f"shadow_scores[{index}].score", "store.probability", "must be a number from 0 to 1")
        if shadow.decision not in decision_pb2.Decision.values():
            add(f"shadow_scores[{index}].decision", "enum.defined_only", "must be a defined Decision")
    return found


def check_batch(decisions: Sequence[decision_pb2.ScoredTransaction], field: str = "decisions") -> None:
    """Raises InvalidArgument naming every offending field as `decisions[i].<path>`."""
    violations = [
        violation
        for index, scored in enumerate(decisions)
        for violation in violations_of_scored(scored, f"{field}[{index}]")
    ]
    if violations:
        raise InvalidArgument(violations)
