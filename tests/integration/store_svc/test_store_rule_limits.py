"""The bounds on what the rule set holds (docs/limits.md), against the real PostgreSQL and scoring's
real expression check: at each limit the last one is accepted and one more is refused naming the
field and the bound, and nothing of the refused change is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import rule_service_pb2 as pb
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from rule_servers import rule_service
from sqlalchemy import text
from store_testing import expect_status
from test_store_rule_service import definition, empty_rules

from store_svc.rule_limits import MAX_LIST_ENTRIES, MAX_LISTS, MAX_RULES, REVISIONS_SHOWN


@pytest.fixture
async def rules(store_engine) -> AsyncIterator:
    await empty_rules(store_engine)
    async with rule_service(store_engine) as running:
        yield running.stub
    await empty_rules(store_engine)  # a million entries are no one else's business


def violation(refused: grpc.aio.AioRpcError) -> tuple[str, str, str]:
    [detail] = rpc_status.from_call(refused).details
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    [only] = bad_request.field_violations
    return only.field, only.reason, only.description


async def execute(engine, statement: str, **values) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(statement), values)


async def test_the_last_rule_within_the_bound_is_kept_and_one_more_is_refused(rules, store_engine):
    # Written straight to the table: 499 checks through scoring would only slow the test down.
    await execute(
        store_engine,
        "INSERT INTO rules (id, name, expression, action, priority, status, version, created_by, updated_by) "
        "SELECT 'r' || n, 'rule ' || n, 'tx.amount > 1.0', 'REVIEW', n, 'SHADOW', 1, 'test', 'test' "
        "FROM generate_series(1, :count) AS n",
        count=MAX_RULES - 1,
    )
    deleted = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="soon gone")))).rule
    await rules.DeleteRule(pb.DeleteRuleRequest(id=deleted.id))  # deleted rules do not count

    last = await rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="the last")))
    refused = await expect_status(
        rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="one too many"))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert last.rule.id
    field, rule, message = violation(refused)
    assert (field, rule) == ("definition", "rule_set.max_rules")
    assert f"at most {MAX_RULES} live rules" in message
    listed = await rules.ListRules(pb.ListRulesRequest())
    assert len(listed.rules) == MAX_RULES
    assert "one too many" not in {rule.definition.name for rule in listed.rules}


async def test_the_last_list_within_the_bound_is_kept_and_one_more_is_refused(rules, store_engine):
    await execute(
        store_engine,
        "INSERT INTO rule_lists (name, kind, description, created_by) "
        "SELECT 'reference_' || n, 'REFERENCE', '', 'test' FROM generate_series(1, :count) AS n",
        count=MAX_LISTS - 1,
    )

    await rules.CreateRuleList(pb.CreateRuleListRequest(name="the_last", kind=pb.RULE_LIST_KIND_REFERENCE))
    refused = await expect_status(
        rules.CreateRuleList(pb.CreateRuleListRequest(name="one_too_many", kind=pb.RULE_LIST_KIND_REFERENCE)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    field, rule, message = violation(refused)
    assert (field, rule) == ("name", "rule_set.max_lists")
    assert f"at most {MAX_LISTS} lists" in message
    names = {named.name for named in (await rules.ListRuleLists(pb.ListRuleListsRequest())).lists}
    assert len(names) == MAX_LISTS and "the_last" in names and "one_too_many" not in names


async def test_a_list_fills_up_to_its_bound_and_an_entry_beyond_it_is_refused(rules, store_engine):
    await rules.CreateRuleList(pb.CreateRuleListRequest(name="big", kind=pb.RULE_LIST_KIND_BLOCK, field="user_id"))
    await execute(
        store_engine,
        "INSERT INTO rule_list_entries (list_name, value, added_by) "
        "SELECT 'big', 'u-' || n, 'test' FROM generate_series(1, :count) AS n",
        count=MAX_LIST_ENTRIES - 10,
    )

    filled = await rules.AddRuleListEntries(
        pb.AddRuleListEntriesRequest(name="big", values=[f"last-{n}" for n in range(10)])
    )
    already_there = await rules.AddRuleListEntries(pb.AddRuleListEntriesRequest(name="big", values=["u-1"]))
    refused = await expect_status(
        rules.AddRuleListEntries(pb.AddRuleListEntriesRequest(name="big", values=["one-too-many"])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert (filled.added, filled.list.size) == (10, MAX_LIST_ENTRIES)
    assert (already_there.added, already_there.list.size) == (0, MAX_LIST_ENTRIES)
    field, rule, message = violation(refused)
    assert (field, rule) == ("values", "rule_list.max_entries")
    assert "'big' would hold 1,000,001 entries" in message
    [big] = (await rules.ListRuleLists(pb.ListRuleListsRequest())).lists
    assert big.size == MAX_LIST_ENTRIES


async def test_comprehensions_nested_beyond_the_bound_are_refused_naming_the_place_and_bound(rules):
    two_deep = "[1, 2].exists(x, [3].all(y, x < y))"
    three_deep = "[1, 2].exists(x, [3].all(y, [4].exists(z, x < y + z)))"

    kept = await rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="two", expression=two_deep)))
    refused = await expect_status(
        rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="three", expression=three_deep))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert kept.rule.definition.expression == two_deep
    field, rule, message = violation(refused)
    assert (field, rule) == ("definition.expression", "rule.expression.comprehension_depth")
    assert message.startswith("line 1, column 33: comprehensions nest 3 deep")


async def test_every_revision_is_kept_and_a_rule_is_read_back_with_its_newest(rules, store_engine):
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule
    await execute(
        store_engine,
        "INSERT INTO rule_versions (rule_id, version, name, expression, action, priority, status, change, changed_by) "
        "SELECT :id, n, 'big card-not-present', 'tx.amount > ' || n || '.0', 'DECLINE', 10, 'ACTIVE', 'update', 'test' "
        "FROM generate_series(2, :last) AS n",
        id=created.id,
        last=REVISIONS_SHOWN + 50,
    )

    shown = await rules.GetRule(pb.GetRuleRequest(id=created.id))

    assert [r.version for r in shown.revisions] == list(range(REVISIONS_SHOWN + 50, 50, -1))
    async with store_engine.connect() as connection:
        kept = await connection.scalar(
            text("SELECT count(*) FROM rule_versions WHERE rule_id = :id"), {"id": created.id}
        )
    assert kept == REVISIONS_SHOWN + 50
