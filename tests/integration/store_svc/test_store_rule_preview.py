"""A draft rule previewed over the decisions stored in the real PostgreSQL, evaluated by scoring's real
rule engine over gRPC: what an analyst reads before activating it (how many more reviews and
declines, which labelled frauds it catches, which legitimate transactions it would hit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from fraud.v1 import rule_service_pb2 as pb
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from rule_servers import rule_service
from store_testing import expect_status, make_scored
from test_store_dead_letters_rest import running_edge
from test_store_rule_service import empty_rules

from edge.upstreams import UpstreamAddresses
from fraudctl.runtime.waiting import free_port
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.draft_rules import DraftRuleEvaluator
from scoring_svc.rules import Action, Rule, RuleSet

THRESHOLDS = Thresholds(review=0.5, decline=0.9, policy="test")
NOW = datetime.now(UTC)


def evaluator(*active: Rule) -> DraftRuleEvaluator:
    rule_set = RuleSet.compile(active, [], "7")
    return DraftRuleEvaluator(lambda: rule_set, lambda: THRESHOLDS)


async def keep(store, *decisions: decision_pb2.ScoredTransaction) -> None:
    answer = await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=decisions))
    assert not answer.refused, answer


async def label(store, transaction_id: str, verdict: int) -> None:
    await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id=transaction_id, label=verdict, analyst="alice")
    )


@pytest.fixture
async def history(store) -> None:
    """Four stored decisions of the last week and one older: a labelled fraud the model approved, an
    unlabelled review, a small purchase, a labelled legitimate one, and one ten days old."""
    await keep(
        store,
        make_scored("fraud-1", minor_units=15_000, score=0.2, occurred_at=NOW - timedelta(days=1)),
        make_scored(
            "review-1",
            minor_units=20_000,
            score=0.6,
            decision=decision_pb2.DECISION_REVIEW,
            occurred_at=NOW - timedelta(days=2),
        ),
        make_scored("small-1", minor_units=5_000, score=0.1, occurred_at=NOW - timedelta(days=3)),
        make_scored("genuine-1", minor_units=12_000, score=0.1, occurred_at=NOW - timedelta(days=4)),
        make_scored("old-1", minor_units=30_000, score=0.1, occurred_at=NOW - timedelta(days=10)),
    )
    await label(store, "fraud-1", decision_pb2.LABEL_FRAUD)
    await label(store, "genuine-1", decision_pb2.LABEL_LEGITIMATE)


@pytest.fixture
async def previews(store_engine, history) -> AsyncIterator[pb.PreviewRuleRequest]:
    await empty_rules(store_engine)
    async with rule_service(store_engine, evaluator()) as running:
        yield running.stub


def draft(**overrides) -> pb.PreviewRuleRequest:
    fields = {"expression": "tx.amount > 100.0", "action": pb.RULE_ACTION_DECLINE, "priority": 10, "days": 7}
    return pb.PreviewRuleRequest(**{**fields, **overrides})


async def test_a_draft_counts_the_declines_it_adds_and_the_frauds_and_legitimate_it_meets(previews):
    answer = await previews.PreviewRule(draft())

    assert answer.days == 7 and answer.scanned == 4 and not answer.truncated
    assert answer.matched == 3
    assert (answer.reviews_without, answer.reviews_with) == (1, 0)
    assert (answer.declines_without, answer.declines_with) == (0, 3)
    assert answer.frauds_matched == 1
    assert [(t.id, t.label, t.amount) for t in answer.frauds] == [("fraud-1", decision_pb2.LABEL_FRAUD, 150.0)]
    assert answer.legitimate_matched == 2
    assert [(t.id, t.decision_without, t.decision_with) for t in answer.legitimate] == [
        ("review-1", decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE),
        ("genuine-1", decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_DECLINE),
    ]
    assert answer.rule_set_version == "7"


async def test_a_draft_reads_the_stored_features_and_the_window_is_the_days_asked(previews):
    by_features = await previews.PreviewRule(draft(expression="features.amount < 100.0", action=pb.RULE_ACTION_REVIEW))
    ten_days = await previews.PreviewRule(draft(days=11))

    assert by_features.matched == 1 and [t.id for t in by_features.legitimate] == ["small-1"]
    assert (by_features.reviews_without, by_features.reviews_with) == (1, 2)
    assert ten_days.scanned == 5 and ten_days.matched == 4


async def test_an_add_score_draft_moves_decisions_through_the_thresholds(previews):
    answer = await previews.PreviewRule(
        draft(expression="tx.amount > 140.0", action=pb.RULE_ACTION_ADD_SCORE, score_delta=0.35)
    )

    # fraud-1 0.2 -> 0.55 (review), review-1 0.6 -> 0.95 (decline)
    assert (answer.reviews_without, answer.reviews_with) == (1, 1)
    assert (answer.declines_without, answer.declines_with) == (0, 1)


async def test_the_active_rules_keep_their_precedence_over_the_draft(store_engine, history):
    await empty_rules(store_engine)
    trusted = Rule("trusted", "trusted big spender", 'tx.user_id == "user-1" && tx.amount > 180.0', Action.APPROVE, 1)
    async with rule_service(store_engine, evaluator(trusted)) as running:
        answer = await running.stub.PreviewRule(draft(priority=50))

    # review-1 (200.00) is approved by the earlier active rule with or without the draft.
    assert answer.matched == 3
    assert (answer.reviews_without, answer.reviews_with) == (0, 0)
    assert (answer.declines_without, answer.declines_with) == (0, 2)


async def test_a_preview_reads_at_most_its_bound_newest_first_and_says_so(store_engine, history):
    await empty_rules(store_engine)
    async with rule_service(store_engine, evaluator(), preview_rows=2) as running:
        answer = await running.stub.PreviewRule(draft())

    assert answer.scanned == 2 and answer.truncated
    assert [t.id for t in answer.frauds] + [t.id for t in answer.legitimate] == ["fraud-1", "review-1"]


async def test_an_expression_that_cannot_run_is_refused_naming_its_line_and_column(previews):
    refused = await expect_status(
        previews.PreviewRule(draft(expression="tx.amount >\n  tx.nope")), grpc.StatusCode.INVALID_ARGUMENT
    )

    [detail] = rpc_status.from_call(refused).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    [violation] = bad_request.field_violations
    assert violation.field == "expression"
    assert violation.description.startswith("line 2, column 6: ")
    assert "nope" in violation.description


async def test_a_window_beyond_thirty_days_is_refused(previews):
    refused = await expect_status(previews.PreviewRule(draft(days=31)), grpc.StatusCode.INVALID_ARGUMENT)

    assert "days" in refused.details()


async def test_over_rest_a_preview_answers_its_counts_and_bad_input_is_422_naming_the_field(store_engine, history):
    await empty_rules(store_engine)
    async with rule_service(store_engine, evaluator()) as rules:
        nobody = f"127.0.0.1:{free_port()}"  # ingest, scoring and notify play no part here
        addresses = UpstreamAddresses(nobody, nobody, rules.address, nobody)
        async with running_edge(addresses) as url, httpx.AsyncClient(base_url=url, timeout=20) as rest:
            answered = await rest.post(
                "/api/rules:preview", json={"expression": "tx.amount > 160.0", "action": "REVIEW", "days": 3}
            )
            broken = await rest.post("/api/rules:preview", json={"expression": "tx.amount >", "action": "REVIEW"})
            too_far = await rest.post(
                "/api/rules:preview", json={"expression": "tx.amount > 1.0", "action": "REVIEW", "days": 31}
            )

    assert answered.status_code == 200, answered.text
    preview = answered.json()
    assert (preview["days"], preview["scanned"], preview["matched"]) == (3, 2, 1)
    assert (preview["reviews_without"], preview["reviews_with"]) == (1, 1)
    assert preview["frauds_matched"] == 0
    [hit] = preview["legitimate"]
    assert (hit["id"], hit["label"], hit["decision_without"], hit["decision_with"]) == (
        "review-1",
        None,
        "REVIEW",
        "REVIEW",
    )
    assert broken.status_code == 422
    [violation] = broken.json()["violations"]
    assert violation["field"] == "expression" and violation["message"].startswith("line 1, column ")
    assert too_far.status_code == 422
    assert [v["field"] for v in too_far.json()["violations"]] == ["days"]
