"""A growing set of generated transactions, held as numpy columns (appending chunks, no Python rows)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

CARD_PRESENT = 0
CARD_NOT_PRESENT = 1
CHANNEL_NAMES = ("card_present", "card_not_present")
LEGIT = "legit"


@dataclass
class TxnColumns:
    chunks: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(
        self,
        *,
        user: ArrayLike,
        t: ArrayLike,
        amount: ArrayLike,
        merchant: ArrayLike,
        channel: ArrayLike,
        lat: ArrayLike,
        lon: ArrayLike,
        city: ArrayLike,
        fraud: ArrayLike,
        scenario: str,
    ) -> None:
        n = len(np.atleast_1d(t))
        cols = {
            "user": user,
            "t": t,
            "amount": amount,
            "merchant": merchant,
            "channel": channel,
            "lat": lat,
            "lon": lon,
            "city": city,
            "fraud": fraud,
        }
        for name, value in cols.items():
            self.chunks.setdefault(name, []).append(np.broadcast_to(np.asarray(value), (n,)).copy())
        self.chunks.setdefault("scenario", []).append(np.full(n, scenario, dtype=object))

    def concat(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.chunks.items()}
