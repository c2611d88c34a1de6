"""The analysts' rule set as every scoring instance holds it: loaded from store (RuleService) at start
and again whenever the rule set's version moves, which is polled every few seconds, so a change reaches
every instance within seconds without a restart. Until the first load, and whenever store cannot be
reached, the rule set last loaded stays in force (none at all before the first).

A rule the engine cannot run (written before a change of features, say) is left out and logged; the
rest of the set still runs."""

from __future__ import annotations

import asyncio
import logging

import grpc
from fraud.v1 import rule_service_pb2 as pb
from fraud.v1 import rule_service_pb2_grpc

from fraudmesh.conversions.rules import RULE_ACTION_NAMES, RULE_LIST_KIND_NAMES, RULE_STATUS_NAMES
from scoring_svc.rules import Action, InvalidExpression, ListKind, NamedList, Rule, RuleSet, RuleStatus
from scoring_svc.rules.expression_check import check_expression

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 10.0
ENTRIES_PAGE = 10_000


def rule_from_message(message: pb.Rule) -> Rule:
    definition = message.definition
    return Rule(
        id=message.id,
        name=definition.name,
        expression=definition.expression,
        action=Action(RULE_ACTION_NAMES[definition.action]),
        priority=definition.priority,
        status=RuleStatus(RULE_STATUS_NAMES[definition.status]),
        version=message.version,
        score_delta=definition.score_delta,
    )


def runnable(rules: list[Rule], list_names: set[str]) -> list[Rule]:
    kept = []
    for rule in rules:
        if rule.status is RuleStatus.DISABLED:
            continue
        try:
            check_expression(rule.expression, list_names)
        except InvalidExpression as error:
            log.error("rule %s (%s) v%d cannot run, left out: %s", rule.id, rule.name, rule.version, error.detail)
            continue
        kept.append(rule)
    return kept


class RuleSource:
    def __init__(self, channel: grpc.aio.Channel, poll_seconds: float = 2.0):
        self._stub = rule_service_pb2_grpc.RuleServiceStub(channel)
        self._poll_seconds = poll_seconds
        self.current = RuleSet.empty("")
        self._loaded: int | None = None

    async def refresh(self) -> bool:
        """Loads the rule set if its version moved since the last load; True when it did."""
        version = (
            await self._stub.GetRuleSetVersion(pb.GetRuleSetVersionRequest(), timeout=CALL_TIMEOUT_SECONDS)
        ).version
        if version == self._loaded:
            return False
        # The version of the rules as listed: a change between the two calls is loaded on the next poll.
        self.current, self._loaded = await self.load()
        return True

    async def load(self, at_version: int = 0) -> tuple[RuleSet, int]:
        """The rule set now, or as it was at a past rule-set version (store keeps its history), and its version."""
        listed = await self._stub.ListRules(pb.ListRulesRequest(at_version=at_version), timeout=CALL_TIMEOUT_SECONDS)
        lists = [await self._named_list(named, at_version) for named in (await self._lists(at_version)).lists]
        names = {named.name for named in lists}
        rules = runnable([rule_from_message(rule) for rule in listed.rules], names)
        rule_set = await asyncio.to_thread(RuleSet.compile, rules, lists, str(listed.rule_set_version))
        log.info(
            "rule set %s: %d active, %d shadow rules, %d lists",
            rule_set.version,
            len(rule_set.active),
            len(rule_set.shadow),
            len(lists),
        )
        return rule_set, listed.rule_set_version

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except grpc.aio.AioRpcError as error:  # store away or restarting: the set in force stays
                log.warning(
                    "cannot read the rule set from store (%s); keeping %r", error.code().name, self.current.version
                )
            except Exception:  # a bug must not stop the polling nor the scoring: logged, tried again
                log.exception("loading the rule set failed; keeping %r", self.current.version)
            await asyncio.sleep(self._poll_seconds)

    async def _lists(self, at_version: int) -> pb.ListRuleListsResponse:
        return await self._stub.ListRuleLists(
            pb.ListRuleListsRequest(at_version=at_version), timeout=CALL_TIMEOUT_SECONDS
        )

    async def _named_list(self, named: pb.RuleList, at_version: int) -> NamedList:
        entries: set[str] = set()
        token = ""
        while True:
            page = await self._stub.ListRuleListEntries(
                pb.ListRuleListEntriesRequest(
                    name=named.name, page_size=ENTRIES_PAGE, page_token=token, at_version=at_version
                ),
                timeout=CALL_TIMEOUT_SECONDS,
            )
            entries.update(page.values)
            token = page.next_page_token
            if not token:
                break
        return NamedList(
            name=named.name,
            entries=frozenset(entries),
            kind=ListKind(RULE_LIST_KIND_NAMES[named.kind]),
            field=named.field or None,
        )
