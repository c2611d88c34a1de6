"""The common subset of CEL (vector_parser.py) as numpy over a whole batch: one array operation per
node of the expression for all the batch's transactions, instead of one interpreter run per
transaction. Only what cannot raise at run time and means the same in numpy as in CEL is taken:
double arithmetic (IEEE: x/0 is inf, as in CEL), comparisons between doubles, and of a transaction's
number with an int (CEL compares them by value, and integers here are below 2**53, so exactly
doubles), string equality, membership, and boolean logic on booleans (which, without errors, is
plain logic). One place where they part remains, NaN: CEL refuses to order (< <= > >=) a NaN
against anything, an error, where numpy answers false. So an int is compared only with a feature,
the score or the amount; a batch holding a NaN among those goes to the interpreter (rule_set.py);
and an ordering of computed numbers that meets a NaN (0.0 / 0.0) raises NeedsInterpreter, which
sends the batch there too. Anything else, including
integer arithmetic, which CEL checks for overflow, is `NotVectorisable`. tests/unit/scoring_svc/rules
holds this to the interpreter's answers on random expressions and transactions."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring_svc.rules.batch_view import BatchView
from scoring_svc.rules.definitions import NamedList
from scoring_svc.rules.environment import FEATURES, NUMBER_FIELDS, STRING_FIELDS
from scoring_svc.rules.numeric_leaves import MIRRORED, NumericLeaves, number_row
from scoring_svc.rules.string_tests import StringTests, Test
from scoring_svc.rules.vector_parser import (
    Binary,
    ListLiteral,
    ListRef,
    Literal,
    Method,
    Node,
    NotVectorisable,
    Select,
    Unary,
    parse_subset,
)

Column = Callable[[BatchView], Any]  # an array over the batch, or one value for all of it


class NeedsInterpreter(Exception):
    """Raised while evaluating a batch where numpy and CEL part: arithmetic gave a NaN that an
    ordering comparison (< <= > >=) meets, which CEL refuses (an error: the rule does not fire and
    is counted) where numpy answers false. The rule set then asks the interpreter for that batch."""


@dataclass(frozen=True)
class Atom:
    """A boolean of the expression that is not itself `&&` or `||`: a leaf comparison of the rule
    set's NumericLeaves (`leaf` its row), or any other boolean computed by `column`."""

    key: str
    column: Column
    leaf: int | None = None


Clauses = list[list[Atom]]  # the expression as an AND of ORs of atoms

_NUMBER = ("int", "double")
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt}
_COMPARE[">="] = operator.ge
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
_STRING_METHODS = {"startsWith": "startswith", "endsWith": "endswith", "contains": "__contains__"}


def vectorise(
    expression: str, lists: Mapping[str, NamedList], leaves: NumericLeaves, strings: StringTests | None = None
) -> Clauses:
    """The expression as an AND of ORs of atoms (vector_program.py evaluates every rule's at once);
    NotVectorisable when it is outside the subset. Its comparisons of a number with a constant join
    `leaves`; its tests of a string field against constants join `strings`. Without errors (the subset has none) CEL's && and || are plain logic, so this
    flattening is exact; an OR of ANDs stays one atom."""
    compiler = _Compiler(lists, leaves, strings or StringTests())
    node = parse_subset(expression)
    _, kind = compiler.compile(node)  # type-checks the whole expression first
    if kind != "bool":
        raise NotVectorisable(f"gives {kind}")
    return compiler.clauses(node)


def _constant(value: Any) -> Column:
    return lambda view: value


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "double", str: "string"}[type(value)]


def _shared(column: Column, key: str) -> Column:
    """Computed once per batch for all the rules that contain it (`tx.channel == "CARD_NOT_PRESENT"`
    in ten rules is one comparison). The key is the node's repr, which tells 1 from 1.0 and true."""

    def run(view: BatchView) -> Any:
        value = view.cache.get(key)
        if value is None:
            value = view.cache[key] = column(view)
        return value

    return run


class _Compiler:
    def __init__(self, lists: Mapping[str, NamedList], leaves: NumericLeaves, strings: StringTests):
        self._lists = lists
        self._leaves = leaves
        self._strings = strings

    def clauses(self, node: Node) -> Clauses:
        if isinstance(node, Binary) and node.op == "&&":
            return self.clauses(node.left) + self.clauses(node.right)
        return [self._clause(node)]

    def _clause(self, node: Node) -> list[Atom]:
        if isinstance(node, Binary) and node.op == "||":
            return self._clause(node.left) + self._clause(node.right)
        leaf = self._leaf_index(node) if isinstance(node, Binary) and node.op in _COMPARE else None
        column, _ = self.compile(node)
        return [Atom(repr(node), column, leaf)]

    def compile(self, node: Node) -> tuple[Column, str]:
        tested = self._string_test(node)
        if tested is not None:
            field, row = self._strings.add(*tested)
            return (lambda view: view.tested(field)[row]), "bool"
        if isinstance(node, Literal):
            return _constant(node.value), _kind_of(node.value)
        if isinstance(node, Select):
            return self._select(node)
        if isinstance(node, Unary):
            return self._unary(node)
        if isinstance(node, Binary) and node.op in ("&&", "||"):
            return self._logic(node), "bool"
        if isinstance(node, Binary) and node.op in _COMPARE:
            leaf = self._leaf_index(node)
            if leaf is not None:
                return (lambda view: view.leaf_rows[leaf]), "bool"
            return _shared(self._comparison(node), repr(node)), "bool"
        if isinstance(node, Binary) and node.op == "in":
            return _shared(self._membership(node), repr(node)), "bool"
        if isinstance(node, Binary):
            return _shared(self._arithmetic(node), repr(node)), "double"
        if isinstance(node, Method):
            return _shared(self._method(node), repr(node)), "bool"
        raise NotVectorisable(type(node).__name__)

    def _select(self, node: Select) -> tuple[Column, str]:
        field = node.variable, node.field
        if node.variable == "score" or (node.variable == "features" and node.field in FEATURES):
            row = self._leaves.reads(number_row(*field))
            return (lambda view: view.numbers()[row]), "double"
        if node.variable == "tx" and node.field in NUMBER_FIELDS:
            row = self._leaves.reads(number_row(*field))
            return (lambda view: view.numbers()[row]), "double"
        if node.variable == "tx" and node.field in STRING_FIELDS:
            name = node.field
            return (lambda view: view.strings(name)), "string"
        raise NotVectorisable(f"{node.variable}.{node.field}")

    def _string_test(self, node: Node) -> tuple[str, object, Test] | None:
        """A test of one string field against constants, as (field, key, test), for StringTests."""
        if isinstance(node, Method):
            target, argument = node.target, node.argument
            if _string_field(target) and isinstance(argument, Literal) and isinstance(argument.value, str):
                assert isinstance(target, Select)
                method = operator.methodcaller(_STRING_METHODS[node.name], argument.value)
                return target.field, (node.name, argument.value), method
            return None
        if not isinstance(node, Binary):
            return None
        left, right = node.left, node.right
        if node.op in ("==", "!=") and isinstance(left, Literal) and _string_field(right):
            left, right = right, left
        if not _string_field(left):
            return None
        assert isinstance(left, Select)
        if node.op in ("==", "!=") and isinstance(right, Literal) and isinstance(right.value, str):
            constant = right.value
            test: Test = constant.__eq__ if node.op == "==" else constant.__ne__
            return left.field, (node.op, constant), test
        if node.op == "in" and isinstance(right, ListRef) and right.name in self._lists:
            return left.field, ("list", right.name), self._lists[right.name].entries.__contains__
        if node.op == "in" and isinstance(right, ListLiteral):
            values = [item.value for item in right.items]
            if all(isinstance(value, str) for value in values):
                members = frozenset(values)
                return left.field, ("in", members), members.__contains__
        return None

    def _leaf_index(self, node: Binary) -> int | None:
        """A number compared with a constant, as one row of the rule set's leaf matrix."""
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Literal) and isinstance(right, Select):
            left, right, op = right, left, MIRRORED[op]
        if not (isinstance(left, Select) and isinstance(right, Literal)):
            return None
        if _kind_of(right.value) not in _NUMBER or self._select(left)[1] != "double":
            return None
        return self._leaves.add(op, number_row(left.variable, left.field), float(right.value))

    def _unary(self, node: Unary) -> tuple[Column, str]:
        operand, kind = self.compile(node.operand)
        if node.op == "!" and kind == "bool":
            return (lambda view: np.logical_not(operand(view))), "bool"
        if node.op == "-" and kind == "double":
            return (lambda view: np.negative(operand(view))), "double"
        raise NotVectorisable(f"{node.op}{kind}")

    def _logic(self, node: Binary) -> Column:
        left, left_kind = self.compile(node.left)
        right, right_kind = self.compile(node.right)
        if left_kind != "bool" or right_kind != "bool":
            raise NotVectorisable(f"{left_kind} {node.op} {right_kind}")
        combine = operator.and_ if node.op == "&&" else operator.or_  # on booleans: logical, and cheaper
        return lambda view: combine(left(view), right(view))

    def _comparison(self, node: Binary) -> Column:
        left, left_kind = self.compile(node.left)
        right, right_kind = self.compile(node.right)
        numbers = left_kind == right_kind == "double" or left_kind == right_kind == "int"
        equality = node.op in ("==", "!=") and left_kind == right_kind and left_kind in ("string", "bool")
        if not (numbers or equality):
            raise NotVectorisable(f"{left_kind} {node.op} {right_kind}")
        compare = _COMPARE[node.op]
        if node.op not in ("==", "!=") and (_computes_number(node.left) or _computes_number(node.right)):

            def ordered(view: BatchView) -> Any:
                left_values, right_values = left(view), right(view)
                if np.isnan(left_values).any() or np.isnan(right_values).any():
                    raise NeedsInterpreter(repr(node))
                return compare(left_values, right_values)

            return ordered
        if isinstance(node.right, Literal):
            constant = node.right.value
            return lambda view: compare(left(view), constant)
        return lambda view: compare(left(view), right(view))

    def _arithmetic(self, node: Binary) -> Column:
        left, left_kind = self.compile(node.left)
        right, right_kind = self.compile(node.right)
        if left_kind != "double" or right_kind != "double":
            raise NotVectorisable(f"{left_kind} {node.op} {right_kind}")  # CEL: no mixing; ints overflow-checked
        function = _ARITHMETIC[node.op]

        def run(view: BatchView) -> Any:
            with np.errstate(all="ignore"):  # inf and nan are what CEL's doubles give too
                return function(left(view), right(view))

        return run

    def _membership(self, node: Binary) -> Column:
        left_node, right_node = node.left, node.right
        if isinstance(right_node, ListRef):
            if right_node.name not in self._lists:
                raise NotVectorisable(f"lists.{right_node.name}")
            entries = self._lists[right_node.name].entries
            # `tx.<field> in lists.<name>` is a string test (_string_test), answered before this.
            if isinstance(left_node, Literal) and isinstance(left_node.value, str):
                return _constant(left_node.value in entries)
            raise NotVectorisable("`in lists` of other than a string field or literal")
        if not isinstance(right_node, ListLiteral):
            raise NotVectorisable("`in` other than a list")
        left, left_kind = self.compile(left_node)
        kinds = {_kind_of(item.value) for item in right_node.items}
        values = [item.value for item in right_node.items]
        if left_kind == "string" and kinds <= {"string"}:
            members = frozenset(values)
            return lambda view: _each(left(view), members.__contains__)
        if left_kind == "double" and isinstance(left_node, Select) and kinds <= set(_NUMBER):
            numbers = np.array(values, dtype=float)
            return lambda view: np.isin(left(view), numbers)
        raise NotVectorisable(f"{left_kind} in a list of {kinds}")

    def _method(self, node: Method) -> Column:
        target, target_kind = self.compile(node.target)
        argument = node.argument
        if target_kind != "string" or not isinstance(argument, Literal) or not isinstance(argument.value, str):
            raise NotVectorisable(f"{node.name} on {target_kind}")
        test = operator.methodcaller(_STRING_METHODS[node.name], argument.value)
        return lambda view: _each(target(view), test)


def _string_field(node: Node) -> bool:
    return isinstance(node, Select) and node.variable == "tx" and node.field in STRING_FIELDS


def _computes_number(node: Node) -> bool:
    """Whether the node computes a number (and so can give NaN from numbers that are not)."""
    return (isinstance(node, Binary) and node.op in _ARITHMETIC) or (isinstance(node, Unary) and node.op == "-")


def _each(values: Any, test: Callable[[str], bool]) -> Any:
    if isinstance(values, str):
        return test(values)
    return np.fromiter(map(test, values), dtype=bool, count=len(values))
