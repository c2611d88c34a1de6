"""A parser for the common subset of CEL that vector_compile.py turns into numpy over a whole batch:
comparisons, `&&` `||` `!`, arithmetic, `in` a list, and startsWith / endsWith / contains with a
literal, over tx, features, score and lists. It never decides whether an expression is valid CEL
(the CEL library does, before this runs): it only answers `NotVectorisable` for anything outside the
subset, and the rule then runs in the interpreter."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
      | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
      | (?P<name>[A-Za-z_]\w*)
      | (?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*/().\[\],])
    )""",
    re.VERBOSE,
)
_RELATIONS = ("==", "!=", "<", "<=", ">", ">=")
METHODS = ("startsWith", "endsWith", "contains")
MAX_EXACT_INT = 2**53  # larger integers are not exactly doubles: numpy would compare them differently


class NotVectorisable(Exception):
    pass


@dataclass(frozen=True)
class Literal:
    value: bool | int | float | str


@dataclass(frozen=True)
class Select:
    variable: str  # "tx" | "features" | "score" ("score" has no field)
    field: str = ""


@dataclass(frozen=True)
class ListRef:
    name: str


@dataclass(frozen=True)
class ListLiteral:
    items: tuple[Literal, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "!" | "-"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # "&&" "||" relations "in" "+" "-" "*" "/"
    left: Node
    right: Node


@dataclass(frozen=True)
class Method:
    name: str
    target: Node
    argument: Node


Node = Literal | Select | ListRef | ListLiteral | Unary | Binary | Method


def tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, position, end = [], 0, len(expression.rstrip())
    while position < end:
        found = _TOKEN.match(expression, position)
        if not found or found.end() == position:
            raise NotVectorisable(f"character {expression[position : position + 1]!r}")
        kind = found.lastgroup
        assert kind is not None
        tokens.append((kind, found.group(kind)))
        position = found.end()
    return tokens


def parse_subset(expression: str) -> Node:
    parser = _Parser(tokenize(expression))
    node = parser.or_()
    if parser.peek() is not None:
        raise NotVectorisable(f"unexpected {parser.peek()}")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self._tokens = tokens
        self._at = 0

    def peek(self) -> str | None:
        return self._tokens[self._at][1] if self._at < len(self._tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self._at >= len(self._tokens):
            raise NotVectorisable("unexpected end")
        token = self._tokens[self._at]
        if expected is not None and token[1] != expected:
            raise NotVectorisable(f"expected {expected}, found {token[1]}")
        self._at += 1
        return token

    def or_(self) -> Node:
        node = self.and_()
        while self.peek() == "||":
            self.take()
            node = Binary("||", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.relation()
        while self.peek() == "&&":
            self.take()
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        left = self.sum()
        op = self.peek()
        if op in _RELATIONS or op == "in":
            self.take()
            right = self.sum()
            if self.peek() in _RELATIONS or self.peek() == "in":
                raise NotVectorisable("chained relations")  # CEL reads `a < b < c` as `(a < b) < c`
            return Binary(op, left, right)
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() in ("!", "-"):
            op = self.take()[1]
            operand = self.unary()
            if op == "-" and isinstance(operand, Literal) and type(operand.value) in (int, float):
                return Literal(-operand.value)  # type: ignore[operator]
            return Unary(op, operand)
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while self.peek() == ".":
            self.take()
            kind, name = self.take()
            if kind != "name" or name not in METHODS or self.peek() != "(":
                raise NotVectorisable(f".{name}")
            self.take("(")
            argument = self.or_()
            self.take(")")
            node = Method(name, node, argument)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return _number(text)
        if kind == "string":
            return Literal(text[1:-1])
        if text == "(":
            node = self.or_()
            self.take(")")
            return node
        if text == "[":
            return self.list_literal()
        if kind == "name":
            return self.name(text)
        raise NotVectorisable(text)

    def list_literal(self) -> ListLiteral:
        items: list[Literal] = []
        while self.peek() != "]":
            item = self.unary()
            if not isinstance(item, Literal):
                raise NotVectorisable("a list of other than literals")
            items.append(item)
            if self.peek() != "]":
                self.take(",")
        self.take("]")
        return ListLiteral(tuple(items))

    def name(self, text: str) -> Node:
        if text in ("true", "false"):
            return Literal(text == "true")
        if text == "score":
            return Select("score")
        if text in ("tx", "features", "lists") and self.peek() == ".":
            self.take(".")
            kind, field = self.take()
            if kind != "name" or self.peek() == "(":
                raise NotVectorisable(f"{text}.{field}(")
            return ListRef(field) if text == "lists" else Select(text, field)
        raise NotVectorisable(text)


def _number(text: str) -> Literal:
    if any(c in text for c in ".eE"):
        return Literal(float(text))
    value = int(text)
    if value >= MAX_EXACT_INT:
        raise NotVectorisable("an integer beyond 2**53")
    return Literal(value)
