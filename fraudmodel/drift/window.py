"""The most recent rows scored, kept as each column's bin (one byte a cell) with the count of rows
in every bin of every column. A batch updates the counts of the rows it adds and of the rows it
pushes out with a few array operations, whatever its size, so reading the shares is immediate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fraudmodel.drift.reference import MAX_BINS, bin_index


class BinnedWindow:
    def __init__(self, edges: Sequence[np.ndarray], capacity: int) -> None:
        if capacity < 1:
            raise ValueError("the window holds at least one row")
        if any(len(e) >= MAX_BINS for e in edges):
            raise ValueError(f"at most {MAX_BINS - 1} edges a column")
        self._edges = [np.asarray(e, dtype=float) for e in edges]
        self.capacity = capacity
        self._bins = np.zeros((capacity, len(self._edges)), dtype=np.int8)
        self._counts = np.zeros((len(self._edges), MAX_BINS), dtype=np.int64)
        self._next = 0  # the slot the next row goes to
        self.size = 0
        # Column j's bin b is flat cell j * MAX_BINS + b of the counts.
        self._column_offsets = np.arange(len(self._edges)) * MAX_BINS

    def add(self, rows: np.ndarray) -> None:
        """Rows of values, one column per edge list; the oldest rows leave once the window is full."""
        rows = np.asarray(rows, dtype=float)[-self.capacity :]
        n = len(rows)
        if n == 0:
            return
        bins = np.empty((n, len(self._edges)), dtype=np.int8)
        for j, edges in enumerate(self._edges):
            bins[:, j] = bin_index(edges, rows[:, j])
        slots = (self._next + np.arange(n)) % self.capacity
        leaving = self._bins[slots[slots < self.size]]
        self._counts.ravel()[:] -= self._flat_counts(leaving)
        self._counts.ravel()[:] += self._flat_counts(bins)
        self._bins[slots] = bins
        self._next = (self._next + n) % self.capacity
        self.size = min(self.capacity, self.size + n)

    def _flat_counts(self, bins: np.ndarray) -> np.ndarray:
        flat = (bins.astype(np.int64) + self._column_offsets).ravel()
        return np.bincount(flat, minlength=self._counts.size)

    def shares(self) -> np.ndarray:
        """Per column, the share of the window's rows in each bin (MAX_BINS wide, zeros past the last)."""
        if self.size == 0:
            return np.zeros(self._counts.shape)
        result: np.ndarray = self._counts / self.size
        return result
