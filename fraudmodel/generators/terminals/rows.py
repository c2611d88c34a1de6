"""Transactions as a few numpy columns. A merchant is a number: physical terminals come first, then
the online shops (index `terminals.physical + shop`); where a transaction happened follows from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEGIT = "legit"


@dataclass(frozen=True)
class Rows:
    customer: np.ndarray
    t: np.ndarray  # epoch seconds
    amount: np.ndarray
    merchant: np.ndarray
    online: np.ndarray  # card not present
    fraud: np.ndarray
    scenario: np.ndarray  # object: LEGIT or the fraud pattern's name

    @staticmethod
    def of(
        customer: np.ndarray,
        t: np.ndarray,
        amount: np.ndarray,
        merchant: np.ndarray,
        online: np.ndarray,
        *,
        scenario: str,
    ) -> Rows:
        n = len(t)
        return Rows(
            customer=np.asarray(customer, np.int64),
            t=np.asarray(t, np.int64),
            amount=np.asarray(amount, float),
            merchant=np.asarray(merchant, np.int64),
            online=np.asarray(online, bool),
            fraud=np.full(n, scenario != LEGIT),
            scenario=np.full(n, scenario, dtype=object),
        )

    def __len__(self) -> int:
        return len(self.t)


def concat(parts: list[Rows]) -> Rows:
    return Rows(*(np.concatenate([getattr(p, name) for p in parts]) for name in Rows.__dataclass_fields__))


def take(rows: Rows, index: np.ndarray) -> Rows:
    return Rows(*(getattr(rows, name)[index] for name in Rows.__dataclass_fields__))
