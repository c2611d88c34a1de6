"""Halving a failed batch: every good row is written once, each bad one is refused alone with its own
error, the number of statements stays bounded, and an outage is not mistaken for a bad row."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from store_svc.batch_isolation import isolate_failures


class RowError(Exception):
    """Stands in for PostgreSQL refusing one row's values."""


class TableDouble:
    """Writes a piece entirely or not at all, as an INSERT in a savepoint does; refuses the rows in
    `bad`, and counts only ids it did not have (ON CONFLICT DO NOTHING)."""

    def __init__(self, bad: set[str], stored: Sequence[str] = ()) -> None:
        self.bad = bad
        self.stored = set(stored)
        self.writes: list[str] = []
        self.statements = 0

    async def attempt(self, piece: Sequence[str]) -> int:
        self.statements += 1
        for row in piece:
            if row in self.bad:
                raise RowError(row)
        new = set(piece) - self.stored
        self.stored |= new
        self.writes += piece
        return len(new)


def is_row_error(error: BaseException) -> bool:
    return isinstance(error, RowError)


async def test_the_bad_rows_are_refused_alone_and_every_other_row_is_written_once():
    rows = [f"r{i}" for i in range(37)]
    table = TableDouble(bad={"r3", "r4", "r30"})

    outcome = await isolate_failures(rows, table.attempt, is_row_error)

    assert [(row, str(error)) for row, error in outcome.refused] == [("r3", "r3"), ("r4", "r4"), ("r30", "r30")]
    assert sorted(table.writes) == sorted(set(rows) - {"r3", "r4", "r30"})  # each once
    assert outcome.inserted == 34


async def test_rows_already_stored_are_neither_counted_nor_refused():
    table = TableDouble(bad={"bad"}, stored=["old"])

    outcome = await isolate_failures(["old", "new", "bad"], table.attempt, is_row_error)

    assert outcome.inserted == 1
    assert [row for row, _ in outcome.refused] == ["bad"]
    assert table.stored == {"old", "new"}


@pytest.mark.parametrize("size", [1, 2, 7, 500, 5000])
async def test_one_bad_row_costs_statements_logarithmic_in_the_batch(size):
    rows = [f"r{i}" for i in range(size)]
    table = TableDouble(bad={rows[size // 3]})

    outcome = await isolate_failures(rows, table.attempt, is_row_error)

    assert len(outcome.refused) == 1
    assert outcome.inserted == size - 1
    assert table.statements <= 2 * max(1, math.ceil(math.log2(size))) + 1


async def test_a_batch_of_only_bad_rows_costs_fewer_statements_than_twice_its_rows():
    rows = [f"r{i}" for i in range(64)]
    table = TableDouble(bad=set(rows))

    outcome = await isolate_failures(rows, table.attempt, is_row_error)

    assert [row for row, _ in outcome.refused] == rows
    assert outcome.inserted == 0
    assert table.statements < 2 * len(rows)


async def test_an_error_that_is_no_rows_fault_propagates_at_once():
    statements = 0

    async def database_gone(piece: Sequence[str]) -> int:
        nonlocal statements
        statements += 1
        raise ConnectionResetError("PostgreSQL went away")

    with pytest.raises(ConnectionResetError):
        await isolate_failures(["a", "b", "c", "d"], database_gone, is_row_error)
    assert statements == 1


async def test_nothing_to_isolate_writes_nothing():
    table = TableDouble(bad=set())

    outcome = await isolate_failures([], table.attempt, is_row_error)

    assert (outcome.inserted, outcome.refused, table.statements) == (0, [], 0)
