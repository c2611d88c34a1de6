"""Every method of the contract, called with a real key of each role against a gRPC server guarded
as the services are (keys read from the real PostgreSQL): allowed roles get through to the servicer,
other roles get PERMISSION_DENIED, no or a revoked key UNAUTHENTICATED."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import (
    access_service_pb2_grpc,
    case_service_pb2_grpc,
    ingest_service_pb2_grpc,
    notify_service_pb2_grpc,
    rule_service_pb2_grpc,
    scoring_service_pb2_grpc,
    store_service_pb2_grpc,
)
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudmesh.access.declarations import ROLES, grpc_methods, method_access_table
from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.access.settings import AccessSettings
from fraudmesh.grpc_server import GrpcServer, ServiceRegistration, insecure_channel
from store_svc.access_repository import AccessRepository
from tests.access_keys import TESTER

# The generated base servicers answer UNIMPLEMENTED: a call that reaches one got past the guard.
SERVICERS = [
    (access_service_pb2_grpc.AccessServiceServicer, access_service_pb2_grpc.add_AccessServiceServicer_to_server),
    (ingest_service_pb2_grpc.IngestServiceServicer, ingest_service_pb2_grpc.add_IngestServiceServicer_to_server),
    (notify_service_pb2_grpc.NotifyServiceServicer, notify_service_pb2_grpc.add_NotifyServiceServicer_to_server),
    (scoring_service_pb2_grpc.ScoringServiceServicer, scoring_service_pb2_grpc.add_ScoringServiceServicer_to_server),
    (store_service_pb2_grpc.StoreServiceServicer, store_service_pb2_grpc.add_StoreServiceServicer_to_server),
    (rule_service_pb2_grpc.RuleServiceServicer, rule_service_pb2_grpc.add_RuleServiceServicer_to_server),
    (case_service_pb2_grpc.CaseServiceServicer, case_service_pb2_grpc.add_CaseServiceServicer_to_server),
]
REACHED = (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNKNOWN)


@pytest.fixture(scope="module")
async def guarded(access_database_url: str) -> AsyncIterator[tuple[str, ServiceAccess]]:
    settings = AccessSettings(database_url=access_database_url, access_control=True, access_refresh_seconds=0.2)
    access = ServiceAccess(settings)
    await access.start()
    registrations = []
    for servicer_class, add in SERVICERS:
        name = servicer_class.__name__.removesuffix("Servicer")
        descriptor = next(
            grpc_methods()[path].containing_service for path in grpc_methods() if path.split("/")[1].endswith(name)
        )
        servicer = servicer_class()
        registrations.append(ServiceRegistration(descriptor, lambda server, s=servicer, a=add: a(s, server)))
    server = GrpcServer(registrations, "127.0.0.1:0", access.server_interceptors())
    await server.start()
    yield f"127.0.0.1:{server.port}", access
    await server.stop()
    await access.stop()


async def _call(channel: grpc.aio.Channel, path: str, authorization: str | None) -> grpc.StatusCode:
    method = grpc_methods()[path]
    request = method.input_type._concrete_class().SerializeToString()
    metadata = (("authorization", authorization),) if authorization else None
    if method.server_streaming:
        call = channel.unary_stream(path)(request, metadata=metadata, timeout=5)
        try:
            async for _ in call:
                pass
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK
    try:
        await channel.unary_unary(path)(request, metadata=metadata, timeout=5)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_every_method_allows_its_roles_and_denies_the_others(guarded, role_keys):
    address, _ = guarded
    table = method_access_table()
    wrong = []
    async with insecure_channel(address) as channel:
        for path in grpc_methods():
            for role in ROLES:
                code = await _call(channel, path, f"Bearer {role_keys[role][1]}")
                allowed = role in table[path].roles
                if (code in REACHED) != allowed or (not allowed and code != grpc.StatusCode.PERMISSION_DENIED):
                    wrong.append((path, role, code.name))
    assert wrong == []


async def test_without_a_credential_or_with_a_forged_one_every_method_is_unauthenticated(guarded, role_keys):
    address, _ = guarded
    forged = role_keys["admin"][1][:-4] + "AAAA"
    async with insecure_channel(address) as channel:
        for path in grpc_methods():
            for authorization in (None, "Basic dXNlcjpwYXNz", f"Bearer {forged}", "Bearer not-a-key"):
                assert await _call(channel, path, authorization) == grpc.StatusCode.UNAUTHENTICATED, (
                    path,
                    authorization,
                )
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING  # probes need no credential


async def test_a_revoked_key_is_refused_within_seconds_without_a_restart(guarded, access_database_url):
    address, _ = guarded
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    repository = AccessRepository(engine)
    created = await repository.create_key("soon revoked", 3, by=TESTER)  # ROLE_ADMIN
    path = "/fraud.v1.ScoringService/ListModels"
    async with insecure_channel(address) as channel:
        async with asyncio.timeout(10):
            while await _call(channel, path, f"Bearer {created.key}") not in REACHED:
                await asyncio.sleep(0.1)  # until the directory has read the new key
        await repository.revoke_key(created.api_key.id, by=TESTER)
        async with asyncio.timeout(10):
            while await _call(channel, path, f"Bearer {created.key}") != grpc.StatusCode.UNAUTHENTICATED:
                await asyncio.sleep(0.1)
    listed = {key.id: key for key in await repository.list_keys(include_revoked=True)}
    assert listed[created.api_key.id].HasField("revoked_at")
    assert created.api_key.id not in {key.id for key in await repository.list_keys(include_revoked=False)}
    await engine.dispose()


async def test_a_credential_over_its_rate_gets_resource_exhausted_with_a_retry_delay(access_database_url, role_keys):
    settings = AccessSettings(database_url=access_database_url, access_control=True, rate_limit_per_second=3)
    access = ServiceAccess(settings)
    await access.start()
    servicer_class, add = SERVICERS[3]
    descriptor = grpc_methods()["/fraud.v1.ScoringService/ListModels"].containing_service
    server = GrpcServer(
        [ServiceRegistration(descriptor, lambda s: add(servicer_class(), s))],
        "127.0.0.1:0",
        access.server_interceptors(),
    )
    await server.start()
    try:
        async with insecure_channel(f"127.0.0.1:{server.port}") as channel:
            codes = [
                await _call(channel, "/fraud.v1.ScoringService/ListModels", f"Bearer {role_keys['viewer'][1]}")
                for _ in range(8)
            ]
            stub = channel.unary_unary("/fraud.v1.ScoringService/ListModels")
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub(b"", metadata=(("authorization", f"Bearer {role_keys['viewer'][1]}"),), timeout=5)
    finally:
        await server.stop()
        await access.stop()
    assert codes[0] in REACHED
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in codes
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    status = rpc_status.from_call(refused.value)
    retry = error_details_pb2.RetryInfo()
    assert status is not None and any(detail.Unpack(retry) for detail in status.details)
    assert retry.retry_delay.ToNanoseconds() > 0


async def test_a_key_created_a_moment_ago_works_at_once(access_database_url):
    # The periodic read is a minute away: only reading again on an unknown key can let it in.
    settings = AccessSettings(database_url=access_database_url, access_control=True, access_refresh_seconds=60)
    access = ServiceAccess(settings)
    await access.start()
    servicer_class, add = SERVICERS[3]
    descriptor = grpc_methods()["/fraud.v1.ScoringService/ListModels"].containing_service
    server = GrpcServer(
        [ServiceRegistration(descriptor, lambda s: add(servicer_class(), s))],
        "127.0.0.1:0",
        access.server_interceptors(),
    )
    await server.start()
    engine = create_async_engine(access_database_url, poolclass=NullPool)
    try:
        created = await AccessRepository(engine).create_key("brand new", 1, by=TESTER)  # ROLE_VIEWER
        async with insecure_channel(f"127.0.0.1:{server.port}") as channel:
            code = await _call(channel, "/fraud.v1.ScoringService/ListModels", f"Bearer {created.key}")
            made_up = await _call(channel, "/fraud.v1.ScoringService/ListModels", f"Bearer {created.key[:-2]}zz")
    finally:
        await engine.dispose()
        await server.stop()
        await access.stop()
    assert code in REACHED
    assert made_up == grpc.StatusCode.UNAUTHENTICATED
