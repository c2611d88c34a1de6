"""Refusing a rule's expression before it runs: a syntax error with its line and column (from the CEL
parser), a name outside the environment, a transaction field or feature that does not exist, a list
that is not there or is used as anything but the right side of `in`, and an expression that does
not give a boolean on a sample transaction, and comprehensions (`all`, `exists`, `exists_one`, `map`,
`filter`) nested deeper than MAX_COMPREHENSION_DEPTH."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import cel

from fraudmesh.errors import FieldViolation, InvalidArgument
from scoring_svc.rules.environment import FEATURES, SAMPLE_EVENT, TX_FIELDS, VARIABLES, transaction_fields
from scoring_svc.rules.interpreted_rule import sample_environment

_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*)")
_STRING_LITERAL = re.compile(r"""(?s)[rRbB]*('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
_BOUND_NAME = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_SELECTION = re.compile(r"(?<![\w.])(tx|features|lists)\s*\.\s*([A-Za-z_]\w*)")
_LIST_MEMBERSHIP = re.compile(r"(?<![\w.])in\s+lists\s*\.\s*([A-Za-z_]\w*)")
_HAS_LIST = re.compile(r"(?<![\w.])has\s*\(\s*lists\s*\.\s*([A-Za-z_]\w*)\s*\)")
_MACRO_CALL = re.compile(r"\.\s*(all|exists|exists_one|map|filter)\s*(\()")

# Each nested comprehension multiplies the work of the one around it by the length of the list it
# walks (a list literal of up to the expression's 4,000 characters): two levels cost at most
# about 2,000 x 2,000 steps per transaction, a third could cost billions. Chained ones
# (`a.map(...).exists(...)`) only add and are not bounded.
MAX_COMPREHENSION_DEPTH = 2


class InvalidExpression(InvalidArgument):
    """`line` and `column` (1-based) point at the error when it has a place in the text."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, rule: str = "rule.expression"):
        self.line, self.column, self.detail, self.rule = line, column, message, rule
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__([FieldViolation("expression", rule, where + message)])


def without_strings(expression: str) -> str:
    """The expression with each string literal blanked out (same length, so positions still hold)."""
    return _STRING_LITERAL.sub(lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', expression)


def position(expression: str, offset: int) -> tuple[int, int]:
    before = expression[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def parse(expression: str) -> cel.Program:
    try:
        return cel.compile(expression)
    except Exception as error:  # the library raises ValueError with the parser's report in its text
        found = _POSITION.search(str(error))
        if found:
            raise InvalidExpression(found.group(3).strip(), int(found.group(1)), int(found.group(2))) from None
        raise InvalidExpression(str(error)) from None


def check_expression(expression: str, list_names: Collection[str]) -> cel.Program:
    """The compiled program of a valid rule expression; InvalidExpression otherwise."""
    if not expression.strip():
        raise InvalidExpression("the expression is empty")
    program = parse(expression)
    code = without_strings(expression)
    bound = set(_BOUND_NAME.findall(code))
    for name in program.variables():
        if name not in VARIABLES and name not in bound:
            found = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code)
            line, column = position(expression, found.start()) if found else (None, None)
            raise InvalidExpression(f"unknown name {name!r}: rules see only {', '.join(VARIABLES)}", line, column)
    _check_selections(expression, code, set(list_names))
    _check_comprehension_depth(expression, code)
    _trial_run(program, expression, code)
    return program


def _check_selections(expression: str, code: str, list_names: set[str]) -> None:
    known = {"tx": set(TX_FIELDS), "features": set(FEATURES)}
    memberships = {m.start(1) for m in _LIST_MEMBERSHIP.finditer(code)} | {m.start(1) for m in _HAS_LIST.finditer(code)}
    for found in _SELECTION.finditer(code):
        variable, name = found.group(1), found.group(2)
        line, column = position(expression, found.start(2))
        if variable == "lists":
            if name not in list_names:
                raise InvalidExpression(f"no list named {name!r}", line, column)
            if found.start(2) not in memberships:
                # A list of 100,000 entries is never handed to CEL whole (docs/rules.md, "Lists").
                raise InvalidExpression(f"lists.{name} can only be the right side of `in`", line, column)
        elif name not in known[variable]:
            raise InvalidExpression(f"{variable} has no field {name!r}", line, column)


def _check_comprehension_depth(expression: str, code: str) -> None:
    """Refuses the first comprehension that sits inside MAX_COMPREHENSION_DEPTH others' arguments: one
    pass over the parentheses, each open one remembering whether it is a comprehension's."""
    macros = {found.start(2): (found.group(1), found.start(1)) for found in _MACRO_CALL.finditer(code)}
    open_parentheses: list[str | None] = []  # the comprehension each open parenthesis belongs to, if any
    for offset, character in enumerate(code):
        if character == ")":
            if open_parentheses:
                open_parentheses.pop()
            continue
        if character != "(":
            continue
        name, at = macros.get(offset, (None, 0))
        if name is not None:
            around = [outer for outer in open_parentheses if outer is not None]
            if len(around) >= MAX_COMPREHENSION_DEPTH:
                line, column = position(expression, at)
                chain = " inside ".join([name, *reversed(around)])
                raise InvalidExpression(
                    f"comprehensions nest {len(around) + 1} deep ({chain}); at most {MAX_COMPREHENSION_DEPTH}, "
                    "since each level multiplies the work",
                    line,
                    column,
                    rule="rule.expression.comprehension_depth",
                )
        open_parentheses.append(name)


def _trial_run(program: cel.Program, expression: str, code: str) -> None:
    env: dict[str, Any] = sample_environment(transaction_fields(SAMPLE_EVENT), code)
    try:
        result = program.execute(env)
    except (TypeError, OverflowError) as error:
        raise InvalidExpression(f"fails on a sample transaction: {error}") from None
    except RuntimeError as error:
        if "Undefined" in str(error):  # a function CEL does not have
            raise InvalidExpression(str(error)) from None
        return
    except Exception:  # e.g. a key chosen at run time: only a real transaction can tell
        return
    if not isinstance(result, bool):
        raise InvalidExpression(f"must give true or false, gives {type(result).__name__} on a sample transaction")
