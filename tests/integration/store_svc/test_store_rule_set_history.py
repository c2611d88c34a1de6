"""A past rule set read back whole from the real PostgreSQL (migration 0008): the rules as revised by
that rule-set version, the lists alive then and the entries they held, through the calls scoring and
`fraudctl backtest --ruleset N` load a rule set with; versions not kept are refused naming `at_version`."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from fraud.v1 import rule_service_pb2 as pb
from rule_servers import rule_service
from sqlalchemy import text
from store_testing import expect_status
from test_store_dead_letters_rest import running_edge
from test_store_rule_service import definition, empty_rules

from edge.upstreams import UpstreamAddresses
from fraudctl.backtest.command import rule_set_from_store
from fraudctl.rule_commands import register
from fraudctl.runtime.waiting import free_port


async def version_now(stub) -> int:
    return (await stub.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version


@pytest.fixture
async def running(store_engine, monkeypatch) -> AsyncIterator:
    monkeypatch.setenv("GRPC_TLS", "false")  # fraudctl's channel, to the plaintext test server
    await empty_rules(store_engine)
    async with rule_service(store_engine) as running:
        yield running


async def test_a_rule_set_version_reads_back_the_rules_as_they_were_and_a_backtest_uses_them(running):
    rules = running.stub
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="tx.amount > 900.0")))).rule
    first = await version_now(rules)
    other = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="later", priority=1)))).rule
    await rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=definition(expression="tx.amount > 500.0")))
    await rules.DeleteRule(pb.DeleteRuleRequest(id=other.id))
    last = await version_now(rules)

    then = await rules.ListRules(pb.ListRulesRequest(at_version=first))
    now = await rules.ListRules(pb.ListRulesRequest(at_version=last))
    between = await rules.ListRules(pb.ListRulesRequest(at_version=first + 1))
    replayed = await rule_set_from_store(running.address, first)

    assert then.rule_set_version == first
    assert [(r.id, r.version, r.definition.expression) for r in then.rules] == [(created.id, 1, "tx.amount > 900.0")]
    assert [(r.id, r.version, r.definition.expression) for r in now.rules] == [(created.id, 2, "tx.amount > 500.0")]
    assert [r.definition.name for r in between.rules] == ["later", "big card-not-present"]  # by priority
    assert replayed.version == str(first)
    assert [(c.rule.id, c.rule.version, c.rule.expression) for c in replayed.active] == [
        (created.id, 1, "tx.amount > 900.0")
    ]


async def test_a_rule_set_version_reads_back_the_lists_and_entries_as_they_were(running):
    rules = running.stub
    await rules.CreateRuleList(pb.CreateRuleListRequest(name="blocked", kind=pb.RULE_LIST_KIND_BLOCK, field="user_id"))
    await rules.AddRuleListEntries(pb.AddRuleListEntriesRequest(name="blocked", values=["u-1", "u-2"]))
    two = await version_now(rules)
    await rules.RemoveRuleListEntries(pb.RemoveRuleListEntriesRequest(name="blocked", values=["u-1"]))
    await rules.AddRuleListEntries(pb.AddRuleListEntriesRequest(name="blocked", values=["u-3", "u-1"]))
    again = await version_now(rules)
    await rules.DeleteRuleList(pb.DeleteRuleListRequest(name="blocked"))
    gone = await version_now(rules)

    async def entries(version: int) -> list[str]:
        page = await rules.ListRuleListEntries(pb.ListRuleListEntriesRequest(name="blocked", at_version=version))
        return list(page.values)

    assert [(n.name, n.size) for n in (await rules.ListRuleLists(pb.ListRuleListsRequest(at_version=two))).lists] == [
        ("blocked", 2)
    ]
    assert await entries(two) == ["u-1", "u-2"]
    assert await entries(two + 1) == ["u-2"]
    assert await entries(again) == ["u-1", "u-2", "u-3"]
    assert list((await rules.ListRuleLists(pb.ListRuleListsRequest(at_version=gone))).lists) == []
    await expect_status(
        rules.ListRuleListEntries(pb.ListRuleListEntriesRequest(name="blocked", at_version=gone)),
        grpc.StatusCode.NOT_FOUND,
    )
    replayed = await rule_set_from_store(running.address, again)
    assert replayed.lists["blocked"].entries == frozenset({"u-1", "u-2", "u-3"})


async def test_a_version_not_reached_yet_or_older_than_the_history_is_refused_naming_it(running, store_engine):
    rules = running.stub
    await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))
    now = await version_now(rules)

    future = await expect_status(
        rules.ListRules(pb.ListRulesRequest(at_version=now + 1)), grpc.StatusCode.INVALID_ARGUMENT
    )
    async with store_engine.begin() as connection:
        await connection.execute(text("UPDATE rule_set SET history_from = :now"), {"now": now})
    try:
        older = await expect_status(
            rules.ListRules(pb.ListRulesRequest(at_version=now - 1)), grpc.StatusCode.INVALID_ARGUMENT
        )
        with pytest.raises(SystemExit) as backtest_refused:
            await rule_set_from_store(running.address, now - 1)
    finally:
        async with store_engine.begin() as connection:
            await connection.execute(text("UPDATE rule_set SET history_from = 0"))

    assert f"at version {now}, not {now + 1} yet" in future.details() and "at_version" in future.details()
    assert f"kept whole from version {now} on" in older.details()
    assert "INVALID_ARGUMENT" in str(backtest_refused.value)


async def test_over_rest_and_the_command_line_the_rules_of_a_past_version_are_listed(running):
    rules = running.stub
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="tx.amount > 900.0")))).rule
    first = await version_now(rules)
    await rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=definition(expression="tx.amount > 1.0")))

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["rules", "list", "--at-version", str(first), "--json"])
    out = io.StringIO()
    assert await args.command(rules, args, out) == 0
    nobody = f"127.0.0.1:{free_port()}"  # ingest, scoring and notify play no part here
    async with running_edge(UpstreamAddresses(nobody, nobody, running.address, nobody)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=20) as rest:
            then = await rest.get("/api/rules", params={"at_version": first})
            negative = await rest.get("/api/rules", params={"at_version": -1})
            future = await rest.get("/api/rules", params={"at_version": first + 100})

    listed = json.loads(out.getvalue())
    assert (listed["rule_set_version"], [r["expression"] for r in listed["rules"]]) == (first, ["tx.amount > 900.0"])
    assert then.status_code == 200, then.text
    assert [(r["id"], r["version"], r["expression"]) for r in then.json()["rules"]] == [
        (created.id, 1, "tx.amount > 900.0")
    ]
    assert negative.status_code == 422 and [v["field"] for v in negative.json()["violations"]] == ["at_version"]
    assert future.status_code == 422, future.text
    [violation] = future.json()["violations"]
    assert (violation["field"], violation["rule"]) == ("at_version", "rule_set.at_version")
