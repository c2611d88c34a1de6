"""What a list of transactions is narrowed by, as plain values the repository turns into SQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from fraudmesh.errors import FieldViolation, InvalidArgument


def check_ranges(
    min_score: float | None, max_score: float | None, since: datetime | None, until: datetime | None
) -> None:
    """Rejects ranges that can only ever be empty, naming the request field."""
    violations = []
    if min_score is not None and max_score is not None and min_score > max_score:
        violations.append(FieldViolation("min_score", "min_score.lte_max_score", "must not be greater than max_score"))
    if since is not None and until is not None and since > until:
        violations.append(FieldViolation("since", "since.lte_until", "must not be later than until"))
    if violations:
        raise InvalidArgument(violations)


def query_of(filters: Any) -> dict:
    """A JSON-ready description of a filters dataclass, for the page token's fingerprint."""
    return {
        key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in asdict(filters).items()
    }


@dataclass(frozen=True)
class TransactionFilters:
    """Every field is optional; None means "any". Times are event times (`occurred_at`):
    `since` inclusive, `until` exclusive. `decision` and `label` are the stored names
    ("APPROVE", "FRAUD", ...)."""

    user_id: str | None = None
    decision: str | None = None
    label: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    since: datetime | None = None
    until: datetime | None = None

    def check(self) -> None:
        check_ranges(self.min_score, self.max_score, self.since, self.until)

    def as_query(self) -> dict:
        return query_of(self)
