"""Rules and lists between protobuf, REST JSON and database rows. The REST API and the database both
use the enums' stems (`RULE_ACTION_DECLINE` -> `DECLINE`), as for decisions (enums.py)."""

from __future__ import annotations

from typing import Any

from fraud.v1 import rule_service_pb2

from fraudmesh.conversions.enums import DECISION_NAMES, LABEL_NAMES, stems
from fraudmesh.conversions.time import optional_rfc3339

_Action, _Status, _Kind = rule_service_pb2.RuleAction, rule_service_pb2.RuleStatus, rule_service_pb2.RuleListKind

RULE_ACTION_NAMES = stems(_Action)
RULE_ACTION_VALUES = {name: value for value, name in RULE_ACTION_NAMES.items()}
RULE_STATUS_NAMES = stems(_Status)
RULE_STATUS_VALUES = {name: value for value, name in RULE_STATUS_NAMES.items()}
RULE_LIST_KIND_NAMES = stems(_Kind)
RULE_LIST_KIND_VALUES = {name: value for value, name in RULE_LIST_KIND_NAMES.items()}


def definition_from_row(row: Any) -> rule_service_pb2.RuleDefinition:
    """From a `rules` or `rule_versions` row (store_svc.schema)."""
    return rule_service_pb2.RuleDefinition(
        name=row.name,
        expression=row.expression,
        action=RULE_ACTION_VALUES[row.action],  # type: ignore[arg-type]
        score_delta=row.score_delta,
        priority=row.priority,
        status=RULE_STATUS_VALUES[row.status],  # type: ignore[arg-type]
    )


def definition_row(definition: rule_service_pb2.RuleDefinition) -> dict[str, Any]:
    """The columns a rule and each of its revisions share, which are also its fields in the REST API."""
    return {
        "name": definition.name,
        "expression": definition.expression,
        "action": RULE_ACTION_NAMES[definition.action],
        "score_delta": definition.score_delta,
        "priority": definition.priority,
        "status": RULE_STATUS_NAMES[definition.status],
    }


def rule_object(rule: rule_service_pb2.Rule) -> dict[str, Any]:
    """A rule as the REST API shows it: its definition's fields beside its id and revision."""
    return {
        "id": rule.id,
        **definition_row(rule.definition),
        "version": rule.version,
        "created_by": rule.created_by,
        "created_at": optional_rfc3339(rule, "created_at"),
        "updated_by": rule.updated_by,
        "updated_at": optional_rfc3339(rule, "updated_at"),
    }


def revision_object(revision: rule_service_pb2.RuleRevision) -> dict[str, Any]:
    return {
        "version": revision.version,
        **definition_row(revision.definition),
        "change": revision.change,
        "changed_by": revision.changed_by,
        "changed_at": optional_rfc3339(revision, "changed_at"),
    }


def rule_list_object(named: rule_service_pb2.RuleList) -> dict[str, Any]:
    return {
        "name": named.name,
        "kind": RULE_LIST_KIND_NAMES[named.kind],
        "field": named.field or None,
        "description": named.description,
        "size": named.size,
        "created_by": named.created_by,
        "created_at": optional_rfc3339(named, "created_at"),
    }


def _previewed_object(previewed: rule_service_pb2.PreviewedTransaction) -> dict[str, Any]:
    return {
        "id": previewed.id,
        "user_id": previewed.user_id,
        "merchant_id": previewed.merchant_id,
        "amount": previewed.amount,
        "currency": previewed.currency,
        "occurred_at": optional_rfc3339(previewed, "occurred_at"),
        "score": previewed.score,
        "label": LABEL_NAMES.get(previewed.label),
        "decision_without": DECISION_NAMES[previewed.decision_without],
        "decision_with": DECISION_NAMES[previewed.decision_with],
    }


def preview_object(preview: rule_service_pb2.PreviewRuleResponse) -> dict[str, Any]:
    """A draft rule's preview as the REST API shows it (edge.rule_models.RulePreviewOut)."""
    return {
        "days": preview.days,
        "since": optional_rfc3339(preview, "since"),
        "scanned": preview.scanned,
        "truncated": preview.truncated,
        "matched": preview.matched,
        "reviews_without": preview.reviews_without,
        "reviews_with": preview.reviews_with,
        "declines_without": preview.declines_without,
        "declines_with": preview.declines_with,
        "frauds_matched": preview.frauds_matched,
        "frauds": [_previewed_object(previewed) for previewed in preview.frauds],
        "legitimate_matched": preview.legitimate_matched,
        "legitimate": [_previewed_object(previewed) for previewed in preview.legitimate],
        "rule_set_version": preview.rule_set_version,
    }
