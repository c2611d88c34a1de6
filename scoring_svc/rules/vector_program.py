"""Every vectorised rule of a rule set evaluated together over a batch. Each rule is an AND of ORs of
atoms (vector_compile.py); the batch's atoms fill one boolean matrix (the numeric comparisons first,
all in a few calls, then the rest, each computed once however many rules share it), and two
reductions over gathered rows (a `reduceat` each) give every rule's match for every transaction.
Per batch that is a fixed handful of numpy calls plus one per distinct non-numeric atom, not
several per rule."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring_svc.rules.batch_view import BatchView
from scoring_svc.rules.numeric_leaves import NumericLeaves
from scoring_svc.rules.vector_compile import Atom, Clauses, Column


class VectorProgram:
    def __init__(self, rules: Sequence[Clauses], leaves: NumericLeaves):
        """`rules[r]`: rule r's clauses; `leaves` must hold (frozen) every leaf they name."""
        self._leaves = leaves
        self._others: list[Column] = []
        atom_rows: dict[str, int] = {}
        clause_rows: dict[tuple[int, ...], int] = {}
        clause_atoms: list[int] = []
        clause_starts: list[int] = []
        rule_clauses: list[int] = []
        rule_starts: list[int] = []
        for clauses in rules:
            rule_starts.append(len(rule_clauses))
            for clause in clauses:
                atoms = tuple(sorted({self._row(atom, atom_rows) for atom in clause}))
                if atoms not in clause_rows:
                    clause_rows[atoms] = len(clause_starts)
                    clause_starts.append(len(clause_atoms))
                    clause_atoms.extend(atoms)
                rule_clauses.append(clause_rows[atoms])
        self.rules = len(rules)
        self._clauses = _Reduction(clause_atoms, clause_starts, np.logical_or)
        self._conjunctions = _Reduction(rule_clauses, rule_starts, np.logical_and)

    def _row(self, atom: Atom, rows: dict[str, int]) -> int:
        """Atom rows: the leaves' rows as numbered, then one per distinct other atom."""
        if atom.leaf is not None:
            return atom.leaf
        if atom.key not in rows:
            rows[atom.key] = len(self._leaves) + len(self._others)
            self._others.append(atom.column)
        return rows[atom.key]

    def evaluate(self, view: BatchView) -> np.ndarray:
        """(rules x transactions) booleans."""
        leaves = len(self._leaves)
        atoms = np.empty((leaves + len(self._others), view.size), dtype=bool)
        if leaves:
            self._leaves.evaluate(view.numbers(), atoms[:leaves])
        view.leaf_rows = atoms[:leaves]  # for leaves nested where flattening does not reach
        for k, column in enumerate(self._others, start=leaves):
            atoms[k] = column(view)
        if not self.rules:
            return np.empty((0, view.size), dtype=bool)
        return self._conjunctions.apply(self._clauses.apply(atoms))


class _Reduction:
    """Output row i combines input rows `members[starts[i]:starts[i + 1]]` with `combine`: one gather
    and one `reduceat` for all of them, whatever their number and sizes (none is empty: a rule has a
    clause, a clause an atom)."""

    def __init__(self, members: list[int], starts: list[int], combine: np.ufunc):
        ends = [*starts[1:], len(members)] if starts else []
        assert all(start < end for start, end in zip(starts, ends, strict=True)), "an empty group"
        self._combine = combine
        self._members = np.array(members, dtype=np.intp)
        self._starts = np.array(starts, dtype=np.intp)

    def apply(self, rows: np.ndarray) -> np.ndarray:
        if not len(self._starts):
            return np.empty((0, rows.shape[1]), dtype=bool)
        return self._combine.reduceat(rows[self._members], self._starts, axis=0)
