"""A rule and the list it names, written at the same moment by two analysts against the real
PostgreSQL: a list is never deleted from under a rule that names it, and a rule is never kept naming
a list deleted beside it. And an update that expects the version it read is refused once someone
else has changed the rule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import rule_service_pb2 as pb
from fraud.v1 import rule_service_pb2_grpc
from rule_servers import rule_service
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from store_testing import expect_status
from test_store_rule_service import _violations, audit_actions, definition, empty_rules

LIST = "raced_merchants"  # its own: other tests count the audit rows of theirs
NAMING = f"tx.merchant_id in lists.{LIST}"
WAIT_SECONDS = 20.0


@pytest.fixture
async def rules(store_engine: AsyncEngine) -> AsyncIterator[rule_service_pb2_grpc.RuleServiceStub]:
    await empty_rules(store_engine)
    async with rule_service(store_engine) as running:
        yield running.stub


async def make_list(stub) -> None:
    await stub.CreateRuleList(pb.CreateRuleListRequest(name=LIST, kind=pb.RULE_LIST_KIND_BLOCK, field="merchant_id"))


async def blocked_on_a_lock(engine: AsyncEngine, write: asyncio.Future, holder: int) -> bool:
    """Whether a session waits on a lock the session `holder` (a backend pid) holds, before `write`
    finishes by itself."""
    for _ in range(int(WAIT_SECONDS / 0.1)):
        # A connection of its own each time: pg_stat_activity holds still for the length of a transaction.
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"),
                {"holder": holder},
            )
        if waiting or write.done():
            return bool(waiting)
        await asyncio.sleep(0.1)
    return False


async def test_a_rule_written_while_its_list_is_being_deleted_is_refused_naming_the_list(rules, store_engine):
    await make_list(rules)
    async with store_engine.connect() as deleting:
        transaction = await deleting.begin()
        holder = await deleting.scalar(text("SELECT pg_backend_pid()"))
        # The deletion is under way (its row lock taken) when the rule, already checked, is written.
        await deleting.execute(text("DELETE FROM rule_lists WHERE name = :name"), {"name": LIST})
        write = asyncio.ensure_future(rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression=NAMING))))
        waited = await blocked_on_a_lock(store_engine, write, holder)
        await transaction.commit()

    refused = await expect_status(write, grpc.StatusCode.INVALID_ARGUMENT)
    assert waited
    [violation] = _violations(refused)
    assert violation.field == "definition.expression"
    assert f"no list named {LIST!r}" in violation.description
    assert list((await rules.ListRules(pb.ListRulesRequest())).rules) == []


async def test_a_list_deleted_while_a_rule_naming_it_is_written_leaves_one_of_the_two(rules):
    """Both at once, again and again: either the rule was kept and the deletion refused naming it, or
    the list went and the rule was refused; never a kept rule naming a list that is gone."""
    for round_number in range(12):
        await make_list(rules)
        name = f"round {round_number}"
        written, deleted = await asyncio.gather(
            rules.CreateRule(pb.CreateRuleRequest(definition=definition(name=name, expression=NAMING))),
            rules.DeleteRuleList(pb.DeleteRuleListRequest(name=LIST)),
            return_exceptions=True,
        )
        kept = not isinstance(written, BaseException)
        gone = not isinstance(deleted, BaseException)
        assert kept != gone, (round_number, written, deleted)
        if kept:
            assert isinstance(deleted, grpc.aio.AioRpcError)
            assert deleted.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert name in (deleted.details() or "")
            await rules.DeleteRule(pb.DeleteRuleRequest(id=written.rule.id))
            await rules.DeleteRuleList(pb.DeleteRuleListRequest(name=LIST))
        else:
            assert isinstance(written, grpc.aio.AioRpcError)
            assert written.code() == grpc.StatusCode.INVALID_ARGUMENT
        lists = [named.name for named in (await rules.ListRuleLists(pb.ListRuleListsRequest())).lists]
        assert lists == [] and list((await rules.ListRules(pb.ListRulesRequest())).rules) == []


async def test_an_update_newly_naming_a_deleted_list_is_refused_and_the_rule_stays(rules):
    await make_list(rules)
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule
    await rules.DeleteRuleList(pb.DeleteRuleListRequest(name=LIST))

    await expect_status(
        rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=definition(expression=NAMING))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert (await rules.GetRule(pb.GetRuleRequest(id=created.id))).rule.version == 1


async def test_two_updates_expecting_the_same_version_keep_only_the_first(rules, store_engine):
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule
    first = definition(status=pb.RULE_STATUS_SHADOW)
    second = definition(status=pb.RULE_STATUS_DISABLED)

    kept = (await rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=first, expected_version=1))).rule
    refused = await expect_status(
        rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=second, expected_version=1)),
        grpc.StatusCode.ABORTED,
    )

    assert kept.version == 2
    assert "version 2, not 1" in (refused.details() or "")
    now = (await rules.GetRule(pb.GetRuleRequest(id=created.id))).rule
    assert (now.version, now.definition.status) == (2, pb.RULE_STATUS_SHADOW)
    assert await audit_actions(store_engine, created.id) == ["rule.create", "rule.update"]
    # Without an expected version the last writer still wins, as before.
    assert (await rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=second))).rule.version == 3


@pytest.mark.parametrize("expected", [0, -1])
async def test_an_expected_version_below_one_is_refused_naming_the_field(rules, expected):
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule

    refused = await expect_status(
        rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=definition(), expected_version=expected)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in _violations(refused)] == ["expected_version"]
