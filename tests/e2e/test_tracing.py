"""One transaction, one trace: submitted over REST, it is found in a real Jaeger v2 by the trace id
its decision carries, with spans from every service joined parent to child, from the edge's HTTP
request to the WebSocket push."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import httpx

from fraudctl.runtime.services import ServiceSupervisor
from tests.conftest import RunningJaeger
from tests.e2e.clients import WebSocketCollector, admin_headers, rest_transaction

SUBMIT_RPC = "/fraud.v1.IngestService/SubmitTransaction"
# (service.name as each service's ServiceTelemetry sets it, span name): the path of one transaction.
HTTP_REQUEST = ("edge", "POST /api/transaction")
EDGE_CALLS_INGEST = ("edge", SUBMIT_RPC)
INGEST_SERVES = ("ingest", SUBMIT_RPC)
SCORED = ("scoring", "score transaction")
STORED = ("store", "store decision")
PUBLISHED = ("notify", "publish decision")
PUSHED = ("edge", "websocket push")
TRANSACTION_PATH = {HTTP_REQUEST, EDGE_CALLS_INGEST, INGEST_SERVES, SCORED, STORED, PUBLISHED, PUSHED}


@dataclass(frozen=True)
class JaegerSpan:
    span_id: str
    service: str
    name: str
    parent: str | None  # the CHILD_OF reference, in this trace
    links: tuple[tuple[str, str], ...]  # FOLLOWS_FROM references: (trace id, span id)
    tags: dict = field(hash=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.service, self.name


def spans_of(trace: dict) -> list[JaegerSpan]:
    services = {process_id: process["serviceName"] for process_id, process in trace["processes"].items()}
    spans = []
    for span in trace["spans"]:
        references = span.get("references") or []
        parents = [r["spanID"] for r in references if r["refType"] == "CHILD_OF"]
        spans.append(
            JaegerSpan(
                span_id=span["spanID"],
                service=services[span["processID"]],
                name=span["operationName"],
                parent=parents[0] if parents else None,
                links=tuple((r["traceID"], r["spanID"]) for r in references if r["refType"] == "FOLLOWS_FROM"),
                tags={tag["key"]: tag["value"] for tag in span.get("tags") or []},
            )
        )
    return spans


async def fetch_trace(jaeger: httpx.AsyncClient, trace_id: str) -> list[JaegerSpan]:
    response = await jaeger.get(f"/api/traces/{trace_id}")
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return [span for trace in response.json()["data"] for span in spans_of(trace)]


async def wait_for_spans(
    jaeger: httpx.AsyncClient, trace_id: str, wanted: set[tuple[str, str]], timeout: float = 30
) -> list[JaegerSpan]:
    """The trace once Jaeger holds every (service, span name) in `wanted`; services export in batches."""
    spans: list[JaegerSpan] = []
    try:
        async with asyncio.timeout(timeout):
            while not wanted <= {span.key for span in spans}:
                await asyncio.sleep(0.3)
                spans = await fetch_trace(jaeger, trace_id)
    except TimeoutError:
        found = sorted({span.key for span in spans})
        missing = sorted(wanted - set(found))
        raise AssertionError(f"trace {trace_id} lacks {missing} after {timeout} s; has {found}") from None
    return spans


def one(spans: list[JaegerSpan], key: tuple[str, str]) -> JaegerSpan:
    matching = [span for span in spans if span.key == key]
    assert len(matching) == 1, (key, matching)
    return matching[0]


def ancestors(spans: list[JaegerSpan], span: JaegerSpan) -> list[tuple[str, str]]:
    by_id = {s.span_id: s for s in spans}
    chain = []
    while span.parent is not None:
        span = by_id[span.parent]
        chain.append(span.key)
    return chain


async def submit_and_receive(
    stack: ServiceSupervisor, body: dict, headers: dict | None = None
) -> tuple[str, dict, dict]:
    """Submits over REST; returns the id, the decision pushed on the WebSocket and the stored one."""
    edge = stack.ports.edge_url
    async with WebSocketCollector(edge.replace("http://", "ws://") + "/api/ws", admin_headers(stack)) as websocket:
        async with httpx.AsyncClient(base_url=edge, timeout=30, headers=admin_headers(stack)) as client:
            response = await client.post("/api/transaction", json=body, headers=headers or {})
            assert response.status_code == 201, response.text
            transaction_id = response.json()["id"]
            await websocket.wait_for({transaction_id}, timeout=60)
            async with asyncio.timeout(30):
                while (stored := await client.get(f"/api/transactions/{transaction_id}")).status_code != 200:
                    await asyncio.sleep(0.2)
    return transaction_id, websocket.by_id[transaction_id][0]["data"], stored.json()


async def test_a_rest_transaction_is_one_trace_from_the_http_request_to_the_websocket_push(
    stack: ServiceSupervisor, jaeger: RunningJaeger
):
    body = rest_transaction(3) | {"user_id": "traced-user"}
    transaction_id, pushed, stored = await submit_and_receive(stack, body)
    trace_id = pushed["trace_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", trace_id) and set(trace_id) != {"0"}, pushed
    assert stored["trace_id"] == trace_id

    async with httpx.AsyncClient(base_url=jaeger.query_url, timeout=10) as client:
        spans = await wait_for_spans(client, trace_id, TRANSACTION_PATH)

        assert {span.service for span in spans} >= {"edge", "ingest", "scoring", "store", "notify"}
        # Joined parent to child: one root, the edge's HTTP request, and every other span's parent in the trace.
        assert [span.key for span in spans if span.parent is None] == [HTTP_REQUEST]
        span_ids = {span.span_id for span in spans}
        assert [span.key for span in spans if span.parent is not None and span.parent not in span_ids] == []

        scored = one(spans, SCORED)
        assert ancestors(spans, scored)[-3:] == [INGEST_SERVES, EDGE_CALLS_INGEST, HTTP_REQUEST]
        for key in (STORED, PUBLISHED, PUSHED):
            span = one(spans, key)
            assert span.parent == scored.span_id, key
            assert span.tags["transaction.id"] == transaction_id, key
        assert scored.tags["transaction.id"] == transaction_id
        assert scored.tags["fraud.decision"] == pushed["decision"]
        assert one(spans, PUSHED).tags["websocket.clients"] >= 1  # our own WebSocket at least

        # Store and notify work in batches: each per-transaction span links to the batch's RPC span,
        # which lives in the batch's own trace, under scoring's "score batch".
        for key, rpc in (
            (STORED, ("store", "/fraud.v1.StoreService/PutDecisions")),
            (PUBLISHED, ("notify", "/fraud.v1.NotifyService/PublishDecisions")),
        ):
            [(batch_trace_id, rpc_span_id)] = one(spans, key).links
            assert batch_trace_id != trace_id
            batch_spans = await wait_for_spans(client, batch_trace_id, {rpc, ("scoring", "score batch")})
            rpc_span = next(span for span in batch_spans if span.span_id == rpc_span_id)
            assert rpc_span.key == rpc
            assert ("scoring", "score batch") in ancestors(batch_spans, rpc_span)


async def test_a_callers_traceparent_is_the_trace_its_decision_reports(stack: ServiceSupervisor, jaeger: RunningJaeger):
    caller_trace_id = "5b8efff798038103d269b633813fc60c"
    body = rest_transaction(4) | {"user_id": "traced-caller"}
    _, pushed, stored = await submit_and_receive(
        stack, body, headers={"traceparent": f"00-{caller_trace_id}-eee19b7ec3c1b174-01"}
    )
    assert pushed["trace_id"] == stored["trace_id"] == caller_trace_id
    async with httpx.AsyncClient(base_url=jaeger.query_url, timeout=10) as client:
        spans = await wait_for_spans(client, caller_trace_id, TRANSACTION_PATH)
    # The caller's own span is not in Jaeger: the edge's request hangs from it.
    assert one(spans, HTTP_REQUEST).parent == "eee19b7ec3c1b174"
