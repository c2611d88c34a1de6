"""Every vectorised rule of a rule set evaluated together over a batch. Each rule is an AND of ORs of
atoms (vector_compile.py); the batch's atoms fill one boolean matrix (the numeric comparisons first,
all in a few calls, then the rest, each computed once however many rules share it), and two
reductions over gathered rows give every rule's match for every transaction. Per batch that is a
fixed handful of numpy calls plus one per distinct non-numeric atom, not several per rule."""

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
    """Output row i combines input rows `members[starts[i]:starts[i + 1]]` with `combine`."""

    def __init__(self, members: list[int], starts: list[int], combine: np.ufunc):
        self._combine = combine
        self._outputs = len(starts)
        ends = [*starts[1:], len(members)] if starts else []
        by_arity: dict[int, list[int]] = {}
        for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
            by_arity.setdefault(end - start, []).append(i)
        # Per arity: the output rows, and for each position the input row each of them takes there.
        self._groups = [
            (
                np.array(outputs, dtype=np.intp),
                [np.array([members[starts[i] + j] for i in outputs], dtype=np.intp) for j in range(arity)],
            )
            for arity, outputs in by_arity.items()
        ]

    def apply(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((self._outputs, rows.shape[1]), dtype=bool)
        for outputs, positions in self._groups:
            combined = rows[positions[0]]
            for position in positions[1:]:
                self._combine(combined, rows[position], out=combined)
            out[outputs] = combined
        return out
