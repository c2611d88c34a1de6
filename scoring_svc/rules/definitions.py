"""What an analyst writes: a rule (a CEL expression and what to do when it holds) and a named list."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

from scoring_svc.rules.environment import STRING_FIELDS


class Action(StrEnum):
    APPROVE = "APPROVE"
    REVIEW = "REVIEW"
    DECLINE = "DECLINE"
    ADD_SCORE = "ADD_SCORE"  # adds `Rule.score_delta` to the model's score before the thresholds

    @property
    def decisive(self) -> bool:
        return self is not Action.ADD_SCORE


class RuleStatus(StrEnum):
    ACTIVE = "ACTIVE"  # evaluated and obeyed
    SHADOW = "SHADOW"  # evaluated and recorded when it would have fired; changes nothing
    DISABLED = "DISABLED"  # not evaluated


@dataclass(frozen=True)
class Rule:
    """`priority`: lower runs first (ties by id). `version`: the stored revision this text belongs to,
    carried into the reasons so a decision names exactly what fired."""

    id: str
    name: str
    expression: str
    action: Action
    priority: int = 100
    status: RuleStatus = RuleStatus.ACTIVE
    version: int = 1
    score_delta: float = 0.0

    def __post_init__(self) -> None:
        if self.action is Action.ADD_SCORE and not (math.isfinite(self.score_delta) and self.score_delta != 0.0):
            raise ValueError(f"rule {self.id}: ADD_SCORE needs a finite, non-zero score_delta")
        if self.action is not Action.ADD_SCORE and self.score_delta != 0.0:
            raise ValueError(f"rule {self.id}: only ADD_SCORE rules carry a score_delta")


class ListKind(StrEnum):
    ALLOW = "ALLOW"  # a transaction whose `field` is in it is approved before any rule
    BLOCK = "BLOCK"  # ... declined, after the allow lists and before any rule
    REFERENCE = "REFERENCE"  # only what rules make of it (`tx.country in lists.risky_countries`)


_LIST_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedList:
    """A set of strings, reachable in every rule as `lists.<name>`. An allow or block list also names
    the transaction field (`tx.<field>`) it is matched against on its own."""

    name: str
    entries: frozenset[str] = field(default_factory=frozenset)
    kind: ListKind = ListKind.REFERENCE
    field: str | None = None

    def __post_init__(self) -> None:
        if not _LIST_NAME.match(self.name):
            raise ValueError(f"list name {self.name!r}: lower-case letters, digits and _, not starting with a digit")
        if self.kind is not ListKind.REFERENCE and self.field not in STRING_FIELDS:
            raise ValueError(f"list {self.name}: an {self.kind} list needs a field among {', '.join(STRING_FIELDS)}")
        if not isinstance(self.entries, frozenset):
            object.__setattr__(self, "entries", frozenset(self.entries))
