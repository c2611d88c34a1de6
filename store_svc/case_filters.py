"""What a list of cases is narrowed by and ordered by, as plain values the case repository turns
into SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from store_svc.filters import check_ranges, query_of


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
        check_ranges(self.min_score, self.max_score, self.since, self.until)

    def as_query(self) -> dict:
        return query_of(self)
