"""The audit trail names the address a change came from: for a change made through the edge, the
address the edge saw (the browser's), which the edge forwards and a service believes over the edge's
certificate only; anyone else's claim of an address is ignored for the connection's own."""

from __future__ import annotations

import uuid

import httpx
from fraud.v1 import access_service_pb2 as pb
from fraud.v1 import access_service_pb2_grpc as pb_grpc
from fraud.v1 import options_pb2

from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.access.caller_credentials import CLIENT_ADDRESS_METADATA
from fraudmesh.grpc_tls import GrpcTls
from tests.e2e.clients import admin_headers, credentialed_channel
from tests.integration.grpc_tls.test_service_peers import certificate_of

CLAIMED = "203.0.113.7"  # an address no loopback connection has


async def audited_address(stack: ServiceSupervisor, key_id: str) -> str:
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as api:
        answer = await api.get("/api/audit", params={"action": "api_key.create", "target": key_id})
    [event] = answer.json()["events"]
    return event["client_address"]


async def key_made_over(stack: ServiceSupervisor, tls: GrpcTls | None) -> str:
    """Makes a viewer key with the admin's key over `tls`, claiming CLAIMED as the caller's address."""
    request = pb.CreateApiKeyRequest(name=f"address-{uuid.uuid4().hex[:8]}", role=options_pb2.ROLE_VIEWER)
    async with credentialed_channel(stack.ports.grpc_address("store"), stack.admin_credential, tls) as channel:
        made = await pb_grpc.AccessServiceStub(channel).CreateApiKey(
            request, metadata=((CLIENT_ADDRESS_METADATA, CLAIMED),), timeout=15
        )
    return made.api_key.id


async def test_a_change_made_through_the_edge_is_audited_under_the_address_the_edge_saw(stack: ServiceSupervisor):
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as api:
        made = await api.post("/api/keys", json={"name": f"address-{uuid.uuid4().hex[:8]}", "role": "viewer"})
    assert made.status_code == 201, made.text
    # The HTTP client's address as the edge saw it, not the edge's own connection to store
    # ("ipv4:127.0.0.1:<the edge's port>").
    assert await audited_address(stack, made.json()["api_key"]["id"]) == "127.0.0.1"


async def test_the_edges_certificate_may_name_its_callers_address(stack: ServiceSupervisor):
    key_id = await key_made_over(stack, certificate_of(stack, "edge"))
    assert await audited_address(stack, key_id) == CLAIMED


async def test_any_other_certificates_claim_of_an_address_is_ignored(stack: ServiceSupervisor):
    key_id = await key_made_over(stack, stack.client_tls)
    address = await audited_address(stack, key_id)
    assert address != CLAIMED and address.startswith("ipv4:127.0.0.1:")
