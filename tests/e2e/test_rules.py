"""An analyst's rule on the running platform: written through REST, it reaches scoring without a
restart; a matching transaction is declined naming the rule, stored with the rule set's version; a
shadow rule is recorded among the reasons and changes nothing."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers


async def decided_until(client: httpx.AsyncClient, body: dict, reason: str) -> dict:
    """Submits `body` (a fresh transaction each time) until its decision names `reason`: the rule set
    reaches scoring within a poll or two of the change."""
    async with asyncio.timeout(30):
        while True:
            response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
            assert response.status_code == 200, response.text
            decision = response.json()
            if reason in [r["feature"] for r in decision["reasons"]]:
                return decision
            await asyncio.sleep(0.5)


async def test_a_rule_written_over_rest_declines_a_matching_transaction_and_a_shadow_rule_only_records(
    stack: ServiceSupervisor,
):
    merchant, watched = f"m-{uuid.uuid4().hex[:10]}", f"m-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        blocking = await client.post(
            "/api/rules",
            json={
                "name": f"block {merchant}",
                "expression": f'tx.merchant_id == "{merchant}" && tx.amount > 40.0',
                "action": "DECLINE",
                "status": "ACTIVE",
                "priority": 1,
            },
        )
        shadow = await client.post(
            "/api/rules",
            json={
                "name": f"watch {watched}",
                "expression": f'tx.merchant_id == "{watched}"',
                "action": "DECLINE",
                "status": "SHADOW",
                "priority": 2,
            },
        )
        assert blocking.status_code == 201, blocking.text
        assert shadow.status_code == 201, shadow.text
        rule, watcher = blocking.json()["rule"], shadow.json()["rule"]
        try:
            body = {"user_id": "rules-user", "amount": "42.00", "location": "Paris", "merchant_id": merchant}
            declined = await decided_until(client, body, f"rule:{rule['id']}")
            recorded = await decided_until(
                client, {**body, "user_id": "watched-user", "merchant_id": watched}, f"shadow_rule:{watcher['id']}"
            )
            stored = (await client.get(f"/api/transactions/{declined['id']}")).json()
        finally:
            for made in (rule, watcher):
                await client.delete(f"/api/rules/{made['id']}")

    assert declined["decision"] == "DECLINE"
    assert declined["reasons"][0]["text"] == f"rule 'block {merchant}' v1 fired: DECLINE"
    assert declined["rule_set_version"] != ""
    assert stored["decision"] == "DECLINE"
    assert stored["rule_set_version"] == declined["rule_set_version"]
    assert stored["reasons"][0]["feature"] == f"rule:{rule['id']}"
    # The shadow rule is named, yet decides nothing: no active rule fired, and no rule declined it.
    assert [r["feature"] for r in recorded["reasons"] if r["feature"].startswith("rule:")] == []
    assert recorded["decision"] != "DECLINE"
