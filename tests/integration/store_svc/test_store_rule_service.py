"""Rules and lists kept by store in the real PostgreSQL, checked by scoring's real rule engine over
gRPC: what an analyst writes comes back as written, each change leaves a revision, a new rule-set
version and an audit row, and an expression that cannot run is refused naming where and why."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import rule_service_pb2 as pb
from fraud.v1 import rule_service_pb2_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from rule_servers import rule_service
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from store_testing import expect_status


async def empty_rules(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE rule_versions, rules, rule_list_entries, rule_lists, rule_list_versions, rule_list_entry_spans"
            )
        )


@pytest.fixture
async def rules(store_engine: AsyncEngine) -> AsyncIterator[rule_service_pb2_grpc.RuleServiceStub]:
    await empty_rules(store_engine)
    async with rule_service(store_engine) as running:
        yield running.stub


def definition(**overrides) -> pb.RuleDefinition:
    fields = {
        "name": "big card-not-present",
        "expression": 'tx.channel == "CARD_NOT_PRESENT" && tx.amount > 900.0',
        "action": pb.RULE_ACTION_DECLINE,
        "priority": 10,
        "status": pb.RULE_STATUS_ACTIVE,
    }
    return pb.RuleDefinition(**{**fields, **overrides})


def own_list_name(stem: str) -> str:
    """A list name no other test uses: audit rows outlive every test (nobody may delete them), so a
    list of the same name made by another test earlier in the session would add to this one's trail."""
    return f"{stem}_{uuid.uuid4().hex[:8]}"


async def audit_actions(engine: AsyncEngine, target: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT action FROM audit_events WHERE target = :target ORDER BY id"), {"target": target}
        )
        return [row.action for row in rows]


async def test_a_created_rule_is_listed_and_read_back_as_written(rules, store_engine):
    before = (await rules.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version

    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule

    assert created.id and created.version == 1
    assert created.definition == definition()
    listed = await rules.ListRules(pb.ListRulesRequest())
    assert [rule.id for rule in listed.rules] == [created.id]
    assert listed.rule_set_version == before + 1
    assert (await rules.GetRule(pb.GetRuleRequest(id=created.id))).rule == created
    assert await audit_actions(store_engine, created.id) == ["rule.create"]


async def test_updates_and_deletion_keep_every_revision_and_raise_the_version(rules, store_engine):
    created = (await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule
    shadowed = definition(status=pb.RULE_STATUS_SHADOW, expression="tx.amount > 500.0")

    updated = (await rules.UpdateRule(pb.UpdateRuleRequest(id=created.id, definition=shadowed))).rule
    version_after_update = (await rules.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version
    history = await rules.GetRule(pb.GetRuleRequest(id=created.id))
    await rules.DeleteRule(pb.DeleteRuleRequest(id=created.id))

    assert updated.version == 2 and updated.definition == shadowed
    assert [(r.version, r.change, r.definition.expression) for r in history.revisions] == [
        (2, "update", "tx.amount > 500.0"),
        (1, "create", created.definition.expression),
    ]
    assert list((await rules.ListRules(pb.ListRulesRequest())).rules) == []
    assert (await rules.GetRuleSetVersion(pb.GetRuleSetVersionRequest())).version == version_after_update + 1
    await expect_status(rules.GetRule(pb.GetRuleRequest(id=created.id)), grpc.StatusCode.NOT_FOUND)
    assert await audit_actions(store_engine, created.id) == ["rule.create", "rule.update", "rule.delete"]


async def test_an_expression_that_cannot_run_is_refused_with_its_line_column_and_reason(rules):
    refused = await expect_status(
        rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="tx.amount >"))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    unknown = await expect_status(
        rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="features.no_such > 1.0"))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    [violation] = _violations(refused)
    assert violation.field == "definition.expression"
    assert violation.description.startswith("line 1, column ")
    [violation] = _violations(unknown)
    assert violation.description == "line 1, column 10: features has no field 'no_such'"
    assert list((await rules.ListRules(pb.ListRulesRequest())).rules) == []


async def test_a_control_character_postgresql_cannot_keep_is_refused_naming_the_field(rules):
    """A NUL reached PostgreSQL (SQLSTATE 22021) and came back as a 502; the door refuses it now.
    Line breaks and tabs still lay an expression out."""
    written = await rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="tx.amount >\n\t900.0")))
    assert written.rule.definition.expression == "tx.amount >\n\t900.0"
    refused = [
        await expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
        for call in (
            rules.CreateRule(pb.CreateRuleRequest(definition=definition(name="nul", expression='tx.city == "a\x00"'))),
            rules.CreateRuleList(
                pb.CreateRuleListRequest(name="described", kind=pb.RULE_LIST_KIND_BLOCK, description="a\x00")
            ),
            rules.RemoveRuleListEntries(pb.RemoveRuleListEntriesRequest(name="described", values=["m\x00"])),
            rules.ListRuleListEntries(pb.ListRuleListEntriesRequest(name="described", page_token="\x00")),
        )
    ]
    assert [[v.field for v in _violations(error)] for error in refused] == [
        ["definition.expression"],
        ["description"],
        ["values[0]"],
        ["page_token"],
    ]


async def test_two_live_rules_cannot_share_a_name(rules):
    await rules.CreateRule(pb.CreateRuleRequest(definition=definition()))

    await expect_status(rules.CreateRule(pb.CreateRuleRequest(definition=definition())), grpc.StatusCode.ALREADY_EXISTS)


async def test_a_block_list_keeps_its_entries_and_rules_may_name_it(rules, store_engine):
    blocked = own_list_name("blocked_merchants")
    created = (
        await rules.CreateRuleList(
            pb.CreateRuleListRequest(name=blocked, kind=pb.RULE_LIST_KIND_BLOCK, field="merchant_id")
        )
    ).list
    added = await rules.AddRuleListEntries(
        pb.AddRuleListEntriesRequest(name=blocked, values=["m-3", "m-1", "m-2", "m-1"])
    )
    again = await rules.AddRuleListEntries(pb.AddRuleListEntriesRequest(name=blocked, values=["m-2"]))
    removed = await rules.RemoveRuleListEntries(pb.RemoveRuleListEntriesRequest(name=blocked, values=["m-2", "m-9"]))
    first = await rules.ListRuleListEntries(pb.ListRuleListEntriesRequest(name=blocked, page_size=1))
    rest = await rules.ListRuleListEntries(
        pb.ListRuleListEntriesRequest(name=blocked, page_size=1, page_token=first.next_page_token)
    )
    rule = (
        await rules.CreateRule(
            pb.CreateRuleRequest(definition=definition(expression=f"tx.merchant_id in lists.{blocked}"))
        )
    ).rule

    assert created.size == 0 and created.field == "merchant_id"
    assert (added.added, added.list.size) == (3, 3)
    assert again.added == 0
    assert (removed.removed, removed.list.size) == (1, 2)
    assert (list(first.values), list(rest.values), rest.next_page_token) == (["m-1"], ["m-3"], "")
    assert rule.version == 1
    assert [(n.name, n.size) for n in (await rules.ListRuleLists(pb.ListRuleListsRequest())).lists] == [(blocked, 2)]
    assert await audit_actions(store_engine, blocked) == [
        "rule_list.create",
        "rule_list.add_entries",
        "rule_list.remove_entries",
    ]
    await expect_status(
        rules.DeleteRuleList(pb.DeleteRuleListRequest(name=blocked)), grpc.StatusCode.FAILED_PRECONDITION
    )


async def test_a_rule_naming_a_missing_list_or_a_list_on_a_missing_field_is_refused(rules):
    await expect_status(
        rules.CreateRule(pb.CreateRuleRequest(definition=definition(expression="tx.user_id in lists.nowhere"))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    refused = await expect_status(
        rules.CreateRuleList(pb.CreateRuleListRequest(name="odd", kind=pb.RULE_LIST_KIND_ALLOW, field="amount")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert [v.field for v in _violations(refused)] == ["field"]


def _violations(error: grpc.aio.AioRpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            return list(request.field_violations)
    raise AssertionError("no BadRequest detail")
