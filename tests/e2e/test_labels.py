"""An analyst's labels reach scoring: the merchant's known-fraud count, fraud rate and typical amount
(from fraud and legitimate labels alike) change for the next score, and a scoring instance started
after the labels rebuilds the same numbers from the labels topic."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers

MERCHANT_FEATURES = (
    "merchant_known_frauds_7d",
    "merchant_fraud_rate_1d",
    "merchant_fraud_rate_30d",
    "merchant_labels_30d",
    "amount_to_merchant_usual",
)


async def merchant_features(
    client: httpx.AsyncClient, body: dict, *, retry_unavailable: bool = False
) -> dict[str, float]:
    while True:
        response = await client.post("/api/score", json=body)
        if not (retry_unavailable and response.status_code == 503):
            break
        await asyncio.sleep(0.2)  # a service just restarted may answer "retry later" at first
    assert response.status_code == 200, response.text
    features = response.json()["features"]
    return {name: features[name] for name in MERCHANT_FEATURES}


async def known_frauds(client: httpx.AsyncClient, body: dict, *, retry_unavailable: bool = False) -> float:
    return (await merchant_features(client, body, retry_unavailable=retry_unavailable))["merchant_known_frauds_7d"]


async def test_labels_set_the_merchants_risk_in_scoring_and_survive_a_restart(stack: ServiceSupervisor):
    merchant = f"m-{uuid.uuid4().hex[:10]}"
    body = {"user_id": "label-user", "amount": "42.00", "location": "Paris", "merchant_id": merchant}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        decided = []
        for amount in ("20.00", "80.00"):
            response = await client.post("/api/transaction", params={"wait_ms": 10000}, json={**body, "amount": amount})
            assert response.status_code == 200, response.text
            decided.append(response.json()["id"])
        assert await merchant_features(client, body) == {
            "merchant_known_frauds_7d": 0,
            "merchant_fraud_rate_1d": 0,
            "merchant_fraud_rate_30d": 0,
            "merchant_labels_30d": 0,
            "amount_to_merchant_usual": 1,
        }

        for transaction_id, label in zip(decided, ("fraud", "legitimate"), strict=True):
            labelled = await client.post(f"/api/transactions/{transaction_id}/label", json={"label": label})
            assert labelled.status_code == 200, labelled.text
            assert labelled.json()["label"] == label

        async with asyncio.timeout(20):
            while (live := await merchant_features(client, body))["merchant_labels_30d"] < 2:
                await asyncio.sleep(0.2)
        assert live["merchant_known_frauds_7d"] == 1
        assert live["merchant_fraud_rate_1d"] == live["merchant_fraud_rate_30d"] == 0.5  # one of the two labels
        assert live["amount_to_merchant_usual"] == pytest.approx(42 / 40, rel=1e-5)  # 40 = sqrt(20 * 80)

    # A scoring instance started after the labels rebuilds merchant risk from the labels topic.
    stack.stop("scoring")
    stack.start("scoring")
    stack.wait_ready("scoring")
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        async with asyncio.timeout(30):
            while (restarted := await merchant_features(client, body, retry_unavailable=True))[
                "merchant_labels_30d"
            ] < 2:
                await asyncio.sleep(0.2)
        assert restarted == live
