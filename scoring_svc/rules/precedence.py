"""How lists, rules and the model's thresholds combine into one decision per transaction:

1. an allow list that holds the transaction's field: APPROVE, and nothing else is consulted;
2. a block list that holds it: DECLINE;
3. the active rules in priority order (lower first, ties by id): the first one that matches with a
   decisive action (APPROVE, REVIEW, DECLINE) decides; ADD_SCORE rules that match before it add
   their amount to the model's score; rules after the deciding one are not consulted;
4. with no deciding rule, the model's thresholds decide on the score plus what ADD_SCORE rules added
   (kept within [0, 1]).

Computed over the whole batch at once from a (rules x transactions) matrix of matches; only the
transactions some rule matched are looked at one by one, and what each distinct set of matching
rules comes to (the deciding rule, the amount added, the rules named) is worked out once and kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules.outcome import FiredRule

_NONE: tuple[FiredRule, ...] = ()
_APPROVE, _REVIEW, _DECLINE = 0, 1, 2
_NAMES = np.array(["APPROVE", "REVIEW", "DECLINE"], dtype=object)
_CODES = {"APPROVE": _APPROVE, "REVIEW": _REVIEW, "DECLINE": _DECLINE}


class RuleActions:
    """The active rules' actions in priority order, built once per rule set, and what each set of
    matching rules comes to, remembered: most transactions that meet rules meet the same few."""

    _REMEMBERED = 4096  # distinct sets of matching rules kept; forgotten all at once beyond

    def __init__(self, rules: Sequence[FiredRule]):
        self.rules = tuple(rules)
        self._verdicts: dict[bytes, Verdict] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def verdict(self, pattern: np.ndarray) -> Verdict:
        """`pattern`: np.packbits of one transaction's matches (one bit per rule, priority order)."""
        key = pattern.tobytes()
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= self._REMEMBERED:
                self._verdicts.clear()
            matched = np.flatnonzero(np.unpackbits(pattern)[: len(self.rules)]).tolist()
            verdict = self._verdicts[key] = _verdict([self.rules[k] for k in matched])
        return verdict


@dataclass(frozen=True)
class Verdict:
    """What a set of matching rules comes to: the deciding rule's code (None: the thresholds decide),
    the amount the ADD_SCORE rules before it add, and the rules named in the reasons."""

    code: int | None
    delta: float
    fired: tuple[FiredRule, ...]


def _verdict(matched: Sequence[FiredRule]) -> Verdict:
    fired: list[FiredRule] = []
    delta = 0.0
    for rule in matched:
        fired.append(rule)
        if rule.action in _CODES:
            return Verdict(_CODES[rule.action], delta, tuple(fired))
        delta += rule.score_delta
    return Verdict(None, delta, tuple(fired))


@dataclass(frozen=True)
class Decided:
    decisions: list[str]
    scores: np.ndarray
    fired: list[Sequence[FiredRule]]
    touched: np.ndarray  # the transactions some rule fired for


def threshold_codes(scores: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Thresholds.decide over an array: decline first, as it does."""
    return np.where(scores >= thresholds.decline, _DECLINE, np.where(scores >= thresholds.review, _REVIEW, _APPROVE))


def threshold_code(score: float, thresholds: Thresholds) -> int:
    return _DECLINE if score >= thresholds.decline else _REVIEW if score >= thresholds.review else _APPROVE


def decide(
    scores: np.ndarray,
    thresholds: Thresholds,
    allowed: np.ndarray,
    blocked: np.ndarray,
    matches: np.ndarray,
    rules: RuleActions,
) -> Decided:
    """`matches[k, i]`: active rule `rules[k]` (in priority order) holds for transaction i."""
    count = len(scores)
    adjusted = scores
    codes = threshold_codes(scores, thresholds)
    fired: list[Sequence[FiredRule]] = [_NONE] * count
    touched = np.zeros(0, dtype=np.intp)
    if len(rules):
        # A listed transaction meets no rule.
        touched = np.flatnonzero(matches.any(axis=0) & ~(allowed | blocked))
        if touched.size:
            adjusted = scores.copy()
            patterns = np.packbits(matches[:, touched], axis=0).T
            for i, pattern in zip(touched.tolist(), patterns, strict=True):
                verdict = rules.verdict(pattern)
                fired[i] = verdict.fired
                if verdict.delta:
                    adjusted[i] = min(1.0, max(0.0, adjusted[i] + verdict.delta))
                codes[i] = threshold_code(adjusted[i], thresholds) if verdict.code is None else verdict.code
    codes[blocked] = _DECLINE
    codes[allowed] = _APPROVE
    return Decided(_NAMES[codes].tolist(), adjusted, fired, touched)
