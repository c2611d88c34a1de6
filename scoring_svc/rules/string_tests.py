"""Every test a rule set makes of a transaction's string field (`tx.channel == "ATM"`, `tx.country in
["NG", "KP"]`, `tx.merchant_id.startsWith("shop-")`, `tx.user_id in lists.blocked_customers`, an
allow or block list's match), answered once per distinct value and kept.

The same merchants, customers, countries and channels come back batch after batch, so per batch and
field this costs one pass that reads the field and looks each value up in a dict (the tests run
only for a value not seen before), then one numpy gather gives every test's answer for the whole
batch. A list's size does not matter: it is asked once per new value, by a set lookup. The values
kept are bounded (`capacity` per field): beyond it they are forgotten all at once, between batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter

import numpy as np

from fraudmodel.events import CHANNELS, TxnEvent

Test = Callable[[str], bool]
_CAPACITY = 1 << 18


class _ChannelStems(dict[str, str]):
    """The contract's stem of each channel name ("card_not_present" -> "CARD_NOT_PRESENT"), a
    lookup for the known ones, one upper() for any other."""

    def __missing__(self, name: str) -> str:
        return name.upper()


CHANNEL_STEMS = _ChannelStems({name: name.upper() for name in CHANNELS})


class FieldTests:
    """The tests of one field, `add`ed at compile time (each gets a row), evaluated per batch."""

    def __init__(self, field: str, capacity: int = _CAPACITY):
        self.field = field
        self._read = attrgetter("transaction_id" if field == "id" else field)
        self._tests: list[Test] = []
        self._keys: dict[object, int] = {}
        self._capacity = capacity
        self._codes = _Codes(self)
        self._table = np.zeros((0, 0), dtype=bool)  # (values seen, tests)
        self._seen = 0

    def add(self, key: object, test: Test) -> int:
        """The row of the test named `key` (one row per distinct key, shared by the rules)."""
        if key not in self._keys:
            if self._seen:
                raise RuntimeError("a test added after values were seen")
            self._keys[key] = len(self._tests)
            self._tests.append(test)
        return self._keys[key]

    def evaluate(self, events: Sequence[TxnEvent]) -> np.ndarray:
        """(tests x transactions) booleans."""
        if self._seen + len(events) > self._capacity:
            self._forget()
        codes = np.fromiter(map(self._codes.__getitem__, map(self._read, events)), dtype=np.intp, count=len(events))
        return self._table[codes].T

    def _code_of(self, value: str) -> int:
        """A value not seen before: run the tests on it (on a channel's stem, as rules see it), keep
        their answers as a new row."""
        if self._seen == len(self._table):
            grown = np.zeros((max(64, 2 * self._seen), len(self._tests)), dtype=bool)
            if self._seen:
                grown[: self._seen] = self._table[: self._seen]
            self._table = grown
        if self.field == "channel":
            value = CHANNEL_STEMS[value]
        self._table[self._seen] = [test(value) for test in self._tests]
        self._seen += 1
        return self._seen - 1

    def _forget(self) -> None:
        self._codes.clear()
        self._seen = 0


class _Codes(dict[str, int]):
    def __init__(self, tests: FieldTests):
        super().__init__()
        self._tests = tests

    def __missing__(self, value: str) -> int:
        code = self[value] = self._tests._code_of(value)
        return code


class StringTests:
    """The FieldTests of every field a rule set tests."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldTests] = {}

    def add(self, field: str, key: object, test: Test) -> tuple[str, int]:
        tests = self.fields.get(field)
        if tests is None:
            tests = self.fields[field] = FieldTests(field)
        return field, tests.add(key, test)
