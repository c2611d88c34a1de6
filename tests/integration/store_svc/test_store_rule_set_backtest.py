"""`fraudctl backtest --history FILE --ruleset N --model VERSION` as an operator types it: a rule written
and then changed in the real store (PostgreSQL), a generated labelled history and a trained model
under models/; the report judges the rule by its expression at rule-set version N, not by today's."""

from __future__ import annotations

import json
import pathlib
from datetime import timedelta

import pytest
from fraud.v1 import rule_service_pb2 as pb
from fraudctl_runs import fraudctl
from rule_servers import rule_service
from test_store_rule_service import definition, empty_rules

from fraudmodel.history_files import frame_to_events, read_history

THEN, NOW = 200.0, 50.0  # the rule's amount threshold at version 1 and after its change


def amounts_replayed(history: pathlib.Path, days: float = 7.0) -> list[float]:
    """The amounts of the last `days` days of the history: the days the backtest replays."""
    events = frame_to_events(read_history(history))
    cut = max(e.occurred_at for e in events) - timedelta(days=days)
    return [e.amount for e in events if e.occurred_at >= cut]


@pytest.fixture
async def rules(store_engine):
    await empty_rules(store_engine)
    async with rule_service(store_engine) as running:
        yield running


# Three fraudctl processes that each load the model library, and a starter model trained on first use.
@pytest.mark.timeout(600)
async def test_a_backtest_of_a_past_rule_set_version_counts_the_hits_of_the_expression_it_had_then(
    rules, models_dir: pathlib.Path, tmp_path: pathlib.Path
):
    (tmp_path / "models").symlink_to(models_dir)  # `--model VERSION` names a folder under ./models
    model = sorted(p.name for p in models_dir.iterdir() if (p / "model.onnx").is_file())[-1]
    history = tmp_path / "history.csv"
    await fraudctl(["generate", "--out", str(history), "--users", "150", "--days", "14", "--seed", "5"], tmp_path)
    created = (
        await rules.stub.CreateRule(
            pb.CreateRuleRequest(definition=definition(name="big amounts", expression=f"tx.amount > {THEN}"))
        )
    ).rule
    then = (await rules.stub.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version
    await rules.stub.UpdateRule(
        pb.UpdateRuleRequest(id=created.id, definition=definition(name="big amounts", expression=f"tx.amount > {NOW}"))
    )
    now = (await rules.stub.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version

    async def backtest(version: int) -> dict:
        args = ["--history", str(history), "--ruleset", str(version), "--model", model, "--store", rules.address]
        return json.loads(await fraudctl(["backtest", *args, "--json"], tmp_path))

    past, present = await backtest(then), await backtest(now)

    amounts = amounts_replayed(history)
    hits_then, hits_now = sum(a > THEN for a in amounts), sum(a > NOW for a in amounts)
    assert 0 < hits_then < hits_now  # the change alters what the rule hits on these days
    assert (past["rule_set_version"], past["model_version"], past["transactions"]) == (str(then), model, len(amounts))
    assert [(r["id"], r["name"], r["hits"]) for r in past["rules"]] == [(created.id, "big amounts", hits_then)]
    assert present["rule_set_version"] == str(now)
    assert [(r["id"], r["hits"]) for r in present["rules"]] == [(created.id, hits_now)]
    # The rule declines what it hits: a looser rule declines more of the same transactions.
    assert past["rates"]["DECLINE"] < present["rates"]["DECLINE"]
