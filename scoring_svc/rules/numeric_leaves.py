"""The comparisons of a number with a constant (`features.count_1h > 8`, `score >= 0.5`) of every rule
in a rule set, computed together: one gather and one comparison per operator for the whole batch,
instead of one small numpy call per comparison per rule. They are most of what analysts write."""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

from fraudmodel.features.names import FEATURE_INDEX, FEATURE_NAMES

# Rows of the batch's number matrix: every feature, then the score, then tx.amount.
SCORE_ROW = len(FEATURE_NAMES)
AMOUNT_ROW = SCORE_ROW + 1
_OPERATORS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}  # c < x  is  x > c


def number_row(variable: str, field: str) -> int:
    if variable == "score":
        return SCORE_ROW
    if variable == "tx" and field == "amount":
        return AMOUNT_ROW
    return FEATURE_INDEX[field]


class NumericLeaves:
    """Collects the comparisons at compile time (`add` gives each its index), then evaluates them
    all per batch into one (comparisons x transactions) boolean matrix."""

    def __init__(self) -> None:
        self._index: dict[tuple[str, int, float], int] = {}
        self._groups: list[tuple[Callable, np.ndarray, np.ndarray, np.ndarray]] = []
        self._frozen = False

    def add(self, op: str, row: int, constant: float) -> int:
        key = (op, row, float(constant))
        if key not in self._index:
            if self._frozen:
                raise RuntimeError("leaves added after the rule set was compiled")
            self._index[key] = len(self._index)
        return self._index[key]

    def freeze(self) -> None:
        by_op: dict[str, list[tuple[int, int, float]]] = {}
        for (op, row, constant), index in self._index.items():
            by_op.setdefault(op, []).append((index, row, constant))
        for op, leaves in by_op.items():
            indices = np.array([leaf[0] for leaf in leaves], dtype=np.intp)
            rows = np.array([leaf[1] for leaf in leaves], dtype=np.intp)
            constants = np.array([leaf[2] for leaf in leaves], dtype=float)[:, None]
            self._groups.append((_OPERATORS[op], indices, rows, constants))
        self._frozen = True

    def __len__(self) -> int:
        return len(self._index)

    def evaluate(self, numbers: np.ndarray, out: np.ndarray) -> None:
        """`numbers`: the batch's number matrix (rows as above, one column per transaction); `out`:
        one row per comparison, in the order `add` numbered them."""
        for compare, indices, rows, constants in self._groups:
            out[indices] = compare(numbers[rows], constants)
