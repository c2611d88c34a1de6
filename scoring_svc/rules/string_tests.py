"""Every test a rule set makes of a transaction's string field (`tx.channel == "ATM"`, `tx.country in
["NG", "KP"]`, `tx.merchant_id.startsWith("shop-")`, `tx.user_id in lists.blocked_customers`, an
allow or block list's match), answered once per distinct value and kept.

The same merchants, customers, countries and channels come back batch after batch, so per batch and
field this costs one pass that reads the field and looks each value up in a dict (the tests run
only for a value not seen before), then one numpy gather gives every test's answer for the whole
batch. A list's size does not matter: it is asked once per new value, by a set lookup. The values
kept are bounded (`capacity` per field): beyond it they are forgotten all at once, between batches.

Each value is kept with the number of its pattern of answers, not a number of its own: a field's
thousands of customers or merchants share a handful of patterns (on no list; on the block list),
so the dict's values are a few shared ints and the table gathered from is a few rows. Rules read
these columns after features and model have been through the cache; each value's own int would be
one more cold memory read per transaction and field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

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


# Fields of few values (the contract's channels, ISO countries and currencies) are read together, one
# pass over the batch keyed by the tuple of their values, whose combinations stay few: one pass in
# place of three. Customers, merchants, cities and ids each keep a pass of their own (their pairs
# would be nearly as many as the transactions).
TOGETHER = ("channel", "country", "currency")
_GROUP = "+".join(TOGETHER)


def group_of(field: str) -> str:
    """The name of the FieldTests that answers the tests of `field`."""
    return _GROUP if field in TOGETHER else field


class FieldTests:
    """The tests of one field, or of the fields read together (`group_of`), `add`ed at compile time
    (each gets a row), evaluated per batch."""

    def __init__(self, field: str, capacity: int = _CAPACITY):
        self.field = field
        self._fields = tuple(field.split("+"))
        self._read = attrgetter(*("transaction_id" if name == "id" else name for name in self._fields))
        self._tests: list[tuple[int, Test]] = []  # each test, with where its field is in the values read
        self._keys: dict[object, int] = {}
        self._capacity = capacity
        self._codes = _Codes(self)  # value (a tuple when fields are read together) -> its pattern's row
        self._patterns: dict[tuple[bool, ...], int] = {}  # answers -> row in _table
        self._table = np.zeros((0, 0), dtype=bool)  # (patterns, tests)
        self._seen = 0  # values kept

    def add(self, key: object, test: Test, field: str | None = None) -> int:
        """The row of the test named `key` (one row per distinct key, shared by the rules) of `field`
        (one of those read together; by default the only one)."""
        if key not in self._keys:
            if self._seen:
                raise RuntimeError("a test added after values were seen")
            self._keys[key] = len(self._tests)
            self._tests.append((self._fields.index(field or self.field), test))
        return self._keys[key]

    def evaluate(self, events: Sequence[TxnEvent]) -> np.ndarray:
        """(tests x transactions) booleans."""
        if self._seen + len(events) > self._capacity:
            self._forget()
        codes = np.fromiter(map(self._codes.__getitem__, map(self._read, events)), dtype=np.intp, count=len(events))
        return self._table[codes].T

    def _code_of(self, value: Any) -> int:
        """A value not seen before: run the tests on it (on a channel's stem, as rules see it); its
        code is the row of that pattern of answers, added if new."""
        values = value if len(self._fields) > 1 else (value,)
        if "channel" in self._fields:
            at = self._fields.index("channel")
            values = (*values[:at], CHANNEL_STEMS[values[at]], *values[at + 1 :])
        answers = tuple([test(values[at]) for at, test in self._tests])
        self._seen += 1
        code = self._patterns.get(answers)
        if code is None:
            code = self._patterns[answers] = len(self._patterns)
            if code == len(self._table):
                grown = np.zeros((max(8, 2 * code), len(self._tests)), dtype=bool)
                if code:
                    grown[:code] = self._table[:code]
                self._table = grown
            self._table[code] = answers
        return code

    def _forget(self) -> None:
        self._codes.clear()
        self._patterns.clear()
        self._seen = 0


class _Codes(dict[object, int]):
    def __init__(self, tests: FieldTests):
        super().__init__()
        self._tests = tests

    def __missing__(self, value: object) -> int:
        code = self[value] = self._tests._code_of(value)
        return code


class StringTests:
    """The FieldTests of every field a rule set tests."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldTests] = {}

    def add(self, field: str, key: object, test: Test) -> tuple[str, int]:
        """Where the answers of the test named `key` of `field` are: BatchView.tested(name)[row]."""
        group = group_of(field)
        tests = self.fields.get(group)
        if tests is None:
            tests = self.fields[group] = FieldTests(group)
        return group, tests.add((field, key), test, field)
