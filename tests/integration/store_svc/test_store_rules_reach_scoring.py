"""What scoring's RuleSource loads from the real store: the rules and lists as written, again only
when the rule set's version moves, and a change seen on the next poll without a restart."""

from __future__ import annotations

from fraud.v1 import rule_service_pb2 as pb
from rule_servers import rule_service
from test_store_rule_service import definition, empty_rules, own_list_name

from fraudmesh.grpc_server import insecure_channel
from scoring_svc.rule_source import RuleSource


async def test_scoring_loads_the_rule_set_and_reloads_it_when_it_changes(store_engine):
    await empty_rules(store_engine)
    blocked = own_list_name("blocked_merchants")
    async with rule_service(store_engine) as rules:
        channel = insecure_channel(rules.address)
        source = RuleSource(channel)
        try:
            await rules.stub.CreateRuleList(
                pb.CreateRuleListRequest(name=blocked, kind=pb.RULE_LIST_KIND_BLOCK, field="merchant_id")
            )
            for start in range(0, 25_000, 10_000):  # a call takes at most 10,000 values
                await rules.stub.AddRuleListEntries(
                    pb.AddRuleListEntriesRequest(
                        name=blocked, values=[f"m-{i}" for i in range(start, min(start + 10_000, 25_000))]
                    )
                )
            created = (await rules.stub.CreateRule(pb.CreateRuleRequest(definition=definition()))).rule
            first = await source.refresh()
            loaded = source.current
            unchanged = await source.refresh()
            await rules.stub.UpdateRule(
                pb.UpdateRuleRequest(id=created.id, definition=definition(status=pb.RULE_STATUS_SHADOW))
            )
            second = await source.refresh()
        finally:
            await channel.close()

    assert (first, unchanged, second) == (True, False, True)
    assert [c.rule.id for c in loaded.active] == [created.id]
    assert len(loaded.lists[blocked].entries) == 25_000
    assert [c.rule.id for c in source.current.active] == []
    assert [(c.rule.id, c.rule.version) for c in source.current.shadow] == [(created.id, 2)]
    assert int(source.current.version) == int(loaded.version) + 1
