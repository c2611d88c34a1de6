"""Per-transaction spans after scoring: each decision's span joins the trace its traceparent names,
links to the batch's span, records a failure, and nothing happens when tracing is off."""

from __future__ import annotations

import pytest
from fraud.v1 import decision_pb2
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from edge.decision_hub import DecisionHub
from fraudmesh.decision_stream import SubscriptionFilter
from fraudmesh.transaction_spans import TransactionSpans, transaction_context

TRACE_A, TRACE_B = "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"
SCORING_SPAN = "b7ad6b7169203331"


def decision(transaction_id: str, trace_id: str = "", sampled: bool = True) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(trace_id=trace_id)
    scored.transaction.id = transaction_id
    if trace_id:
        scored.traceparent = f"00-{trace_id}-{SCORING_SPAN}-{'01' if sampled else '00'}"
    return scored


@pytest.fixture
def recorded():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()  # our own: the process-wide provider stays untouched
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def test_each_decision_gets_a_child_of_its_scoring_span_linked_to_the_batch_span(recorded):
    provider, exporter = recorded
    spans = TransactionSpans("store_svc", provider)
    batch = [decision("tx-1", TRACE_A), decision("tx-untraced"), decision("tx-2", TRACE_B)]
    with provider.get_tracer("test").start_as_current_span("/fraud.v1.StoreService/PutDecisions") as rpc:
        with spans.each("store decision", batch) as started:
            assert len(started) == 2
    finished = [span for span in exporter.get_finished_spans() if span.name == "store decision"]
    assert [trace.format_trace_id(span.context.trace_id) for span in finished] == [TRACE_A, TRACE_B]
    for span in finished:
        assert trace.format_span_id(span.parent.span_id) == SCORING_SPAN
        assert span.parent.is_remote
        assert [link.context.span_id for link in span.links] == [rpc.get_span_context().span_id]
        assert span.kind is trace.SpanKind.CONSUMER
        assert span.attributes["batch.size"] == 3
    assert [span.attributes["transaction.id"] for span in finished] == ["tx-1", "tx-2"]


def test_a_failure_in_the_batch_marks_every_transaction_span_and_is_re_raised(recorded):
    provider, exporter = recorded
    with pytest.raises(ConnectionError, match="database gone"):
        with TransactionSpans("store_svc", provider).each("store decision", [decision("tx-1", TRACE_A)]):
            raise ConnectionError("database gone")
    [span] = exporter.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.ERROR
    assert "database gone" in span.status.description
    assert [event.name for event in span.events] == ["exception"]


def test_an_unsampled_transaction_stays_unrecorded(recorded):
    provider, exporter = recorded
    with TransactionSpans("notify_svc", provider).each("publish decision", [decision("tx-1", TRACE_A, sampled=False)]):
        pass
    assert exporter.get_finished_spans() == ()


def test_with_tracing_off_nothing_is_started_and_attributes_may_still_be_set():
    spans = TransactionSpans("edge", trace.NoOpTracerProvider())
    with spans.each("store decision", [decision("tx-1", TRACE_A)]) as started:
        assert started == []
    with spans.one("websocket push", decision("tx-1", TRACE_A)) as span:
        span.set_attribute("websocket.clients", 3)  # no-op, no error
        assert not span.is_recording()


def test_a_traceparent_that_is_missing_or_malformed_names_no_context():
    assert transaction_context(decision("tx-1")) is None
    malformed = decision("tx-2", TRACE_A)
    malformed.traceparent = "00-not-a-trace-01"
    assert transaction_context(malformed) is None
    span_context = trace.get_current_span(transaction_context(decision("tx-3", TRACE_A))).get_span_context()
    assert trace.format_trace_id(span_context.trace_id) == TRACE_A


def test_the_edge_hub_records_one_push_span_per_decision_with_the_clients_it_reached(recorded):
    provider, exporter = recorded
    hub = DecisionHub(ring_size=10, client_queue_size=10, spans=TransactionSpans("edge", provider))
    hub.subscribe(SubscriptionFilter(), since=None)
    hub.subscribe(SubscriptionFilter(user_id="someone-else"), since=None)
    first = decision("tx-1", TRACE_A)
    first.transaction.input.user_id = "alice"
    hub.publish(1, first)
    hub.publish(2, decision("tx-untraced"))
    [push] = exporter.get_finished_spans()
    assert push.name == "websocket push"
    assert trace.format_trace_id(push.context.trace_id) == TRACE_A
    assert trace.format_span_id(push.parent.span_id) == SCORING_SPAN
    assert dict(push.attributes) == {
        "transaction.id": "tx-1",
        "websocket.sequence": 1,
        "websocket.clients": 1,
        "websocket.clients_cut_off": 0,
    }
