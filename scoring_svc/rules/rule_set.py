"""A rule set: every rule and list of one version, compiled once, evaluated over scored batches.

Each rule runs vectorised over the whole batch when its expression is in the common subset
(vector_compile.py), and otherwise in the CEL interpreter one transaction at a time. A rule that
fails on a transaction (a missing `tx.lat`, an overflow) counts as not fired for it and adds one to
its error counter; the batch goes on."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules.batch_view import BatchView
from scoring_svc.rules.definitions import ListKind, NamedList, Rule, RuleStatus
from scoring_svc.rules.expression_check import InvalidExpression, check_expression, without_strings
from scoring_svc.rules.interpreted_rule import InterpretedRule
from scoring_svc.rules.numeric_leaves import NumericLeaves
from scoring_svc.rules.outcome import BatchOutcome, FiredRule, ListHit
from scoring_svc.rules.precedence import RuleActions, decide
from scoring_svc.rules.string_tests import StringTests
from scoring_svc.rules.vector_compile import Clauses, NeedsInterpreter, vectorise
from scoring_svc.rules.vector_parser import NotVectorisable
from scoring_svc.rules.vector_program import VectorProgram

log = logging.getLogger(__name__)

_NONE: tuple[FiredRule, ...] = ()


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    fired: FiredRule  # how it is named in a decision's reasons
    vector: Clauses | None  # None: outside the vectorised subset
    interpreted: InterpretedRule


def compile_rule(
    rule: Rule, lists: Mapping[str, NamedList], leaves: NumericLeaves, strings: StringTests | None = None
) -> CompiledRule:
    try:
        program = check_expression(rule.expression, lists.keys())
    except InvalidExpression as error:
        raise InvalidExpression(f"rule {rule.id} ({rule.name}): {error.detail}", error.line, error.column) from None
    try:
        vector: Clauses | None = vectorise(rule.expression, lists, leaves, strings)
    except NotVectorisable:
        vector = None
    interpreted = InterpretedRule(program, rule.expression, without_strings(rule.expression), lists)
    fired = FiredRule(rule.id, rule.name, str(rule.action), rule.version, rule.score_delta)
    return CompiledRule(rule, fired, vector, interpreted)


class RuleSet:
    def __init__(
        self,
        version: str,
        active: Sequence[CompiledRule],
        shadow: Sequence[CompiledRule],
        lists: Iterable[NamedList],
        leaves: NumericLeaves | None = None,
        strings: StringTests | None = None,
    ):
        """Use `compile`: `leaves` and `strings` must hold every test the compiled rules name."""
        self.version = version
        # Not `leaves or ...`: leaves without any comparison have a length of 0, yet know the rows read.
        self._leaves = leaves if leaves is not None else NumericLeaves()
        self._strings = strings if strings is not None else StringTests()
        self.active = tuple(active)
        self.shadow = tuple(shadow)
        self.lists = {named.name: named for named in lists}
        self._allow = [named for named in self.lists.values() if named.kind is ListKind.ALLOW]
        self._block = [named for named in self.lists.values() if named.kind is ListKind.BLOCK]
        # Each allow or block list's match, a test of its field answered with the rules' (string_tests.py),
        # and how a transaction it holds names it.
        self._list_rows = {
            named.name: (
                *self._strings.add(named.field, ("list", named.name), named.entries.__contains__),
                ListHit(named.name, str(named.kind), named.field),
            )
            for named in self._allow + self._block
            if named.field is not None
        }
        self._lock = threading.Lock()  # the string tests keep what they learn: one batch at a time
        self.errors: Counter[str] = Counter()  # rule id -> transactions it failed on, since compiled
        self._active_plan = _Plan(self.active, self._leaves)
        self._shadow_plan = _Plan(self.shadow, self._leaves)
        self._actions = RuleActions([c.fired for c in self.active])

    @classmethod
    def compile(cls, rules: Iterable[Rule], lists: Iterable[NamedList], version: str) -> RuleSet:
        """InvalidExpression names the first rule that cannot run; disabled rules are not compiled."""
        by_name = {named.name: named for named in lists}
        rules = list(rules)
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id} appears twice in rule set {version}")
            seen.add(rule.id)
        ordered = sorted((r for r in rules if r.status is not RuleStatus.DISABLED), key=lambda r: (r.priority, r.id))
        leaves, strings = NumericLeaves(), StringTests()
        compiled = [compile_rule(rule, by_name, leaves, strings) for rule in ordered]
        leaves.freeze()
        active = [c for c in compiled if c.rule.status is RuleStatus.ACTIVE]
        shadow = [c for c in compiled if c.rule.status is RuleStatus.SHADOW]
        return cls(version, active, shadow, by_name.values(), leaves, strings)

    @classmethod
    def empty(cls, version: str = "none") -> RuleSet:
        return cls(version, (), (), ())

    def evaluate(
        self, events: Sequence[TxnEvent], features: np.ndarray, scores: np.ndarray, thresholds: Thresholds
    ) -> BatchOutcome:
        """`features[i]` (FEATURE_NAMES order) and `scores[i]` (the model's) are `events[i]`'s."""
        with self._lock:
            return self._evaluate(events, features, scores, thresholds)

    def _evaluate(
        self, events: Sequence[TxnEvent], features: np.ndarray, scores: np.ndarray, thresholds: Thresholds
    ) -> BatchOutcome:
        view = BatchView(events, features, np.asarray(scores, dtype=float), self._strings, self._leaves)
        errors: Counter[str] = Counter()
        allowed, blocked, hits = self._listed(view)
        matches = self._active_plan.matches(view, errors)
        decided = decide(view.scores, thresholds, allowed, blocked, matches, self._actions)
        shadow_fired: list[Sequence[FiredRule]] = [_NONE] * view.size
        shadow_matches = np.zeros((0, view.size), dtype=bool)
        changed = allowed | blocked
        changed[decided.touched] = True
        if self.shadow:
            shadow_matches = self._shadow_plan.matches(view, errors)
            shadowed = shadow_matches.any(axis=0)
            changed |= shadowed
            for i in np.flatnonzero(shadowed).tolist():
                shadow_fired[i] = tuple(self.shadow[k].fired for k in np.flatnonzero(shadow_matches[:, i]).tolist())
        if errors:
            self.errors.update(errors)
        return BatchOutcome(
            rule_set_version=self.version,
            decisions=decided.decisions,
            scores=decided.scores,
            fired=decided.fired,
            shadow=shadow_fired,
            list_hits=hits,
            changed=np.flatnonzero(changed),
            errors=dict(errors),
            matched=matches,
            shadow_matched=shadow_matches,
        )

    def _listed(self, view: BatchView) -> tuple[np.ndarray, np.ndarray, list[ListHit | None]]:
        hits: list[ListHit | None] = [None] * view.size
        flags = []
        # Block lists first, so that an allow list, which wins, overwrites the hit it names.
        for named_lists in (self._block, self._allow):
            on_any = np.zeros(view.size, dtype=bool)
            for named in named_lists:
                field, row, hit = self._list_rows[named.name]
                on = view.tested(field)[row] & ~on_any
                if on.any():
                    for i in np.flatnonzero(on).tolist():
                        hits[i] = hit
                    on_any |= on
            flags.append(on_any)
        blocked, allowed = flags
        return allowed, blocked & ~allowed, hits


class _Plan:
    """How one group of rules (the active ones, or the shadow ones) is matched against a batch."""

    def __init__(self, rules: Sequence[CompiledRule], leaves: NumericLeaves):
        self._rules = rules
        self._vectorised = np.array([k for k, c in enumerate(rules) if c.vector is not None], dtype=np.intp)
        self._program = VectorProgram([c.vector for c in rules if c.vector is not None], leaves)
        self._interpreted = [(k, c) for k, c in enumerate(rules) if c.vector is None]

    def matches(self, view: BatchView, errors: Counter[str]) -> np.ndarray:
        """(rules x transactions): whether each rule holds for each transaction."""
        if not self._rules:
            return np.zeros((0, view.size), dtype=bool)
        if view.has_nan():  # where numpy and CEL part (vector_compile.py): the interpreter answers
            return self._interpret_all(view, errors)
        try:
            if len(self._vectorised) == len(self._rules):
                return self._program.evaluate(view)
            matches = np.zeros((len(self._rules), view.size), dtype=bool)
            if len(self._vectorised):
                matches[self._vectorised] = self._program.evaluate(view)
        except NeedsInterpreter:  # likewise, found while evaluating
            return self._interpret_all(view, errors)
        for k, compiled in self._interpreted:
            matches[k] = _interpret(compiled, view, errors)
        return matches

    def _interpret_all(self, view: BatchView, errors: Counter[str]) -> np.ndarray:
        matches = np.zeros((len(self._rules), view.size), dtype=bool)
        for k, compiled in enumerate(self._rules):
            matches[k] = _interpret(compiled, view, errors)
        return matches


def _interpret(compiled: CompiledRule, view: BatchView, errors: Counter[str]) -> np.ndarray:
    flags = np.zeros(view.size, dtype=bool)
    rule = compiled.interpreted
    failed = 0
    for i in range(view.size):
        try:
            flags[i] = rule.matches(view.transaction(i), view.feature_values(i), view.score(i))
        except Exception:  # whatever the expression raises on this transaction: not fired, counted
            failed += 1
    if failed:
        errors[compiled.rule.id] += failed
        log.debug("rule %s failed on %d of %d transactions", compiled.rule.id, failed, view.size)
    return flags
