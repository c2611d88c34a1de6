"""Drift is watched on the running platform: transactions like the cardholders the model was trained
on, then the same kind of transactions with amounts twenty times larger; scoring's population
stability gauge for the amount rises from one to the other past the alert's 0.25, and the console's
route reads the same figure. The session's scoring measures over a window of DRIFT_WINDOW (400)
transactions (tests/conftest.py), so each phase fills it alone."""

from __future__ import annotations

import urllib.request

import httpx
from fraud.v1 import ingest_service_pb2 as ingest_pb
from fraud.v1 import ingest_service_pb2_grpc as ingest_grpc
from fraud.v1 import scoring_service_pb2 as scoring_pb
from fraud.v1 import scoring_service_pb2_grpc as scoring_grpc
from fraud.v1 import transaction_pb2
from prometheus_client.parser import text_string_to_metric_families

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_channel, admin_headers, notify_subscription, wait_until_seen

WINDOW = 400  # DRIFT_WINDOW of the session's scoring
CARDHOLDERS = 300
LARGER = 20


def amount_stability(metrics_port: int) -> float | None:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    found = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "fraudmesh_model_population_stability" and sample.labels.get("feature") == "amount"
    ]
    return found[0] if found else None


async def generated(stack: ServiceSupervisor, count: int) -> list[transaction_pb2.TransactionInput]:
    async with admin_channel(stack, "scoring") as channel:
        response = await scoring_grpc.ScoringServiceStub(channel).GenerateTransactions(
            scoring_pb.GenerateTransactionsRequest(users=CARDHOLDERS, count=count), timeout=120
        )
    return list(response.transactions)


async def submit_and_wait(stack: ServiceSupervisor, transactions: list[transaction_pb2.TransactionInput]) -> None:
    async with notify_subscription(stack) as seen, admin_channel(stack, "ingest") as channel:
        response = await ingest_grpc.IngestServiceStub(channel).SubmitTransactions(
            ingest_pb.SubmitTransactionsRequest(transactions=transactions), timeout=60
        )
        await wait_until_seen(seen, {result.transaction_id for result in response.results}, timeout=180)


async def test_larger_amounts_raise_the_amounts_population_stability_in_scorings_metrics(stack: ServiceSupervisor):
    metrics_port = stack.instance_ports("scoring")[1]
    transactions = await generated(stack, 2 * WINDOW)
    usual, unusual = transactions[:WINDOW], transactions[WINDOW:]
    for transaction in unusual:
        transaction.amount.minor_units *= LARGER

    await submit_and_wait(stack, usual)
    steady = amount_stability(metrics_port)
    await submit_and_wait(stack, unusual)
    shifted = amount_stability(metrics_port)

    assert steady is not None, "the window is full: scoring reports the amount's stability"
    assert shifted is not None and shifted > 0.25, f"amounts {LARGER} times larger read as shifted ({shifted})"
    assert shifted > steady + 0.25, f"the index rose from {steady} to {shifted}"

    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        models = (await client.get("/api/models")).json()["models"]
        drift = (await client.get("/api/models:drift")).json()
    [active] = [model["version"] for model in models if model["active"]]
    assert drift["model_version"] == active
    assert drift["window_transactions"] == WINDOW
    by_name = {row["name"]: row["index"] for row in drift["stability"]}
    assert by_name["amount"] == shifted
    assert drift["stability"][0]["name"] == "score"
