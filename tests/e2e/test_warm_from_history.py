"""A scoring instance that meets a customer for the first time (after a restart, or a rebalance that
hands it their partition) rebuilds their state from the history store_svc keeps: it computes the
same features as the instance that watched the customer pay."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers

PAYMENTS = [  # minutes before now, amount, city, merchant
    (50, "12.50", "Lisbon", "m-cafe"),
    (41, "80.00", "Lisbon", "m-grocer"),
    (30, "19.99", "Porto", "m-cafe"),
    (12, "640.00", "Madrid", "m-electronics"),
    (3, "7.20", "Madrid", "m-cafe"),
]


async def features_of(client: httpx.AsyncClient, body: dict) -> dict[str, float]:
    while (response := await client.post("/api/score", json=body)).status_code == 503:
        await asyncio.sleep(0.2)  # scoring just restarted: "retry later" until it is ready
    assert response.status_code == 200, response.text
    return response.json()["features"]


async def test_a_restarted_scoring_instance_warms_a_customer_to_the_same_features(stack: ServiceSupervisor):
    user = f"warm-{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC).replace(microsecond=0)
    probe = {
        "user_id": user,
        "amount": "55.00",
        "location": "Madrid",
        "merchant_id": "m-new",
        "occurred_at": now.isoformat(),
    }
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        for minutes_ago, amount, city, merchant in PAYMENTS:
            body = {
                "user_id": user,
                "amount": amount,
                "location": city,
                "merchant_id": merchant,
                "occurred_at": (now - timedelta(minutes=minutes_ago)).isoformat(),
            }
            decided = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
            assert decided.status_code == 200 and decided.json()["decision"], decided.text
        watched = await features_of(client, probe)

    stack.stop("scoring")
    stack.start("scoring")
    stack.wait_ready("scoring")
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        async with asyncio.timeout(30):
            warmed = await features_of(client, probe)

    assert watched["count_1h"] == len(PAYMENTS) + 1  # the state holds the five payments (and the probe)
    assert watched["new_merchant"] == 1 and watched["km_from_prev"] == 0  # Madrid after Madrid
    assert warmed == pytest.approx(watched)
