"""A partition that comes back to a scoring instance after another instance owned it: the customers
it kept from before miss what the other instance scored, so it forgets them and warms them again
from the history store_svc keeps. Every customer's velocity counts every payment, whichever
instance scored it (scoring_svc.rebalance)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers
from tests.e2e.scoring_group import transactions_consumed, wait_for_stable_group

CUSTOMERS = 24  # over 6 partitions: every partition the second instance takes has some (all but surely)


async def test_customers_of_a_partition_that_comes_back_count_what_the_other_instance_scored(
    stack: ServiceSupervisor,
    kafka: KafkaBroker,
):
    run = uuid.uuid4().hex[:8]
    customers = [f"back-{run}-{i}" for i in range(CUSTOMERS)]
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:

        async def pay(user: str) -> dict:
            body = {"user_id": user, "amount": "20.00", "location": "Paris", "merchant_id": "m-back"}
            response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
            assert response.status_code == 200 and response.json()["decision"], response.text
            return response.json()

        async def pay_twice(user: str) -> None:
            await pay(user)
            await pay(user)

        await wait_for_stable_group(kafka, 1)
        await asyncio.gather(*(pay(user) for user in customers))  # the first instance alone meets each

        second = stack.start("scoring", instance="2")
        try:
            stack.wait_ready(second.name)
            await wait_for_stable_group(kafka, 2)
            consumed_before = transactions_consumed(second.metrics_port)
            await asyncio.gather(*(pay_twice(user) for user in customers))
            took_over = transactions_consumed(second.metrics_port) - consumed_before
        finally:
            stack.stop(second.name)
        await wait_for_stable_group(kafka, 1)

        assert took_over > 0, "the second instance scored none of the customers' payments"
        last = await asyncio.gather(*(pay(user) for user in customers))

    # Each customer's fourth payment within the hour, whoever scored the second and the third.
    counts = {decision["user_id"]: decision["features"]["count_1h"] for decision in last}
    assert counts == dict.fromkeys(customers, 4)
