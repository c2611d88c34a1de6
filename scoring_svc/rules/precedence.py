"""How lists, rules and the model's thresholds combine into one decision per transaction:

1. an allow list that holds the transaction's field: APPROVE, and nothing else is consulted;
2. a block list that holds it: DECLINE;
3. the active rules in priority order (lower first, ties by id): the first one that matches with a
   decisive action (APPROVE, REVIEW, DECLINE) decides; ADD_SCORE rules that match before it add
   their amount to the model's score; rules after the deciding one are not consulted;
4. with no deciding rule, the model's thresholds decide on the score plus what ADD_SCORE rules added
   (kept within [0, 1]).

Computed over the whole batch at once from a (rules x transactions) matrix of matches; only the
transactions some rule matched are looked at one by one."""

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
    """The active rules' actions as arrays, in priority order, built once per rule set."""

    def __init__(self, rules: Sequence[FiredRule]):
        self.rules = tuple(rules)
        self.decisive = np.array([rule.action != "ADD_SCORE" for rule in rules], dtype=bool)
        self.deltas = np.array([rule.score_delta for rule in rules], dtype=float)
        self.codes = np.array([_CODES.get(rule.action, _APPROVE) for rule in rules], dtype=np.int64)
        self.positions = np.arange(len(rules))

    def __len__(self) -> int:
        return len(self.rules)


@dataclass(frozen=True)
class Decided:
    decisions: list[str]
    scores: np.ndarray
    fired: list[Sequence[FiredRule]]


def threshold_codes(scores: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Thresholds.decide over an array: decline first, as it does."""
    return np.where(scores >= thresholds.decline, _DECLINE, np.where(scores >= thresholds.review, _REVIEW, _APPROVE))


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
    if len(rules):
        # A listed transaction meets no rule.
        touched = np.flatnonzero(matches.any(axis=0) & ~(allowed | blocked))
        if touched.size:
            adjusted = scores.copy()
            _apply_rules(matches[:, touched], touched, rules, thresholds, adjusted, codes, fired)
    codes[blocked] = _DECLINE
    codes[allowed] = _APPROVE
    return Decided(_NAMES[codes].tolist(), adjusted, fired)


def _apply_rules(
    matched: np.ndarray,
    touched: np.ndarray,
    rules: RuleActions,
    thresholds: Thresholds,
    adjusted: np.ndarray,
    codes: np.ndarray,
    fired: list[Sequence[FiredRule]],
) -> None:
    """`matched`: the match matrix's columns of the transactions `touched` (which some rule matched)."""
    decisive, deltas = rules.decisive, rules.deltas
    decisive_matches = matched & decisive[:, None]
    has_decisive = decisive_matches.any(axis=0)
    first = np.where(has_decisive, decisive_matches.argmax(axis=0), len(rules))
    adding = matched & ~decisive[:, None] & (rules.positions[:, None] < first[None, :])
    new_scores = np.clip(adjusted[touched] + deltas @ adding, 0.0, 1.0)
    adjusted[touched] = new_scores
    new_codes = threshold_codes(new_scores, thresholds)
    if has_decisive.any():
        new_codes[has_decisive] = rules.codes[first[has_decisive]]
    codes[touched] = new_codes
    # Many transactions meet the same rules: one tuple per distinct set of fired rules, shared.
    named = adding
    deciders = np.flatnonzero(has_decisive)
    if deciders.size:
        named = adding.copy()
        named[first[deciders], deciders] = True
    shared: dict[bytes, tuple[FiredRule, ...]] = {}
    for i, pattern in zip(touched.tolist(), np.packbits(named, axis=0).T, strict=True):
        key = pattern.tobytes()
        hits = shared.get(key)
        if hits is None:
            bits = np.unpackbits(pattern)[: len(rules)]
            hits = shared[key] = tuple(rules.rules[k] for k in np.flatnonzero(bits).tolist())
        fired[i] = hits
