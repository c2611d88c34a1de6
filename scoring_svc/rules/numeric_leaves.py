"""The comparisons of a number with a constant (`features.count_1h > 8`, `score >= 0.5`) of every rule
in a rule set, computed together for the whole batch: one gather of the numbers they read, one
comparison per operator, one gather of the answers into place, instead of one small numpy call per
comparison per rule. They are most of what analysts write."""

from __future__ import annotations

import numpy as np

from fraudmodel.features.names import FEATURE_INDEX, FEATURE_NAMES

# Rows of the batch's number matrix: every feature, then the score, then tx.amount.
SCORE_ROW = len(FEATURE_NAMES)
AMOUNT_ROW = SCORE_ROW + 1
_OPERATORS: dict[str, np.ufunc] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
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
        # Frozen, the comparisons sorted by operator: the number rows they read, and per operator its
        # span of them and their constants; `_order[i]` is where comparison i is in that order.
        self._rows = np.zeros(0, dtype=np.intp)
        self._groups: list[tuple[np.ufunc, slice, np.ndarray]] = []
        self._order = np.zeros(0, dtype=np.intp)
        self._frozen = False
        # Every number row a rule reads (its comparisons and its other uses, `reads`): all a batch
        # fills and checks for NaN. Frozen, as an array, and the features among them.
        self._read: set[int] = set()
        self.rows_read = np.zeros(0, dtype=np.intp)
        self.features_read = np.zeros(0, dtype=np.intp)
        self.reads_score = self.reads_amount = False

    def reads(self, row: int) -> int:
        """Records that a rule reads number row `row` other than in a comparison; gives it back."""
        if self._frozen:
            raise RuntimeError("number rows read after the rule set was compiled")
        self._read.add(row)
        return row

    def add(self, op: str, row: int, constant: float) -> int:
        key = (op, row, float(constant))
        if key not in self._index:
            if self._frozen:
                raise RuntimeError("leaves added after the rule set was compiled")
            self._index[key] = len(self._index)
            self._read.add(row)
        return self._index[key]

    def freeze(self) -> None:
        by_op: dict[str, list[tuple[int, int, float]]] = {}
        for (op, row, constant), index in self._index.items():
            by_op.setdefault(op, []).append((index, row, constant))
        sorted_leaves: list[tuple[int, int, float]] = []
        for op, leaves in by_op.items():
            span = slice(len(sorted_leaves), len(sorted_leaves) + len(leaves))
            self._groups.append((_OPERATORS[op], span, np.array([leaf[2] for leaf in leaves], dtype=float)[:, None]))
            sorted_leaves += leaves
        self._rows = np.array([leaf[1] for leaf in sorted_leaves], dtype=np.intp)
        self._order = np.empty(len(sorted_leaves), dtype=np.intp)
        self._order[[leaf[0] for leaf in sorted_leaves]] = np.arange(len(sorted_leaves))
        self.rows_read = np.array(sorted(self._read), dtype=np.intp)
        self.features_read = self.rows_read[self.rows_read < SCORE_ROW]
        self.reads_score, self.reads_amount = SCORE_ROW in self._read, AMOUNT_ROW in self._read
        self._frozen = True

    def __len__(self) -> int:
        return len(self._index)

    def evaluate(self, numbers: np.ndarray, out: np.ndarray) -> None:
        """`numbers`: the batch's number matrix (rows as above, one column per transaction); `out`:
        one row per comparison, in the order `add` numbered them."""
        values = numbers[self._rows]
        answers = np.empty(values.shape, dtype=bool)
        for compare, span, constants in self._groups:
            compare(values[span], constants, out=answers[span])
        np.take(answers, self._order, axis=0, out=out)
