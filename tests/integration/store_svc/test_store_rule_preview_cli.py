"""`fraudctl rules preview` against the real store_svc (PostgreSQL) and scoring's real rule engine over
gRPC: what an analyst types before activating a draft, and the summary or JSON it prints."""

from __future__ import annotations

import argparse
import io
import json

import grpc
import pytest
from rule_servers import rule_service
from test_store_rule_preview import evaluator, history  # noqa: F401  (history: the stored decisions)
from test_store_rule_service import empty_rules

from fraudctl.rule_commands import register


def parse(*words: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(list(words))


async def preview(stub, *words: str) -> str:
    args = parse("rules", "preview", *words)
    out = io.StringIO()
    assert await args.command(stub, args, out) == 0
    return out.getvalue()


@pytest.fixture
async def rules(store_engine, history):  # noqa: F811
    await empty_rules(store_engine)
    async with rule_service(store_engine, evaluator()) as running:
        yield running.stub


async def test_a_preview_prints_what_the_draft_changes_and_whom_it_meets(rules):
    printed = await preview(rules, "--expression", "tx.amount > 100.0", "--action", "DECLINE", "--days", "7")

    lines = printed.splitlines()
    assert lines[0].startswith("scanned 4 decisions since ") and "(7 days)" in lines[0]
    assert "truncated" not in printed
    assert "matched   3" in lines
    assert "reviews   1 -> 0 (-1)" in lines
    assert "declines  0 -> 3 (+3)" in lines
    assert "frauds caught      1" in lines
    assert any(line.startswith("legitimate hit     2") for line in lines)
    fraud_line = lines[lines.index("frauds, newest first (1 of 1):") + 1]
    assert fraud_line.split()[:2] == ["fraud-1", "150.00"] and fraud_line.endswith("APPROVE -> DECLINE")
    legitimate = lines[lines.index("legitimate, newest first (2 of 2):") + 1 :]
    assert [line.split()[0] for line in legitimate] == ["review-1", "genuine-1"]


async def test_a_preview_as_json_is_the_rest_apis_answer(rules):
    answer = json.loads(
        await preview(rules, "--expression", "tx.amount > 160.0", "--action", "REVIEW", "--days", "3", "--json")
    )

    assert (answer["days"], answer["scanned"], answer["matched"]) == (3, 2, 1)
    assert (answer["reviews_without"], answer["reviews_with"]) == (1, 1)
    assert [hit["id"] for hit in answer["legitimate"]] == ["review-1"]
    assert answer["frauds"] == [] and answer["rule_set_version"] == "7"


async def test_a_preview_of_a_broken_expression_is_refused_with_its_place(rules):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await preview(rules, "--expression", "tx.amount >", "--action", "REVIEW")

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "line 1, column" in refused.value.details()
