"""Activating a model version is a choice every scoring instance follows: ActivateModel on one instance
switches the others too (through the scoring control topic), the decisions name the chosen version
whichever instance scores them, and an instance that restarts comes back on the chosen version
before it says SERVING, whatever it would serve by default."""

from __future__ import annotations

import asyncio
import pathlib
import shutil
import uuid
from collections.abc import Iterator

import grpc
import httpx
import pytest
from fraud.v1 import scoring_service_pb2 as pb
from fraud.v1 import scoring_service_pb2_grpc as pb_grpc

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.grpc_tls import GrpcTls
from tests.e2e.clients import admin_headers, credentialed_channel
from tests.e2e.model_versions import older_copy
from tests.e2e.scoring_group import wait_for_stable_group


async def active_version(address: str, credential: str, tls: GrpcTls | None) -> str:
    async with credentialed_channel(address, credential, tls) as channel:
        response = await pb_grpc.ScoringServiceStub(channel).ListModels(pb.ListModelsRequest(), timeout=10)
    [active] = [model.version for model in response.models if model.active]
    return active


async def activate(address: str, version: str, credential: str, tls: GrpcTls | None) -> pb.ModelInfo:
    async with credentialed_channel(address, credential, tls) as channel:
        response = await pb_grpc.ScoringServiceStub(channel).ActivateModel(
            pb.ActivateModelRequest(version=version), timeout=60
        )
    return response.model


@pytest.fixture
def second_version(stack: ServiceSupervisor) -> Iterator[tuple[str, str]]:
    """(the version served by default, a second version beside it): the same model under another
    name, made older so that it is never the default; removed afterwards, with the default chosen
    again, so the tests after this one see the platform as it was."""
    models = pathlib.Path(stack.base_env["MODELS_DIR"])
    default = asyncio.run(active_version(stack.ports.grpc_address("scoring"), stack.admin_credential, stack.client_tls))
    name = older_copy(models, default, "activation")
    try:
        yield default, name
    finally:
        asyncio.run(activate(stack.ports.grpc_address("scoring"), default, stack.admin_credential, stack.client_tls))
        shutil.rmtree(models / name)


async def test_every_instance_follows_an_activation_and_a_restarted_one_comes_back_on_it(
    stack: ServiceSupervisor, kafka: KafkaBroker, second_version: tuple[str, str]
):
    default, chosen = second_version
    first_address = stack.ports.grpc_address("scoring")
    second = stack.start("scoring", instance="2")
    try:
        stack.wait_ready(second.name)
        second_address = f"127.0.0.1:{second.listen_port}"
        await wait_for_stable_group(kafka, 2)
        assert await active_version(second_address, stack.admin_credential, stack.client_tls) == default

        info = await activate(first_address, chosen, stack.admin_credential, stack.client_tls)
        assert info.version == chosen and info.active
        # Answered once applied here.
        assert await active_version(first_address, stack.admin_credential, stack.client_tls) == chosen
        async with asyncio.timeout(30):
            while await active_version(second_address, stack.admin_credential, stack.client_tls) != chosen:
                await asyncio.sleep(0.2)

        # Decisions name the chosen version, whichever instance has the customer's partition.
        run = uuid.uuid4().hex[:8]
        async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:

            async def pay(i: int) -> dict:
                body = {"user_id": f"activation-{run}-{i}", "amount": "30.00", "location": "Paris"}
                response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
                assert response.status_code == 200, response.text
                return response.json()

            decided = await asyncio.gather(*(pay(i) for i in range(12)))
            # The activation is in the audit trail under the key that made it, with the versions before and after.
            audit = await client.get("/api/audit", params={"action": "model.activate", "target": chosen})
        assert {decision["model_version"] for decision in decided} == {chosen}
        [event] = audit.json()["events"]
        admin_key_id = stack.admin_credential.split("_")[1]
        assert (event["actor"], event["role"]) == (f"key:{admin_key_id}", "admin")
        assert (event["before"]["active"], event["after"]["active"]) == (default, chosen)

        # A restarted instance reads the choice before it says SERVING.
        stack.stop(second.name)
        second = stack.start("scoring", instance="2")
        stack.wait_ready(second.name)
        assert (
            await active_version(f"127.0.0.1:{second.listen_port}", stack.admin_credential, stack.client_tls) == chosen
        )
    finally:
        stack.stop(second.name)
    await wait_for_stable_group(kafka, 1)


async def test_activating_a_version_no_instance_has_is_not_found_and_changes_nothing(stack: ServiceSupervisor):
    address = stack.ports.grpc_address("scoring")
    before = await active_version(address, stack.admin_credential, stack.client_tls)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await activate(address, "no-such-version", stack.admin_credential, stack.client_tls)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert await active_version(address, stack.admin_credential, stack.client_tls) == before
