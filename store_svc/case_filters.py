"""What a list of cases is narrowed by and ordered by, as plain values the case repository turns
into SQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from fraudmesh.errors import FieldViolation, InvalidArgument


class CaseOrder(StrEnum):
    OLDEST_FIRST = "oldest_first"  # by opened_at: the queue as it is worked
    NEWEST_FIRST = "newest_first"
    HIGHEST_SCORE_FIRST = "highest_score_first"


@dataclass(frozen=True)
class CaseFilters:
    """None or empty means "any". `assignee` "" means nobody (unassigned); the caller's own name
    stands in for "assigned to me". `statuses` are stored names ("OPEN", ...). Times are the
    transaction's event time: `since` inclusive, `until` exclusive."""

    unlabelled: bool = False
    assignee: str | None = None
    statuses: tuple[str, ...] = ()
    min_score: float | None = None
    max_score: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    user_id: str | None = None
    merchant_id: str | None = None

    def check(self) -> None:
        """Rejects ranges that can only ever be empty, naming the request field."""
        violations = []
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            violations.append(
                FieldViolation("min_score", "min_score.lte_max_score", "must not be greater than max_score")
            )
        if self.since is not None and self.until is not None and self.since > self.until:
            violations.append(FieldViolation("since", "since.lte_until", "must not be later than until"))
        if violations:
            raise InvalidArgument(violations)

    def as_query(self) -> dict:
        """A JSON-ready description, for the page token's fingerprint."""
        return {
            key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in asdict(self).items()
        }
