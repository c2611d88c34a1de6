"""Tokens from the real Keycloak at the platform's doors: a gRPC server guarded as the services are,
configured with the issuer, takes each user's roles from the token and refuses what they may not do;
the audit trail names the token's subject."""

from __future__ import annotations

import grpc
import pytest
from fraud.v1 import scoring_service_pb2, scoring_service_pb2_grpc

from fraudctl.runtime.keycloak import KeycloakServer
from fraudmesh.access.audit import AuditLog
from fraudmesh.access.principal import current_principal
from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.access.settings import AccessSettings
from fraudmesh.grpc_server import GrpcServer, ServiceRegistration, insecure_channel


class RecordingScoring(scoring_service_pb2_grpc.ScoringServiceServicer):
    """Answers ListModels, and records in the audit trail who activated a model, as scoring does."""

    def __init__(self, audit: AuditLog):
        self.audit = audit

    async def ListModels(self, request, context):
        return scoring_service_pb2.ListModelsResponse()

    async def ActivateModel(self, request, context):
        await self.audit.record("model.activate", request.version, {"active": "old"}, {"active": request.version})
        principal = current_principal.get()
        assert principal is not None
        return scoring_service_pb2.ActivateModelResponse(model=scoring_service_pb2.ModelInfo(version=principal.actor))


@pytest.fixture(scope="module")
async def guarded_scoring(keycloak: KeycloakServer, access_database_url: str):
    settings = AccessSettings(database_url=access_database_url, oidc_issuer=keycloak.issuer, access_control=True)
    access = ServiceAccess(settings)
    audit = AuditLog(access_database_url)
    await access.start()
    await audit.start()
    descriptor = scoring_service_pb2.DESCRIPTOR.services_by_name["ScoringService"]
    servicer = RecordingScoring(audit)
    server = GrpcServer(
        [
            ServiceRegistration(
                descriptor, lambda s: scoring_service_pb2_grpc.add_ScoringServiceServicer_to_server(servicer, s)
            )
        ],
        "127.0.0.1:0",
        access.server_interceptors(),
    )
    await server.start()
    yield f"127.0.0.1:{server.port}"
    await server.stop()
    await audit.stop()
    await access.stop()


def _bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


async def test_each_user_may_do_what_the_roles_in_the_token_allow(keycloak, guarded_scoring):
    viewer = keycloak.password_token("viewer@example.com")
    admin = keycloak.password_token("admin@example.com")
    nobody = keycloak.password_token("norole@example.com")
    async with insecure_channel(guarded_scoring) as channel:
        scoring = scoring_service_pb2_grpc.ScoringServiceStub(channel)
        await scoring.ListModels(scoring_service_pb2.ListModelsRequest(), metadata=_bearer(viewer))
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await scoring.ActivateModel(
                scoring_service_pb2.ActivateModelRequest(version="v2"), metadata=_bearer(viewer)
            )
        activated = await scoring.ActivateModel(
            scoring_service_pb2.ActivateModelRequest(version="v2"), metadata=_bearer(admin)
        )
        with pytest.raises(grpc.aio.AioRpcError) as roleless:
            await scoring.ListModels(scoring_service_pb2.ListModelsRequest(), metadata=_bearer(nobody))
        with pytest.raises(grpc.aio.AioRpcError) as tampered:
            await scoring.ListModels(scoring_service_pb2.ListModelsRequest(), metadata=_bearer(viewer[:-6] + "AAAAAA"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert activated.model.version.startswith("token:")
    assert roleless.value.code() == grpc.StatusCode.UNAUTHENTICATED and "no_role" in roleless.value.details()
    assert tampered.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_the_audit_trail_names_the_subject_of_the_token_that_made_the_change(
    keycloak, guarded_scoring, access_database_url
):
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from store_svc.access_repository import AccessRepository

    admin = keycloak.password_token("admin@example.com")
    async with insecure_channel(guarded_scoring) as channel:
        activated = await scoring_service_pb2_grpc.ScoringServiceStub(channel).ActivateModel(
            scoring_service_pb2.ActivateModelRequest(version="v9"), metadata=_bearer(admin)
        )
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    page = await AccessRepository(engine).audit_page(activated.model.version, "model.activate", "v9", 10, "")
    await engine.dispose()
    [event] = page.events
    assert event.role == 3  # admin, the strongest of the token's roles
    assert event.client_address.startswith("ipv4:127.0.0.1")
