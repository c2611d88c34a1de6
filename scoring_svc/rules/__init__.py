"""Analysts' rules in CEL and their allow, block and reference lists, evaluated beside the model over a
scored batch (docs/rules.md). Pure: whoever stores rules and lists loads them and hands them to
`RuleSet.compile`; nothing here reads a database or a topic."""

from scoring_svc.rules.definitions import Action, ListKind, NamedList, Rule, RuleStatus
from scoring_svc.rules.expression_check import InvalidExpression, check_expression
from scoring_svc.rules.outcome import BatchOutcome, FiredRule, ListHit, TransactionOutcome
from scoring_svc.rules.rule_set import RuleSet

__all__ = [
    "Action",
    "BatchOutcome",
    "FiredRule",
    "InvalidExpression",
    "ListHit",
    "ListKind",
    "NamedList",
    "Rule",
    "RuleSet",
    "RuleStatus",
    "TransactionOutcome",
    "check_expression",
]
