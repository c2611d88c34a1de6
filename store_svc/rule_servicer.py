"""RuleService: analysts' rules and lists, answered from store's PostgreSQL."""

from __future__ import annotations

import grpc
from fraud.v1 import rule_service_pb2 as pb
from fraud.v1 import rule_service_pb2_grpc as pb_grpc

from fraudmesh.conversions.time import timestamp_from
from fraudmesh.errors import FailedPrecondition
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.validation import validate
from store_svc.rule_list_repository import RuleListRepository
from store_svc.rule_preview import RulePreview
from store_svc.rule_repository import RuleRepository

SERVICE = pb.DESCRIPTOR.services_by_name["RuleService"]


class RuleServicer(pb_grpc.RuleServiceServicer):
    def __init__(self, rules: RuleRepository, lists: RuleListRepository, preview: RulePreview | None = None):
        self._rules = rules
        self._lists = lists
        self._preview = preview

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(SERVICE, lambda server: pb_grpc.add_RuleServiceServicer_to_server(self, server))

    async def ListRules(self, request: pb.ListRulesRequest, context: grpc.aio.ServicerContext) -> pb.ListRulesResponse:
        validate(request)
        return await self._rules.list_rules(request.at_version)

    async def GetRule(self, request: pb.GetRuleRequest, context: grpc.aio.ServicerContext) -> pb.GetRuleResponse:
        validate(request)
        return await self._rules.get_rule(request.id)

    async def CreateRule(
        self, request: pb.CreateRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateRuleResponse:
        validate(request)
        return pb.CreateRuleResponse(rule=await self._rules.create_rule(request.definition))

    async def UpdateRule(
        self, request: pb.UpdateRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateRuleResponse:
        validate(request)
        expected = request.expected_version if request.HasField("expected_version") else None
        return pb.UpdateRuleResponse(rule=await self._rules.update_rule(request.id, request.definition, expected))

    async def DeleteRule(
        self, request: pb.DeleteRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteRuleResponse:
        validate(request)
        await self._rules.delete_rule(request.id)
        return pb.DeleteRuleResponse()

    async def ListRuleLists(
        self, request: pb.ListRuleListsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRuleListsResponse:
        validate(request)
        return pb.ListRuleListsResponse(lists=await self._lists.list_lists(request.at_version))

    async def CreateRuleList(
        self, request: pb.CreateRuleListRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateRuleListResponse:
        validate(request)
        created = await self._lists.create_list(request.name, request.kind, request.field, request.description)
        return pb.CreateRuleListResponse(list=created)

    async def DeleteRuleList(
        self, request: pb.DeleteRuleListRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteRuleListResponse:
        validate(request)
        await self._lists.delete_list(request.name)
        return pb.DeleteRuleListResponse()

    async def ListRuleListEntries(
        self, request: pb.ListRuleListEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRuleListEntriesResponse:
        validate(request)
        return await self._lists.entries_page(request.name, request.page_size, request.page_token, request.at_version)

    async def AddRuleListEntries(
        self, request: pb.AddRuleListEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddRuleListEntriesResponse:
        validate(request)
        added, named = await self._lists.add_entries(request.name, request.values)
        return pb.AddRuleListEntriesResponse(added=added, list=named)

    async def RemoveRuleListEntries(
        self, request: pb.RemoveRuleListEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveRuleListEntriesResponse:
        validate(request)
        removed, named = await self._lists.remove_entries(request.name, request.values)
        return pb.RemoveRuleListEntriesResponse(removed=removed, list=named)

    async def GetRuleSetVersion(
        self, request: pb.GetRuleSetVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRuleSetVersionResponse:
        validate(request)
        row = await self._rules.rule_set_version()
        response = pb.GetRuleSetVersionResponse(version=row.version)
        response.changed_at.CopyFrom(timestamp_from(row.changed_at))
        return response

    async def PreviewRule(
        self, request: pb.PreviewRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.PreviewRuleResponse:
        validate(request)
        if self._preview is None:
            raise FailedPrecondition("this server cannot reach scoring_svc to preview a rule")
        return await self._preview.preview(request)
