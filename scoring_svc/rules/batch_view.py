"""One scored batch as rules read it: each transaction field as a column, built once per batch on
first use and shared by every rule that reads it; the rule set's tests of each string field
(string_tests.py) likewise."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from fraudmodel.events import TxnEvent
from scoring_svc.rules.environment import transaction_fields
from scoring_svc.rules.numeric_leaves import AMOUNT_ROW, SCORE_ROW, NumericLeaves
from scoring_svc.rules.string_tests import CHANNEL_STEMS, StringTests

_NO_LEAVES = np.empty((0, 0), dtype=bool)

_READ_CHANNEL = attrgetter("channel")
_READ_AMOUNT = attrgetter("amount")


class BatchView:
    def __init__(
        self,
        events: Sequence[TxnEvent],
        features: np.ndarray,
        scores: np.ndarray,
        string_tests: StringTests,
        leaves: NumericLeaves,
    ):
        """`string_tests` and `leaves`: the rule set's; the leaves know the number rows its rules read."""
        self.events = events
        self._leaves = leaves
        self._string_tests = string_tests
        self._tested: dict[str, np.ndarray] = {}
        self.size = len(events)
        self.features = features
        self._numbers: np.ndarray | None = None  # numeric_leaves.py's matrix: features, score, amount
        self.leaf_rows: np.ndarray = _NO_LEAVES  # the rule set's numeric comparisons, once evaluated
        self.cache: dict[object, Any] = {}  # subexpressions shared by several rules (vector_compile.py)
        self.scores = scores
        self._strings: dict[str, np.ndarray] = {}
        self._transactions: list[dict[str, Any] | None] = [None] * self.size
        self._feature_lists: list[list[float]] | None = None
        self._score_list: list[float] | None = None

    def strings(self, field: str) -> np.ndarray:
        column = self._strings.get(field)
        if column is None:
            column = np.empty(self.size, dtype=object)
            if field == "channel":
                column[:] = list(map(CHANNEL_STEMS.__getitem__, map(_READ_CHANNEL, self.events)))
            else:
                read = attrgetter("transaction_id" if field == "id" else field)
                column[:] = list(map(read, self.events))
            self._strings[field] = column
        return column

    def tested(self, name: str) -> np.ndarray:
        """(tests x transactions): the answers of the rule set's tests of a field, or of the fields
        read together, by the name StringTests.add gave (string_tests.py)."""
        rows = self._tested.get(name)
        if rows is None:
            rows = self._tested[name] = self._string_tests.fields[name].evaluate(self.events)
        return rows

    def numbers(self) -> np.ndarray:
        """Every number a rule reads, one contiguous row each: the features (FEATURE_NAMES order),
        the score, tx.amount. Only the rows the rule set's rules read are filled (the others are
        NaN): copied after features and model, each row is memory read cold."""
        if self._numbers is None:
            numbers = np.full((self.features.shape[1] + 2, self.size), np.nan)
            read = self._leaves.features_read
            numbers[read] = self.features[:, read].T
            if self._leaves.reads_score:
                numbers[SCORE_ROW] = self.scores
            if self._leaves.reads_amount:
                numbers[AMOUNT_ROW] = list(map(_READ_AMOUNT, self.events))
            self._numbers = numbers
        return self._numbers

    def has_nan(self) -> bool:
        """Whether a number a rule reads is NaN (one that none reads changes no answer)."""
        return bool(np.isnan(self.numbers()[self._leaves.rows_read]).any())

    # --- for the interpreter, one transaction at a time ---------------------------------------------

    def transaction(self, index: int) -> dict[str, Any]:
        fields = self._transactions[index]
        if fields is None:
            fields = self._transactions[index] = transaction_fields(self.events[index])
        return fields

    def feature_values(self, index: int) -> list[float]:
        if self._feature_lists is None:
            self._feature_lists = self.features.tolist()
        return self._feature_lists[index]

    def score(self, index: int) -> float:
        if self._score_list is None:
            self._score_list = self.scores.tolist()
        return self._score_list[index]
