"""An analyst's label reaches scoring: the merchant's known-fraud count rises for the next score, and
stays risen in a scoring instance started after the label."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers


async def known_frauds(client: httpx.AsyncClient, body: dict, *, retry_unavailable: bool = False) -> float:
    while True:
        response = await client.post("/api/score", json=body)
        if not (retry_unavailable and response.status_code == 503):
            break
        await asyncio.sleep(0.2)  # a service just restarted may answer "retry later" at first
    assert response.status_code == 200, response.text
    return response.json()["features"]["merchant_known_frauds_7d"]


async def test_a_fraud_label_raises_the_merchants_risk_in_scoring(stack: ServiceSupervisor):
    merchant = f"m-{uuid.uuid4().hex[:10]}"
    body = {"user_id": "label-user", "amount": "42.00", "location": "Paris", "merchant_id": merchant}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        decided = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
        assert decided.status_code == 200, decided.text
        assert await known_frauds(client, body) == 0

        labelled = await client.post(f"/api/transactions/{decided.json()['id']}/label", json={"label": "fraud"})
        assert labelled.status_code == 200, labelled.text
        assert labelled.json()["label"] == "fraud" and labelled.json()["is_fraud"] is True

        async with asyncio.timeout(20):
            while await known_frauds(client, body) < 1:
                await asyncio.sleep(0.2)

    # A scoring instance started after the label rebuilds merchant risk from the labels topic.
    stack.stop("scoring")
    stack.start("scoring")
    stack.wait_ready("scoring")
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        async with asyncio.timeout(30):
            while (restarted := await known_frauds(client, body, retry_unavailable=True)) < 1:
                await asyncio.sleep(0.2)
        assert restarted == 1
