"""`fraudctl rules` and `fraudctl lists`: analysts' rules and their lists, kept by store_svc, over gRPC
(RuleService) with the operator's credential, so every change is checked and audited as through the
REST API.

    fraudctl rules list [--at-version N] [--json]
    fraudctl rules show ID [--json]
    fraudctl rules create --name N --expression E --action DECLINE [--priority P] [--status SHADOW] [--score-delta D]
    fraudctl rules update ID --name N --expression E --action A [--priority P] [--status S] [--score-delta D]
                          [--expected-version V]   (refused with ABORTED when the rule is past V)
    fraudctl rules delete ID
    fraudctl rules preview --expression E --action REVIEW [--priority P] [--score-delta D] [--days N] [--json]
    fraudctl lists list | create NAME --kind BLOCK --field merchant_id | delete NAME
    fraudctl lists add NAME VALUE... | remove NAME VALUE... | show NAME   (`-` reads values from stdin)

Each command is an async function of a RuleService stub and the parsed arguments that prints and
returns an exit code (0: done, 1: store refused), so it can be called as it is against any store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TextIO

import grpc
from fraud.v1 import rule_service_pb2 as pb
from fraud.v1 import rule_service_pb2_grpc

from fraudctl.operator_channel import operator_channel
from fraudmesh.contract import local_address
from fraudmesh.conversions.rules import (
    RULE_ACTION_VALUES,
    RULE_LIST_KIND_VALUES,
    RULE_STATUS_VALUES,
    preview_object,
    revision_object,
    rule_list_object,
    rule_object,
)

STORE_ADDRESS = local_address(pb.DESCRIPTOR.services_by_name["RuleService"])
TIMEOUT_SECONDS = 15.0
# A preview reads up to store's bound of decisions and has scoring evaluate them chunk by chunk.
PREVIEW_TIMEOUT_SECONDS = 60.0
ENTRIES_BATCH = 10_000  # the most values one AddRuleListEntries takes

Rules = rule_service_pb2_grpc.RuleServiceStub
Command = Callable[[Rules, argparse.Namespace, TextIO], Awaitable[int]]


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = subparsers.add_parser("rules", help="analysts' rules: list, show, create, update, delete")
    rules.add_argument("--store", default=STORE_ADDRESS, metavar="ADDRESS", help=f"store_svc (default {STORE_ADDRESS})")
    actions = rules.add_subparsers(dest="rules_command", required=True)
    listing = actions.add_parser("list", help="the rules by priority")
    listing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    listing.add_argument(
        "--at-version",
        type=_within(0, 2**63 - 1),
        default=0,
        metavar="N",
        help="the rules as they were at rule-set version N",
    )
    _bind(listing, list_rules)
    showing = actions.add_parser("show", help="one rule and its revisions")
    showing.add_argument("id")
    showing.add_argument("--json", action="store_true")
    _bind(showing, show_rule)
    creating = actions.add_parser("create", help="a new rule (an expression that cannot run is refused)")
    _definition_arguments(creating)
    _bind(creating, create_rule)
    updating = actions.add_parser("update", help="replace a rule, as a new revision")
    updating.add_argument("id")
    _definition_arguments(updating)
    updating.add_argument(
        "--expected-version",
        type=_within(1, 2**31 - 1),
        metavar="V",
        help="the version you read (`rules show`); refused if it moved on",
    )
    _bind(updating, update_rule)
    deleting = actions.add_parser("delete", help="stop evaluating a rule; its revisions stay")
    deleting.add_argument("id")
    _bind(deleting, delete_rule)
    previewing = actions.add_parser(
        "preview", help="a draft rule over the stored decisions of the last days, before activating it"
    )
    previewing.add_argument("--expression", required=True)
    previewing.add_argument("--action", required=True, choices=sorted(RULE_ACTION_VALUES.keys() - {"UNSPECIFIED"}))
    previewing.add_argument("--priority", type=int, default=100, help="where it would sit among the active rules")
    previewing.add_argument("--score-delta", type=float, default=0.0, help="ADD_SCORE: what it adds to the score")
    previewing.add_argument("--days", type=int, default=7, help="how many days back, 1 to 30 (default 7)")
    previewing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    _bind(previewing, preview_rule)

    lists = subparsers.add_parser("lists", help="allow, block and reference lists and their entries")
    lists.add_argument("--store", default=STORE_ADDRESS, metavar="ADDRESS", help=f"store_svc (default {STORE_ADDRESS})")
    actions = lists.add_subparsers(dest="lists_command", required=True)
    listing = actions.add_parser("list", help="the lists and their sizes")
    listing.add_argument("--json", action="store_true")
    _bind(listing, list_lists)
    creating = actions.add_parser("create", help="a new list, `lists.NAME` in rules")
    creating.add_argument("name")
    creating.add_argument("--kind", required=True, choices=sorted(RULE_LIST_KIND_VALUES.keys() - {"UNSPECIFIED"}))
    creating.add_argument("--field", default="", help="ALLOW and BLOCK: the transaction field it matches")
    creating.add_argument("--description", default="")
    _bind(creating, create_list)
    deleting = actions.add_parser("delete", help="a list no rule names, and its entries")
    deleting.add_argument("name")
    _bind(deleting, delete_list)
    for verb, run, text in (("add", add_entries, "add values"), ("remove", remove_entries, "remove values")):
        changing = actions.add_parser(verb, help=f"{text} (`-`: one per line from stdin)")
        changing.add_argument("name")
        changing.add_argument("values", nargs="+")
        _bind(changing, run)
    showing = actions.add_parser("show", help="a list's entries")
    showing.add_argument("name")
    _bind(showing, show_list)


def _within(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (what the contract's field holds)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high:,}")
        return value

    return parse


def _definition_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True)
    parser.add_argument("--expression", required=True, help="CEL, e.g. 'tx.amount > 900.0 && tx.country == \"FR\"'")
    parser.add_argument("--action", required=True, choices=sorted(RULE_ACTION_VALUES.keys() - {"UNSPECIFIED"}))
    parser.add_argument("--priority", type=int, default=100, help="lower runs first (default 100)")
    parser.add_argument("--status", default="ACTIVE", choices=sorted(RULE_STATUS_VALUES.keys() - {"UNSPECIFIED"}))
    parser.add_argument("--score-delta", type=float, default=0.0, help="ADD_SCORE: what it adds to the score")
    parser.add_argument("--json", action="store_true")


def _bind(parser: argparse.ArgumentParser, command: Command) -> None:
    """`command` runs on a channel to `--store`; kept as `args.command` for callers with a stub of their own."""
    parser.set_defaults(run=_runner(command), command=command)


def _runner(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def on_a_channel() -> int:
            async with operator_channel(args.store) as channel:
                return await command(Rules(channel), args, sys.stdout)

        try:
            return asyncio.run(on_a_channel())
        except grpc.aio.AioRpcError as error:
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1

    return run


def _definition(args: argparse.Namespace) -> pb.RuleDefinition:
    return pb.RuleDefinition(
        name=args.name,
        expression=args.expression,
        action=RULE_ACTION_VALUES[args.action],  # type: ignore[arg-type]
        priority=args.priority,
        status=RULE_STATUS_VALUES[args.status],  # type: ignore[arg-type]
        score_delta=args.score_delta,
    )


def _rule_line(rule: dict[str, Any]) -> str:
    return (
        f"{rule['id']:<11} v{rule['version']:<3} {rule['status']:<8} {rule['action']:<9} "
        f"p{rule['priority']:<6} {rule['name']}: {rule['expression']}"
    )


def _show(value: Any, as_json: bool, line: str, out: TextIO) -> None:
    print(json.dumps(value, indent=2) if as_json else line, file=out)


async def list_rules(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.ListRules(pb.ListRulesRequest(at_version=args.at_version), timeout=TIMEOUT_SECONDS)
    shown = [rule_object(rule) for rule in response.rules]
    if args.json:
        print(json.dumps({"rules": shown, "rule_set_version": response.rule_set_version}, indent=2), file=out)
        return 0
    print(f"rule set version {response.rule_set_version}, {len(shown)} rules", file=out)
    for rule in shown:
        print(_rule_line(rule), file=out)
    return 0


async def show_rule(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.GetRule(pb.GetRuleRequest(id=args.id), timeout=TIMEOUT_SECONDS)
    rule = rule_object(response.rule)
    revisions = [revision_object(revision) for revision in response.revisions]
    if args.json:
        print(json.dumps({"rule": rule, "revisions": revisions}, indent=2), file=out)
        return 0
    print(_rule_line(rule), file=out)
    for revision in revisions:
        print(
            f"  v{revision['version']} {revision['change']} by {revision['changed_by']} at {revision['changed_at']}: "
            f"{revision['status']} {revision['action']} {revision['expression']}",
            file=out,
        )
    return 0


async def create_rule(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.CreateRule(pb.CreateRuleRequest(definition=_definition(args)), timeout=TIMEOUT_SECONDS)
    rule = rule_object(response.rule)
    _show(rule, args.json, "created " + _rule_line(rule), out)
    return 0


async def update_rule(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.UpdateRule(
        pb.UpdateRuleRequest(id=args.id, definition=_definition(args), expected_version=args.expected_version),
        timeout=TIMEOUT_SECONDS,
    )
    rule = rule_object(response.rule)
    _show(rule, args.json, "updated " + _rule_line(rule), out)
    return 0


async def delete_rule(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    await rules.DeleteRule(pb.DeleteRuleRequest(id=args.id), timeout=TIMEOUT_SECONDS)
    print(f"deleted {args.id}", file=out)
    return 0


async def preview_rule(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.PreviewRule(
        pb.PreviewRuleRequest(
            expression=args.expression,
            action=RULE_ACTION_VALUES[args.action],  # type: ignore[arg-type]
            priority=args.priority,
            score_delta=args.score_delta,
            days=args.days,
        ),
        timeout=PREVIEW_TIMEOUT_SECONDS,
    )
    preview = preview_object(response)
    if args.json:
        print(json.dumps(preview, indent=2), file=out)
        return 0
    for line in preview_lines(preview):
        print(line, file=out)
    return 0


def preview_lines(preview: dict[str, Any]) -> list[str]:
    """The preview as an analyst reads it: what was scanned, what the draft changes, whom it meets."""
    scanned = f"scanned {preview['scanned']} decisions since {preview['since']} ({preview['days']} days)"
    if preview["truncated"]:
        scanned += ", truncated: only the newest were read"
    lines = [
        scanned + f", beside rule set version {preview['rule_set_version']}",
        f"matched   {preview['matched']}",
        f"reviews   {preview['reviews_without']} -> {preview['reviews_with']} "
        f"({preview['reviews_with'] - preview['reviews_without']:+d})",
        f"declines  {preview['declines_without']} -> {preview['declines_with']} "
        f"({preview['declines_with'] - preview['declines_without']:+d})",
        f"frauds caught      {preview['frauds_matched']}",
        f"legitimate hit     {preview['legitimate_matched']} (labelled legitimate or not labelled)",
    ]
    for title, sample, matched in (
        ("frauds", preview["frauds"], preview["frauds_matched"]),
        ("legitimate", preview["legitimate"], preview["legitimate_matched"]),
    ):
        if sample:
            lines.append(f"{title}, newest first ({len(sample)} of {matched}):")
            lines.extend(
                f"  {hit['id']:<24} {hit['amount']:>12.2f} {hit['currency']} score {hit['score']:.3f} "
                f"{hit['decision_without']} -> {hit['decision_with']}"
                for hit in sample
            )
    return lines


async def list_lists(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.ListRuleLists(pb.ListRuleListsRequest(), timeout=TIMEOUT_SECONDS)
    shown = [rule_list_object(named) for named in response.lists]
    if args.json:
        print(json.dumps({"lists": shown}, indent=2), file=out)
        return 0
    for named in shown:
        print(
            f"{named['name']:<24} {named['kind']:<9} {named['field'] or '-':<12} {named['size']:>9} entries", file=out
        )
    return 0


async def create_list(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    response = await rules.CreateRuleList(
        pb.CreateRuleListRequest(
            name=args.name,
            kind=RULE_LIST_KIND_VALUES[args.kind],  # type: ignore[arg-type]
            field=args.field,
            description=args.description,
        ),
        timeout=TIMEOUT_SECONDS,
    )
    print(f"created list {response.list.name}", file=out)
    return 0


async def delete_list(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    await rules.DeleteRuleList(pb.DeleteRuleListRequest(name=args.name), timeout=TIMEOUT_SECONDS)
    print(f"deleted list {args.name}", file=out)
    return 0


def _values(given: Iterable[str]) -> list[str]:
    values: list[str] = []
    for value in given:
        if value == "-":
            values.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            values.append(value)
    return values


async def add_entries(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    values, added, size = _values(args.values), 0, 0
    for start in range(0, len(values), ENTRIES_BATCH):
        response = await rules.AddRuleListEntries(
            pb.AddRuleListEntriesRequest(name=args.name, values=values[start : start + ENTRIES_BATCH]),
            timeout=TIMEOUT_SECONDS,
        )
        added, size = added + response.added, response.list.size
    print(f"added {added} to {args.name} ({size} entries)", file=out)
    return 0


async def remove_entries(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    values, removed, size = _values(args.values), 0, 0
    for start in range(0, len(values), ENTRIES_BATCH):
        response = await rules.RemoveRuleListEntries(
            pb.RemoveRuleListEntriesRequest(name=args.name, values=values[start : start + ENTRIES_BATCH]),
            timeout=TIMEOUT_SECONDS,
        )
        removed, size = removed + response.removed, response.list.size
    print(f"removed {removed} from {args.name} ({size} entries)", file=out)
    return 0


async def show_list(rules: Rules, args: argparse.Namespace, out: TextIO) -> int:
    token = ""
    while True:
        page = await rules.ListRuleListEntries(
            pb.ListRuleListEntriesRequest(name=args.name, page_size=ENTRIES_BATCH, page_token=token),
            timeout=TIMEOUT_SECONDS,
        )
        for value in page.values:
            print(value, file=out)
        token = page.next_page_token
        if not token:
            return 0
