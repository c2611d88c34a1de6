"""On the platform as `make up` runs it, the internal RPCs (scoring's writes to store and notify, its
history reads, store's replays into ingest) take a service key only over the certificate of the
service the contract names (`peers` in the method's access declaration): a service key that leaked
is no use from any other party. The other roles are not bound to a certificate."""

from __future__ import annotations

import pathlib

import grpc
import pytest
from fraud.v1 import decision_pb2, notify_service_pb2, notify_service_pb2_grpc
from fraud.v1 import store_service_pb2 as store_pb
from fraud.v1 import store_service_pb2_grpc as store_grpc

from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.grpc_tls import GrpcTls
from tests.e2e.clients import admin_channel, credentialed_channel

pytestmark = pytest.mark.timeout(1200)  # the first test may pay for the session's platform

HISTORY = store_pb.GetUsersHistoryRequest(users=[store_pb.UserHistoryWindow(user_id="peer-check")])


def service_key(stack: ServiceSupervisor, service: str) -> str:
    return stack.per_service_env[service]["SERVICE_API_KEY"]


def certificate_of(stack: ServiceSupervisor, service: str) -> GrpcTls:
    """The certificate the platform gave `service`, as its GRPC_TLS_* settings name it."""
    env = stack.per_service_env[service]
    files = (pathlib.Path(env[name]) for name in ("GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"))
    return GrpcTls.from_files(*files)


async def users_history(stack: ServiceSupervisor, key: str, tls: GrpcTls | None) -> store_pb.GetUsersHistoryResponse:
    async with credentialed_channel(stack.ports.grpc_address("store"), key, tls) as channel:
        return await store_grpc.StoreServiceStub(channel).GetUsersHistory(HISTORY, timeout=15)


async def test_scorings_key_over_scorings_certificate_reads_history(stack: ServiceSupervisor):
    answer = await users_history(stack, service_key(stack, "scoring"), certificate_of(stack, "scoring"))
    assert [history.user_id for history in answer.histories] == ["peer-check"]


async def test_scorings_key_over_another_partys_certificate_is_refused_naming_the_peer(stack: ServiceSupervisor):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await users_history(stack, service_key(stack, "scoring"), stack.client_tls)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "only from scoring" in (refused.value.details() or "")
    assert "certificate of admin" in (refused.value.details() or "")


async def test_another_services_key_over_its_own_certificate_is_refused(stack: ServiceSupervisor):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await users_history(stack, service_key(stack, "edge"), certificate_of(stack, "edge"))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_only_scoring_may_publish_decisions_to_notify(stack: ServiceSupervisor):
    request = notify_service_pb2.PublishDecisionsRequest(decisions=[decision_pb2.ScoredTransaction()])
    address = stack.ports.grpc_address("notify")
    async with credentialed_channel(address, service_key(stack, "ingest"), certificate_of(stack, "ingest")) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await notify_service_pb2_grpc.NotifyServiceStub(channel).PublishDecisions(request, timeout=15)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_an_admins_key_is_not_bound_to_a_certificate(stack: ServiceSupervisor):
    async with admin_channel(stack, "store") as channel:
        answer = await store_grpc.StoreServiceStub(channel).GetUsersHistory(HISTORY, timeout=15)
    assert [history.user_id for history in answer.histories] == ["peer-check"]
