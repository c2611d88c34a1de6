"""Rules and lists over REST (RuleService, served by store_svc). A rule's JSON is its definition's
fields beside its id and revision; an expression that cannot run answers 422 naming `expression`
with the line, column and reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from fraud.v1 import rule_service_pb2 as pb

from edge.context import EdgeContext
from edge.rest_models import INVALID, ErrorOut
from edge.route_table import RouteBinding
from edge.rule_models import (
    DeletedOut,
    ListEntriesChangedOut,
    ListEntriesIn,
    ListEntriesOut,
    OneRuleListOut,
    OneRuleOut,
    RuleIn,
    RuleListIn,
    RuleListsOut,
    RulePreviewIn,
    RulePreviewOut,
    RuleSetVersionOut,
    RulesOut,
    RuleUpdateIn,
    RuleWithHistoryOut,
)
from fraudmesh.conversions.rules import (
    RULE_ACTION_VALUES,
    RULE_LIST_KIND_VALUES,
    RULE_STATUS_VALUES,
    preview_object,
    revision_object,
    rule_list_object,
    rule_object,
)
from fraudmesh.conversions.time import optional_rfc3339

NO_RULE: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No rule with this id."}}
NO_LIST: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No list with this name."}}
TAKEN: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut, "description": "The name is taken, or in use."}}
RuleId = Annotated[str, Path(min_length=1, max_length=32, pattern="^[a-z0-9]+$", description="The rule's id.")]
ListName = Annotated[str, Path(min_length=1, max_length=64, pattern="^[a-z_][a-z0-9_]*$", description="The list.")]


def definition(rule: RuleIn) -> pb.RuleDefinition:
    return pb.RuleDefinition(
        name=rule.name,
        expression=rule.expression,
        action=RULE_ACTION_VALUES[rule.action],  # type: ignore[arg-type]
        score_delta=rule.score_delta,
        priority=rule.priority,
        status=RULE_STATUS_VALUES[rule.status],  # type: ignore[arg-type]
    )


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def list_rules(
        at_version: Annotated[
            int,
            Query(
                ge=0,
                le=2**63 - 1,  # the contract's int64
                description="The rules as they were at this rule-set version (0: now; docs/rules.md, History).",
            ),
        ] = 0,
    ) -> JSONResponse:
        response = await context.upstreams.rules.ListRules(
            pb.ListRulesRequest(at_version=at_version), timeout=context.timeout
        )
        return JSONResponse(
            {"rules": [rule_object(r) for r in response.rules], "rule_set_version": response.rule_set_version}
        )

    async def get_rule(id: RuleId) -> JSONResponse:
        response = await context.upstreams.rules.GetRule(pb.GetRuleRequest(id=id), timeout=context.timeout)
        return JSONResponse(
            {"rule": rule_object(response.rule), "revisions": [revision_object(r) for r in response.revisions]}
        )

    async def create_rule(rule: RuleIn) -> JSONResponse:
        response = await context.upstreams.rules.CreateRule(
            pb.CreateRuleRequest(definition=definition(rule)), timeout=context.timeout
        )
        return JSONResponse({"rule": rule_object(response.rule)}, status_code=201)

    async def update_rule(id: RuleId, rule: RuleUpdateIn) -> JSONResponse:
        response = await context.upstreams.rules.UpdateRule(
            pb.UpdateRuleRequest(id=id, definition=definition(rule), expected_version=rule.expected_version),
            timeout=context.timeout,
        )
        return JSONResponse({"rule": rule_object(response.rule)})

    async def delete_rule(id: RuleId) -> JSONResponse:
        await context.upstreams.rules.DeleteRule(pb.DeleteRuleRequest(id=id), timeout=context.timeout)
        return JSONResponse({"deleted": id})

    async def rule_set_version() -> JSONResponse:
        response = await context.upstreams.rules.GetRuleSetVersion(
            pb.GetRuleSetVersionRequest(), timeout=context.timeout
        )
        return JSONResponse({"version": response.version, "changed_at": optional_rfc3339(response, "changed_at")})

    async def preview_rule(draft: RulePreviewIn) -> JSONResponse:
        response = await context.upstreams.rules.PreviewRule(
            pb.PreviewRuleRequest(
                expression=draft.expression,
                action=RULE_ACTION_VALUES[draft.action],  # type: ignore[arg-type]
                score_delta=draft.score_delta,
                priority=draft.priority,
                days=draft.days,
            ),
            timeout=context.timeout,
        )
        return JSONResponse(preview_object(response))

    async def list_lists() -> JSONResponse:
        response = await context.upstreams.rules.ListRuleLists(pb.ListRuleListsRequest(), timeout=context.timeout)
        return JSONResponse({"lists": [rule_list_object(named) for named in response.lists]})

    async def create_list(named: RuleListIn) -> JSONResponse:
        response = await context.upstreams.rules.CreateRuleList(
            pb.CreateRuleListRequest(
                name=named.name,
                kind=RULE_LIST_KIND_VALUES[named.kind],  # type: ignore[arg-type]
                field=named.field or "",
                description=named.description,
            ),
            timeout=context.timeout,
        )
        return JSONResponse({"list": rule_list_object(response.list)}, status_code=201)

    async def delete_list(name: ListName) -> JSONResponse:
        await context.upstreams.rules.DeleteRuleList(pb.DeleteRuleListRequest(name=name), timeout=context.timeout)
        return JSONResponse({"deleted": name})

    async def list_entries(
        name: ListName,
        page_size: Annotated[int | None, Query(ge=1, le=10_000, description="Default 1000.")] = None,
        page_token: Annotated[str | None, Query(max_length=200, description="The last page's next_page_token.")] = None,
    ) -> JSONResponse:
        response = await context.upstreams.rules.ListRuleListEntries(
            pb.ListRuleListEntriesRequest(name=name, page_size=page_size or 0, page_token=page_token or ""),
            timeout=context.timeout,
        )
        return JSONResponse({"values": list(response.values), "next_page_token": response.next_page_token})

    async def add_entries(name: ListName, entries: ListEntriesIn) -> JSONResponse:
        response = await context.upstreams.rules.AddRuleListEntries(
            pb.AddRuleListEntriesRequest(name=name, values=entries.values), timeout=context.timeout
        )
        return JSONResponse({"changed": response.added, "list": rule_list_object(response.list)})

    async def remove_entries(name: ListName, entries: ListEntriesIn) -> JSONResponse:
        response = await context.upstreams.rules.RemoveRuleListEntries(
            pb.RemoveRuleListEntriesRequest(name=name, values=entries.values), timeout=context.timeout
        )
        return JSONResponse({"changed": response.removed, "list": rule_list_object(response.list)})

    service = "fraud.v1.RuleService/"
    tags = ["rules"]
    return [
        RouteBinding(service + "ListRules", list_rules, "Rules by priority", response_model=RulesOut, tags=tags),
        RouteBinding(
            service + "GetRule",
            get_rule,
            "A rule and its revisions",
            response_model=RuleWithHistoryOut,
            responses=NO_RULE,
            tags=tags,
        ),
        RouteBinding(
            service + "CreateRule",
            create_rule,
            "Create a rule (422 names an expression's line and column)",
            status_code=201,
            response_model=OneRuleOut,
            responses={**INVALID, **TAKEN},
            tags=tags,
        ),
        RouteBinding(
            service + "UpdateRule",
            update_rule,
            "Replace a rule, as a new revision (409 `aborted`: changed since expected_version)",
            response_model=OneRuleOut,
            responses={**INVALID, **NO_RULE, **TAKEN},
            tags=tags,
        ),
        RouteBinding(
            service + "DeleteRule",
            delete_rule,
            "Delete a rule (its revisions stay readable)",
            response_model=DeletedOut,
            responses=NO_RULE,
            tags=tags,
        ),
        RouteBinding(
            service + "GetRuleSetVersion",
            rule_set_version,
            "The rule set's version, raised by every change",
            response_model=RuleSetVersionOut,
            tags=tags,
        ),
        RouteBinding(
            service + "PreviewRule",
            preview_rule,
            "How a draft rule would have changed the stored decisions of the last days",
            response_model=RulePreviewOut,
            responses=INVALID,
            tags=tags,
        ),
        RouteBinding(
            service + "ListRuleLists", list_lists, "Named lists and their sizes", response_model=RuleListsOut, tags=tags
        ),
        RouteBinding(
            service + "CreateRuleList",
            create_list,
            "Create an allow, block or reference list",
            status_code=201,
            response_model=OneRuleListOut,
            responses={**INVALID, **TAKEN},
            tags=tags,
        ),
        RouteBinding(
            service + "DeleteRuleList",
            delete_list,
            "Delete a list no rule names",
            response_model=DeletedOut,
            responses={**NO_LIST, **TAKEN},
            tags=tags,
        ),
        RouteBinding(
            service + "ListRuleListEntries",
            list_entries,
            "A list's entries, a page at a time",
            response_model=ListEntriesOut,
            responses=NO_LIST,
            tags=tags,
        ),
        RouteBinding(
            service + "AddRuleListEntries",
            add_entries,
            "Add entries to a list",
            response_model=ListEntriesChangedOut,
            responses={**INVALID, **NO_LIST},
            tags=tags,
        ),
        RouteBinding(
            service + "RemoveRuleListEntries",
            remove_entries,
            "Remove entries from a list",
            response_model=ListEntriesChangedOut,
            responses={**INVALID, **NO_LIST},
            tags=tags,
        ),
    ]
