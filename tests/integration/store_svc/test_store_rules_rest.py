"""Rules and lists over REST: the edge's routes against the real store_svc (PostgreSQL) and scoring's
real expression check, as the console and an analyst's curl use them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from rule_servers import rule_service
from test_store_dead_letters_rest import running_edge
from test_store_rule_service import empty_rules

from edge.upstreams import UpstreamAddresses
from fraudctl.runtime.waiting import free_port

RULE = {
    "name": "large card-not-present",
    "expression": 'tx.channel == "CARD_NOT_PRESENT" && tx.amount > 900.0',
    "action": "DECLINE",
    "status": "ACTIVE",
    "priority": 10,
}


@pytest.fixture
async def rest(store_engine) -> AsyncIterator[httpx.AsyncClient]:
    await empty_rules(store_engine)
    async with rule_service(store_engine) as rules:
        nobody = f"127.0.0.1:{free_port()}"  # ingest, scoring and notify play no part here
        addresses = UpstreamAddresses(nobody, nobody, rules.address, nobody)
        async with running_edge(addresses) as url, httpx.AsyncClient(base_url=url, timeout=20) as client:
            yield client


async def test_a_rule_is_created_read_changed_and_deleted_over_rest(rest: httpx.AsyncClient):
    created = await rest.post("/api/rules", json=RULE)
    assert created.status_code == 201, created.text
    rule = created.json()["rule"]
    listed = (await rest.get("/api/rules")).json()
    changed = await rest.put(f"/api/rules/{rule['id']}", json={**RULE, "status": "SHADOW"})
    history = (await rest.get(f"/api/rules/{rule['id']}")).json()
    deleted = await rest.delete(f"/api/rules/{rule['id']}")
    gone = await rest.get(f"/api/rules/{rule['id']}")

    assert {key: rule[key] for key in RULE} == RULE
    assert rule["version"] == 1
    assert [r["id"] for r in listed["rules"]] == [rule["id"]]
    assert changed.status_code == 200 and changed.json()["rule"]["status"] == "SHADOW"
    assert [(r["version"], r["change"], r["status"]) for r in history["revisions"]] == [
        (2, "update", "SHADOW"),
        (1, "create", "ACTIVE"),
    ]
    assert deleted.json() == {"deleted": rule["id"]}
    assert gone.status_code == 404
    assert (await rest.get("/api/rules:version")).json()["version"] == listed["rule_set_version"] + 2


async def test_a_bad_expression_answers_422_naming_the_field_line_and_column(rest: httpx.AsyncClient):
    refused = await rest.post("/api/rules", json={**RULE, "expression": 'tx.channel == "CARD_NOT_PRESENT" &&'})

    assert refused.status_code == 422
    [violation] = refused.json()["violations"]
    assert violation["field"] == "expression"
    assert violation["message"].startswith("line 1, column ")
    assert (await rest.get("/api/rules")).json()["rules"] == []


async def test_a_block_list_is_kept_over_rest_and_a_rule_may_name_it(rest: httpx.AsyncClient):
    created = await rest.post("/api/lists", json={"name": "blocked_countries", "kind": "BLOCK", "field": "country"})
    added = await rest.post("/api/lists/blocked_countries/entries", json={"values": ["KP", "IR", "KP"]})
    removed = await rest.post("/api/lists/blocked_countries/entries:remove", json={"values": ["IR"]})
    entries = (await rest.get("/api/lists/blocked_countries/entries")).json()
    rule = await rest.post("/api/rules", json={**RULE, "expression": "tx.country in lists.blocked_countries"})
    in_use = await rest.delete("/api/lists/blocked_countries")

    assert created.status_code == 201, created.text
    assert added.json()["changed"] == 2
    assert removed.json()["list"]["size"] == 1
    assert entries == {"values": ["KP"], "next_page_token": ""}
    assert rule.status_code == 201, rule.text
    assert in_use.status_code == 409
    assert [(n["name"], n["kind"], n["size"]) for n in (await rest.get("/api/lists")).json()["lists"]] == [
        ("blocked_countries", "BLOCK", 1)
    ]


async def test_a_second_update_from_the_same_version_answers_409_aborted(rest: httpx.AsyncClient):
    rule = (await rest.post("/api/rules", json=RULE)).json()["rule"]

    first = await rest.put(f"/api/rules/{rule['id']}", json={**RULE, "status": "SHADOW", "expected_version": 1})
    second = await rest.put(f"/api/rules/{rule['id']}", json={**RULE, "status": "DISABLED", "expected_version": 1})
    below = await rest.put(f"/api/rules/{rule['id']}", json={**RULE, "expected_version": 0})

    assert first.status_code == 200 and first.json()["rule"]["version"] == 2
    assert second.status_code == 409 and second.json()["error"] == "aborted"
    assert below.status_code == 422 and [v["field"] for v in below.json()["violations"]] == ["expected_version"]
    assert (await rest.get(f"/api/rules/{rule['id']}")).json()["rule"]["status"] == "SHADOW"


async def test_a_list_a_rule_names_is_not_deleted_and_the_refusal_names_the_rule(rest: httpx.AsyncClient):
    await rest.post("/api/lists", json={"name": "blocked_users", "kind": "BLOCK", "field": "user_id"})
    await rest.post(
        "/api/rules", json={**RULE, "name": "blocked users", "expression": "tx.user_id in lists.blocked_users"}
    )

    refused = await rest.delete("/api/lists/blocked_users")

    assert refused.status_code == 409
    assert refused.json()["error"] == "failed_precondition"
    assert "blocked users" in refused.json()["message"]
