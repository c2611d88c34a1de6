"""A second scoring instance joins the consumer group and takes a share of the partitions: together
the two decide every transaction exactly once (what `fraudctl up --scoring-instances 2` runs)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers
from tests.e2e.scoring_group import transactions_consumed, wait_for_stable_group


async def test_two_scoring_instances_share_the_partitions_and_decide_each_transaction_once(
    stack: ServiceSupervisor, kafka: KafkaBroker
):
    second = stack.start("scoring", instance="2")
    try:
        stack.wait_ready(second.name)
        assert (
            second.listen_port != stack.ports.scoring and second.metrics_port != stack.running["scoring"].metrics_port
        )
        await wait_for_stable_group(kafka, 2)
        before = {s.name: transactions_consumed(s.metrics_port) for s in (stack.running["scoring"], second)}

        run = uuid.uuid4().hex[:8]
        async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:

            async def submit(i: int) -> str:
                body = {"user_id": f"scale-{run}-{i}", "amount": "12.50", "location": "Paris", "merchant_id": "m-scale"}
                response = await client.post("/api/transaction", json=body)
                assert response.status_code == 201, response.text
                return response.json()["id"]

            async def stored(transaction_id: str) -> None:
                while (await client.get(f"/api/transactions/{transaction_id}")).status_code != 200:
                    await asyncio.sleep(0.2)

            ids = await asyncio.gather(*(submit(i) for i in range(60)))
            assert len(set(ids)) == 60
            async with asyncio.timeout(60):
                await asyncio.gather(*(stored(i) for i in ids))

        shares = {
            s.name: transactions_consumed(s.metrics_port) - before[s.name] for s in (stack.running["scoring"], second)
        }
        assert all(share > 0 for share in shares.values()), f"one instance took no partition's work: {shares}"
        assert sum(shares.values()) >= 60
    finally:
        stack.stop(second.name)
