"""An invalid rule is refused before it runs, with where and why; a valid one compiles."""

from __future__ import annotations

import grpc
import pytest

from fraudmesh.errors import InvalidArgument
from scoring_svc.rules import Action, InvalidExpression, NamedList, Rule, RuleSet, check_expression

LISTS = ["blocked_merchants"]


def refused(expression: str) -> InvalidExpression:
    with pytest.raises(InvalidExpression) as caught:
        check_expression(expression, LISTS)
    return caught.value


def test_a_syntax_error_names_its_line_and_column():
    error = refused("tx.amount > ")
    assert (error.line, error.column) == (1, 13)
    assert "line 1, column 13" in str(error)

    error = refused('tx.channel == "CARD_NOT_PRESENT" &&\n  features.amount_to_usual >')
    assert (error.line, error.column) == (2, 29)


def test_a_refusal_is_an_invalid_argument_naming_the_expression_field():
    error = refused("tx.amount >")
    assert isinstance(error, InvalidArgument)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.violations[0].field == "expression"


@pytest.mark.parametrize(
    ("expression", "message", "column"),
    [
        ("customer.age > 3", "unknown name 'customer'", 1),
        ("score > 0.5 && request.ip == '1'", "unknown name 'request'", 16),
        ("tx.amout > 10.0", "tx has no field 'amout'", 4),
        ("features.amount_to_customer_median > 8.0", "features has no field 'amount_to_customer_median'", 10),
        ("tx.merchant_id in lists.blocked_customers", "no list named 'blocked_customers'", 25),
        ("size(lists.blocked_merchants) > 0", "lists.blocked_merchants can only be the right side of `in`", 12),
    ],
)
def test_names_outside_the_environment_are_refused_where_they_stand(expression, message, column):
    error = refused(expression)
    assert message in error.detail
    assert (error.line, error.column) == (1, column)


def test_names_inside_string_literals_or_bound_by_a_macro_are_not_variables():
    check_expression('tx.city == "customer.age" && ["a", "b"].exists(x, x == tx.country)', LISTS)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("tx.amount + 1 > 2.0", "float + int"),  # CEL does not mix int and double
        ("tx.amount", "must give true or false"),
        ('tx.user_id.lowerAscii() == "a"', "lowerAscii"),
        ("", "empty"),
    ],
)
def test_expressions_that_cannot_give_a_boolean_are_refused(expression, message):
    assert message in refused(expression).detail


@pytest.mark.parametrize(
    "expression",
    [
        'tx.channel == "CARD_NOT_PRESENT" && features.amount_to_usual > 8.0',
        "tx.merchant_id in lists.blocked_merchants",
        '!(tx.country in ["FR", "DE"]) || has(tx.lat)',
        'tx.merchant_id.startsWith("m-") && tx.city.contains("ar") && tx.city.matches("^P")',
        'tx.occurred_at > timestamp("2026-01-01T00:00:00Z") && tx.occurred_at.getHours() < 6',
        'tx.occurred_at - timestamp("2026-12-06T00:00:00Z") > duration("24h")',
        "score >= 0.2 ? features.count_1h > 3.0 : false",
        'size(tx.user_id) > 3 && "FR" in {"FR": 1}',
    ],
)
def test_cel_as_analysts_write_it_is_accepted(expression):
    check_expression(expression, LISTS)


def test_a_rule_set_names_the_rule_it_cannot_compile():
    rules = [
        Rule("r1", "fine", "score > 0.5", Action.REVIEW),
        Rule("r2", "typo", "score > ", Action.DECLINE),
    ]
    with pytest.raises(InvalidExpression, match=r"rule r2 \(typo\)") as caught:
        RuleSet.compile(rules, [NamedList("blocked_merchants")], "v1")
    assert caught.value.column == 9


def test_an_add_score_rule_needs_its_amount():
    with pytest.raises(ValueError, match="score_delta"):
        Rule("r1", "nudge", "score > 0.5", Action.ADD_SCORE)


@pytest.mark.parametrize(
    "expression",
    [
        "[1, 2].exists(x, [3, 4].exists(y, x < y))",  # two levels: the bound
        "[[1]].all(a, a.exists(b, b > 0)) && tx.amount > 1.0",
        # Chained and side by side they only add up, however many there are.
        '[1].map(x, x).exists(y, [2].filter(z, z > y).size() > 0) && ["a"].all(s, s != "b")',
        '["exists(x, [1].all(y, [2].map(z, z)))"].exists(s, s != "")',  # inside a string: not a comprehension
    ],
)
def test_comprehensions_nested_up_to_the_bound_are_accepted(expression):
    check_expression(expression, LISTS)


def test_a_comprehension_nested_beyond_the_bound_is_refused_where_it_stands():
    error = refused("tx.amount > 1.0 &&\n  [1].exists(x, [2].all(y, [3].map(z, z + x + y).size() > 0))")

    assert (error.line, error.column) == (2, 32)  # the `map`
    assert "nest 3 deep (map inside all inside exists)" in error.detail
    assert "at most 2" in error.detail
    [violation] = error.violations
    assert (violation.field, violation.rule) == ("expression", "rule.expression.comprehension_depth")
