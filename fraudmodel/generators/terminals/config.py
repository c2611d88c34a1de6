"""What a terminals history is made of: its size, seed and the constants that set it apart from the
cardholders generator (geography, currency, label delay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CURRENCY = "BRL"
COUNTRY = "BR"
# Brazil's bounding box (degrees). Town centres are drawn inside it, so some fall in the ocean or a
# neighbouring country: the model only sees coordinates, never a place name.
LAT_RANGE = (-33.75, 5.27)
LON_RANGE = (-73.99, -34.79)
UTC_OFFSET_S = -3 * 3600  # Brasília time for everyone (no daylight saving since 2019)
# A label (fraud or not) is known between six and ten days after the transaction, spread evenly;
# the cardholders generator's labels are known exactly seven days after.
LABEL_DELAY_MIN = timedelta(days=6)
LABEL_DELAY_MAX = timedelta(days=10)


@dataclass(frozen=True)
class TerminalsConfig:
    customers: int = 2000
    days: int = 56
    start: datetime = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
    seed: int = 11
    terminals_per_customer: float = 2.0

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError(f"customers: must be at least 1, got {self.customers}")
        if self.days < 1:
            raise ValueError(f"days: must be at least 1, got {self.days}")
        if self.start.tzinfo is None:
            raise ValueError("start: must be timezone-aware")
        if self.terminals_per_customer <= 0:
            raise ValueError(f"terminals_per_customer: must be positive, got {self.terminals_per_customer}")

    @property
    def terminals(self) -> int:
        return max(20, round(self.customers * self.terminals_per_customer))
