"""A customer's features are the same whichever scoring instance scores them: the same day of
payments, replayed once through one instance and once through three of which one stops half way
(its partitions, and their customers, move to the other two, which warm them from store_svc), gives
every payment the same features, payment by payment (scoring_svc.rebalance)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers
from tests.e2e.replayed_day import PAYMENTS_PER_CUSTOMER, Payment, customer_day
from tests.e2e.scoring_group import transactions_consumed, wait_for_stable_group

CUSTOMERS = 24  # 288 payments a replay, over the topic's 6 partitions
HALF = PAYMENTS_PER_CUSTOMER // 2
READERS = 16  # concurrent reads of stored decisions


async def submit(client: httpx.AsyncClient, user: str, payments: list[Payment]) -> list[str]:
    """One customer's payments in order, each acknowledged by ingest (in Kafka) before the next."""
    ids = []
    for payment in payments:
        response = await client.post("/api/transaction", json=payment.body(user))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def replay(client: httpx.AsyncClient, users: list[str], days: list[list[Payment]]) -> list[list[str]]:
    """Every customer's payments, customers side by side."""
    return list(await asyncio.gather(*(submit(client, user, day) for user, day in zip(users, days, strict=True))))


async def stored_features(client: httpx.AsyncClient, ids: list[list[str]]) -> list[list[dict[str, float]]]:
    """The features each decision recorded, as store_svc keeps them, once every one is stored."""
    limit = asyncio.Semaphore(READERS)

    async def read(transaction_id: str) -> dict[str, float]:
        async with limit:
            while (response := await client.get(f"/api/transactions/{transaction_id}")).status_code == 404:
                await asyncio.sleep(0.3)
        assert response.status_code == 200, response.text
        return response.json()["features"]

    async with asyncio.timeout(180):
        return [list(await asyncio.gather(*(read(i) for i in customer))) for customer in ids]


def differences(one: list[list[dict[str, float]]], three: list[list[dict[str, float]]]) -> list[tuple]:
    return [
        (customer, payment, name, features.get(name), three[customer][payment].get(name))
        for customer, payments in enumerate(one)
        for payment, features in enumerate(payments)
        for name in sorted(features.keys() | three[customer][payment].keys())
        if features.get(name) != three[customer][payment].get(name)
    ]


async def one_then_three(
    stack: ServiceSupervisor, kafka: KafkaBroker, days: list[list[Payment]], run: str
) -> tuple[list[list[dict[str, float]]], list[list[dict[str, float]]]]:
    """The features of every payment of `days` scored by one instance, and by three of which the
    third leaves once it has scored some of the first half; each replay with customers of its own."""
    alone_users = [f"day-{run}-one-{customer}" for customer in range(len(days))]
    shared_users = [f"day-{run}-three-{customer}" for customer in range(len(days))]
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        await wait_for_stable_group(kafka, 1)
        alone = await stored_features(client, await replay(client, alone_users, days))

        second, third = stack.start("scoring", instance="2"), stack.start("scoring", instance="3")
        try:
            stack.wait_ready(second.name)
            stack.wait_ready(third.name)
            await wait_for_stable_group(kafka, 3)
            before = transactions_consumed(third.metrics_port)
            first_half = await replay(client, shared_users, [day[:HALF] for day in days])
            async with asyncio.timeout(60):  # the third has scored some of its customers' mornings...
                while transactions_consumed(third.metrics_port) == before:
                    await asyncio.sleep(0.2)
            stack.stop(third.name)  # ...and leaves, maybe with more in flight: its partitions move
            await wait_for_stable_group(kafka, 2)
            second_half = await replay(client, shared_users, [day[HALF:] for day in days])
            shared = await stored_features(client, [a + b for a, b in zip(first_half, second_half, strict=True)])
        finally:
            for instance in (second, third):
                if instance.name in stack.running:
                    stack.stop(instance.name)
        await wait_for_stable_group(kafka, 1)
    return alone, shared


async def test_a_replayed_day_gets_the_same_features_from_one_instance_and_from_three_with_a_rebalance(
    stack: ServiceSupervisor, kafka: KafkaBroker
):
    run = uuid.uuid4().hex[:8]
    days = [customer_day(customer, f"day-{run}-shop") for customer in range(CUSTOMERS)]
    alone, shared = await one_then_three(stack, kafka, days, run)

    # Each customer's last payment counts the whole day, whichever instances scored the rest.
    assert [payments[-1]["count_30d"] for payments in alone] == [PAYMENTS_PER_CUSTOMER] * CUSTOMERS
    assert differences(alone, shared) == []


async def test_a_payment_that_arrives_late_right_after_the_rebalance_gets_the_same_features(
    stack: ServiceSupervisor, kafka: KafkaBroker
):
    """The first payment after the rebalance happened before the one sent before it: the instance
    that takes the customer over must still count everything the customer was seen to pay before."""
    run = uuid.uuid4().hex[:8]
    days = [customer_day(customer, f"late-{run}-shop", late_at=HALF) for customer in range(CUSTOMERS)]
    alone, shared = await one_then_three(stack, kafka, days, run)

    assert [payments[HALF]["count_30d"] for payments in alone] == [HALF + 1] * CUSTOMERS
    assert differences(alone, shared) == []
