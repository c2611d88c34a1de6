"""The platform as `make up` runs it serves every gRPC port over mutual TLS: each service presents its
own certificate (common name = its name) of the platform's authority, and a caller gets through only
with a certificate of that authority; plaintext, no certificate or a stranger's are refused at the
handshake. The services' calls to each other travel the same way (a scored payment crosses
edge → scoring → store)."""

from __future__ import annotations

import socket
import ssl

import grpc
import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.grpc_server import client_channel, insecure_channel
from tests.e2e.clients import admin_headers
from tests.integration.grpc_tls.conftest import Authorities

GRPC_SERVICES = ("ingest", "scoring", "store", "notify")
# The first test pays for the session's platform (a starter model trained, five services started),
# which on two shared cores can take longer than one test's usual limit.
pytestmark = pytest.mark.timeout(1200)


async def _health(channel: grpc.aio.Channel) -> int:
    async with channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=15)
    return reply.status


async def _refusal(channel: grpc.aio.Channel) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _health(channel)
    return refused.value.code()


@pytest.mark.parametrize("service", GRPC_SERVICES)
async def test_a_caller_with_the_platforms_client_certificate_gets_through(stack: ServiceSupervisor, service: str):
    assert stack.client_tls is not None
    channel = client_channel(stack.ports.grpc_address(service), tls=stack.client_tls)
    assert await _health(channel) == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("service", GRPC_SERVICES)
async def test_a_plaintext_caller_is_refused(stack: ServiceSupervisor, service: str):
    assert await _refusal(insecure_channel(stack.ports.grpc_address(service))) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", GRPC_SERVICES)
async def test_a_caller_without_a_client_certificate_is_refused_at_the_handshake(
    stack: ServiceSupervisor, service: str
):
    assert stack.client_tls is not None
    trusting_only = grpc.ssl_channel_credentials(root_certificates=stack.client_tls.ca)
    channel = grpc.aio.secure_channel(stack.ports.grpc_address(service), trusting_only)
    assert await _refusal(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", GRPC_SERVICES)
async def test_a_caller_with_a_certificate_of_another_authority_is_refused(
    stack: ServiceSupervisor, service: str, authorities: Authorities
):
    assert stack.client_tls is not None
    stranger = authorities.tls("admin", by_other=True)  # the very name the tests' own certificate has
    credentials = grpc.ssl_channel_credentials(stack.client_tls.ca, stranger.key, stranger.certificate)
    channel = grpc.aio.secure_channel(stack.ports.grpc_address(service), credentials)
    assert await _refusal(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", GRPC_SERVICES)
def test_each_service_presents_its_own_certificate_of_the_platforms_authority(stack: ServiceSupervisor, service: str):
    issued = stack.client_certificate
    assert issued is not None
    context = ssl.create_default_context(cafile=str(issued.ca))  # verifies the chain and 127.0.0.1
    context.load_cert_chain(str(issued.certificate), str(issued.key))
    context.set_alpn_protocols(["h2"])
    port = getattr(stack.ports, service)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    subject = x509.load_der_x509_certificate(der).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == service


async def test_the_services_call_each_other_over_mutual_tls(stack: ServiceSupervisor):
    # A payment waited for: edge → ingest, Kafka, scoring → store and → notify, notify → edge. Each
    # gRPC hop is one of the links above, so a decision back means every one of them handshook.
    body = {"user_id": "tls-caller", "amount": "12.50", "currency": "EUR", "location": "Paris"}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        decided = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"] in {"APPROVE", "REVIEW", "DECLINE"}
