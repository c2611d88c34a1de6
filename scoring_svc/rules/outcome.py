"""What the rules made of a batch: per transaction the final decision, the rules that fired (for the
reasons), the shadow rules that would have fired, the list that decided, and the rule-set version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class FiredRule:
    id: str
    name: str
    action: str
    version: int
    score_delta: float = 0.0


@dataclass(frozen=True)
class ListHit:
    name: str
    kind: str  # "ALLOW" | "BLOCK"
    field: str


@dataclass(frozen=True)
class TransactionOutcome:
    decision: str  # "APPROVE" | "REVIEW" | "DECLINE"
    score: float  # the model's score plus what ADD_SCORE rules added, within [0, 1]
    fired: Sequence[FiredRule]
    shadow: Sequence[FiredRule]
    list_hit: ListHit | None
    rule_set_version: str


@dataclass
class BatchOutcome:
    """Per transaction, in the batch's order. Most transactions meet no rule: they share one empty
    tuple rather than each holding its own."""

    rule_set_version: str
    decisions: list[str]
    scores: np.ndarray
    fired: list[Sequence[FiredRule]]
    shadow: list[Sequence[FiredRule]]
    list_hits: list[ListHit | None]
    # The transactions some list, rule or shadow rule touched (a list hit, a fired or a shadow rule),
    # in order: the only ones whose decision or reasons the rules change.
    changed: np.ndarray
    errors: dict[str, int] = field(default_factory=dict)  # rule id -> transactions it failed on here
    # Whether each rule's expression holds for each transaction, whatever decided first (a list, an
    # earlier rule): (rules x transactions), active rules in priority order, then the shadow ones.
    # What a backtest counts as a rule's hits.
    matched: np.ndarray | None = None
    shadow_matched: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.decisions)

    def outcome(self, index: int) -> TransactionOutcome:
        return TransactionOutcome(
            decision=self.decisions[index],
            score=float(self.scores[index]),
            fired=self.fired[index],
            shadow=self.shadow[index],
            list_hit=self.list_hits[index],
            rule_set_version=self.rule_set_version,
        )
