"""One scored batch as rules read it: each transaction field as a column, built once per batch on
first use and shared by every rule that reads it; list membership per (field, list) likewise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from fraudmodel.events import CHANNELS, TxnEvent
from scoring_svc.rules.environment import transaction_fields
from scoring_svc.rules.list_index import ListIndex

_NO_LEAVES = np.empty((0, 0), dtype=bool)


class _ChannelStems(dict[str, str]):
    """The contract's stem of each channel name ("card_not_present" -> "CARD_NOT_PRESENT"), a
    lookup for the known ones, one upper() for any other."""

    def __missing__(self, name: str) -> str:
        return name.upper()


_CHANNEL_STEMS = _ChannelStems({name: name.upper() for name in CHANNELS})
_READ_CHANNEL = attrgetter("channel")
_READ_AMOUNT = attrgetter("amount")


class BatchView:
    def __init__(
        self, events: Sequence[TxnEvent], features: np.ndarray, scores: np.ndarray, lists: Mapping[str, ListIndex]
    ):
        self.events = events
        self.size = len(events)
        self.features = features
        self._numbers: np.ndarray | None = None  # numeric_leaves.py's matrix: features, score, amount
        self.leaf_rows: np.ndarray = _NO_LEAVES  # the rule set's numeric comparisons, once evaluated
        self.cache: dict[object, Any] = {}  # subexpressions shared by several rules (vector_compile.py)
        self.scores = scores
        self._lists = lists
        self._strings: dict[str, np.ndarray] = {}
        self._members: dict[tuple[str, str], np.ndarray] = {}
        self._hashes: dict[str, np.ndarray] = {}
        self._transactions: list[dict[str, Any] | None] = [None] * self.size
        self._feature_lists: list[list[float]] | None = None
        self._score_list: list[float] | None = None

    def strings(self, field: str) -> np.ndarray:
        column = self._strings.get(field)
        if column is None:
            column = np.empty(self.size, dtype=object)
            if field == "channel":
                column[:] = list(map(_CHANNEL_STEMS.__getitem__, map(_READ_CHANNEL, self.events)))
            else:
                read = attrgetter("transaction_id" if field == "id" else field)
                column[:] = list(map(read, self.events))
            self._strings[field] = column
        return column

    def numbers(self) -> np.ndarray:
        """Every number a rule reads, one contiguous row each: the features (FEATURE_NAMES order),
        the score, tx.amount."""
        if self._numbers is None:
            count = self.features.shape[1]
            numbers = np.empty((count + 2, self.size))
            numbers[:count] = self.features.T
            numbers[count] = self.scores
            numbers[count + 1] = list(map(_READ_AMOUNT, self.events))
            self._numbers = numbers
        return self._numbers

    def member(self, field: str, list_name: str) -> np.ndarray:
        """Whether each transaction's `field` is in the list: one hash lookup each, whatever its size."""
        key = (field, list_name)
        flags = self._members.get(key)
        if flags is None:
            flags = self._members[key] = self._lists[list_name].contains(self.strings(field), self.hashes(field))
        return flags

    def hashes(self, field: str) -> np.ndarray:
        hashes = self._hashes.get(field)
        if hashes is None:
            hashes = self._hashes[field] = np.fromiter(map(hash, self.strings(field)), dtype=np.int64, count=self.size)
        return hashes

    def has_nan(self) -> bool:
        return bool(np.isnan(self.numbers()).any())

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
