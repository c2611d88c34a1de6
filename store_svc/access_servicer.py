"""AccessService: API keys and the audit trail, answered from store's PostgreSQL."""

from __future__ import annotations

import grpc
from fraud.v1 import access_service_pb2, access_service_pb2_grpc

from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.validation import validate
from store_svc.access_repository import AccessRepository

SERVICE = access_service_pb2.DESCRIPTOR.services_by_name["AccessService"]


class AccessServicer(access_service_pb2_grpc.AccessServiceServicer):
    def __init__(self, repository: AccessRepository):
        self._repository = repository

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(
            SERVICE, lambda server: access_service_pb2_grpc.add_AccessServiceServicer_to_server(self, server)
        )

    async def CreateApiKey(
        self, request: access_service_pb2.CreateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> access_service_pb2.CreateApiKeyResponse:
        validate(request)
        created = await self._repository.create_key(request.name, request.role)
        return access_service_pb2.CreateApiKeyResponse(api_key=created.api_key, key=created.key)

    async def ListApiKeys(
        self, request: access_service_pb2.ListApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> access_service_pb2.ListApiKeysResponse:
        validate(request)
        return access_service_pb2.ListApiKeysResponse(
            api_keys=await self._repository.list_keys(request.include_revoked)
        )

    async def RevokeApiKey(
        self, request: access_service_pb2.RevokeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> access_service_pb2.RevokeApiKeyResponse:
        validate(request)
        return access_service_pb2.RevokeApiKeyResponse(api_key=await self._repository.revoke_key(request.id))

    async def ListAuditEvents(
        self, request: access_service_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext
    ) -> access_service_pb2.ListAuditEventsResponse:
        validate(request)
        return await self._repository.audit_page(
            request.actor, request.action, request.target, request.page_size, request.page_token
        )
