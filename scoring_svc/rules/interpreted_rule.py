"""A rule run by the CEL interpreter, one transaction at a time: the reference semantics, and the path
for whatever the vectorised compiler (vector_compile.py) does not take.

The library converts every variable handed to it on every run, so a list of 100,000 entries must
never be handed over whole. Each run gets, for each list the rule names, only those of the
transaction's own string values and the expression's string literals that are in it: for
`<value> in lists.<name>` (the one use of a list a rule may make, expression_check.py) that answers
exactly as the whole set would, at a cost that does not grow with the list."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from typing import Any

import cel

from fraudmodel.features.names import FEATURE_NAMES
from scoring_svc.rules.definitions import NamedList
from scoring_svc.rules.environment import STRING_FIELDS

_STRING_LITERAL = re.compile(r"""(?<![\w])('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
_LIST_NAME = re.compile(r"(?<![\w.])lists\s*\.\s*([A-Za-z_]\w*)")
# Ones, not zeros: a sample of zeros would make `features.a / features.b` NaN, which CEL refuses to
# compare with an int, and so refuse a sound rule.
_SAMPLE_FEATURES = dict.fromkeys(FEATURE_NAMES, 1.0)


def list_names_in(code: str) -> list[str]:
    """The lists an expression (with its string literals blanked out) names."""
    return sorted(set(_LIST_NAME.findall(code)))


def string_literals(expression: str) -> list[str]:
    values = []
    for literal in _STRING_LITERAL.findall(expression):
        try:
            value = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            continue  # an escape Python reads differently: that literal just cannot be a list entry
        if isinstance(value, str):
            values.append(value)
    return values


def sample_environment(tx: dict[str, Any], code: str) -> dict[str, Any]:
    return {"tx": tx, "features": _SAMPLE_FEATURES, "score": 0.5, "lists": {name: {} for name in list_names_in(code)}}


class InterpretedRule:
    def __init__(self, program: cel.Program, expression: str, code: str, lists: Mapping[str, NamedList]):
        self._program = program
        names = set(program.variables())
        self._needs_features = "features" in names
        self._lists = [(name, lists[name].entries) for name in list_names_in(code)]
        self._literals = string_literals(expression)

    def matches(self, tx: dict[str, Any], features: Sequence[float], score: float) -> bool:
        """Raises whatever the expression raises on this transaction."""
        env: dict[str, Any] = {"tx": tx, "score": score}
        if self._needs_features:
            env["features"] = dict(zip(FEATURE_NAMES, features, strict=True))
        if self._lists:
            candidates = [tx[name] for name in STRING_FIELDS] + self._literals
            env["lists"] = {
                name: {value: True for value in candidates if value in entries} for name, entries in self._lists
            }
        result = self._program.execute(env)
        if not isinstance(result, bool):
            raise TypeError(f"the expression gave {type(result).__name__}, not a boolean")
        return result
