"""A REVIEW decision's case worked over REST on the running platform: it is in the queue, an
analyst takes it, notes it and closes it as fraud; the transaction carries the label, scoring's
merchant risk learns it from the labels topic, and a viewer may read the queue but not change it."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fraud.v1 import decision_pb2, store_service_pb2, store_service_pb2_grpc, transaction_pb2

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_channel, admin_headers
from tests.e2e.test_labels import known_frauds


def a_review_decision(transaction_id: str, user_id: str, merchant_id: str) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(score=0.66, decision=decision_pb2.DECISION_REVIEW, model_version="e2e")
    scored.transaction.id = transaction_id
    submitted = scored.transaction.input
    submitted.user_id = user_id
    submitted.amount.minor_units = 4200
    submitted.amount.currency = "EUR"
    submitted.location.city = "Paris"
    submitted.merchant_id = merchant_id
    submitted.channel = transaction_pb2.CHANNEL_CARD_NOT_PRESENT
    submitted.occurred_at.GetCurrentTime()
    return scored


async def store_review(stack: ServiceSupervisor, scored: decision_pb2.ScoredTransaction) -> None:
    """As scoring stores a REVIEW decision (with the admin's key, which may: `fraudctl import` does)."""
    async with admin_channel(stack, "store") as channel:
        response = await store_service_pb2_grpc.StoreServiceStub(channel).PutDecisions(
            store_service_pb2.PutDecisionsRequest(decisions=[scored]), timeout=30
        )
    assert response.inserted == 1 and not response.refused


async def test_closing_a_case_as_fraud_labels_the_transaction_and_reaches_scoring(stack: ServiceSupervisor):
    merchant, user = f"m-{uuid.uuid4().hex[:10]}", f"case-{uuid.uuid4().hex[:8]}"
    case_id = f"tx-case-{uuid.uuid4().hex[:12]}"
    await store_review(stack, a_review_decision(case_id, user, merchant))
    probe = {"user_id": user, "amount": "42.00", "location": "Paris", "merchant_id": merchant}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        queue = await client.get("/api/cases", params={"merchant_id": merchant, "unlabelled": "true"})
        assert queue.status_code == 200, queue.text
        assert [(c["id"], c["status"], c["label"]) for c in queue.json()["cases"]] == [(case_id, "open", None)]
        assert await known_frauds(client, probe) == 0

        taken = await client.post(f"/api/cases/{case_id}:assign", json={})
        noted = await client.post(f"/api/cases/{case_id}/notes", json={"text": "Customer denies it"})
        closed = await client.post(f"/api/cases/{case_id}:status", json={"status": "closed_fraud"})
        detail = await client.get(f"/api/cases/{case_id}")
        transaction = await client.get(f"/api/transactions/{case_id}")
        session = (await client.get("/api/session")).json()

        assert taken.status_code == 200 and taken.json()["case"]["status"] == "investigating", taken.text
        assert taken.json()["case"]["assignee"] == session["actor"]
        assert noted.status_code == 201 and noted.json()["note"]["author"] == session["actor"], noted.text
        assert closed.status_code == 200, closed.text
        assert (closed.json()["case"]["status"], closed.json()["case"]["closed_by"]) == (
            "closed_fraud",
            session["actor"],
        )
        assert [n["text"] for n in detail.json()["notes"]] == ["Customer denies it"]
        assert (transaction.json()["label"], transaction.json()["is_fraud"]) == ("fraud", True)
        remaining = await client.get("/api/cases", params={"merchant_id": merchant, "unlabelled": "true"})
        assert remaining.json()["cases"] == []
        async with asyncio.timeout(20):  # the label travels over the labels topic to scoring
            while await known_frauds(client, probe) < 1:
                await asyncio.sleep(0.2)


async def test_a_viewer_reads_cases_but_is_refused_changes_and_bad_input_names_the_field(stack: ServiceSupervisor):
    case_id = f"tx-case-{uuid.uuid4().hex[:12]}"
    await store_review(stack, a_review_decision(case_id, "case-viewer", f"m-{uuid.uuid4().hex[:10]}"))
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as admin:
        created = await admin.post("/api/keys", json={"name": "case viewer", "role": "viewer"})
        assert created.status_code == 201, created.text
        bad_status = await admin.post(f"/api/cases/{case_id}:status", json={"status": "done"})
        bad_note = await admin.post(f"/api/cases/{case_id}/notes", json={"text": "bell\u0007"})
        missing = await admin.get("/api/cases/tx-no-such-case")
    viewer_headers = {"Authorization": f"Bearer {created.json()['key']}"}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=viewer_headers) as viewer:
        async with asyncio.timeout(20):  # until every instance has read the new key
            while (read := await viewer.get(f"/api/cases/{case_id}")).status_code == 401:
                await asyncio.sleep(0.2)
        refused = await viewer.post(f"/api/cases/{case_id}:status", json={"status": "closed_legitimate"})

    assert read.status_code == 200 and read.json()["case"]["status"] == "open", read.text
    assert refused.status_code == 403, refused.text
    assert bad_status.status_code == 422 and bad_status.json()["violations"][0]["field"] == "status", bad_status.text
    assert bad_note.status_code == 422 and bad_note.json()["violations"][0]["field"] == "text", bad_note.text
    assert missing.status_code == 404, missing.text
