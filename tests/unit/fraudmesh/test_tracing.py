"""Tracing set-up: spans leave over real OTLP/gRPC, sampling follows the parent, gRPC calls are
joined client to server, and health probes stay out of the traces."""

from __future__ import annotations

import threading
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fraudmesh.telemetry import grpc_client_interceptors, grpc_server_interceptor, setup_tracing, shutdown_tracing
from fraudmesh.trace_context import current_trace_id_hex, extract_context


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP trace receiver: what Jaeger or the OpenTelemetry Collector listen with."""

    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.received = threading.Event()

    def Export(self, request, context):
        self.requests.append(request)
        self.received.set()
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
def otlp_collector():
    collector = _Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield collector, f"http://127.0.0.1:{port}"
    server.stop(0)


def test_no_endpoint_means_no_provider():
    assert setup_tracing("ingest_svc", "", 1.0) is None
    shutdown_tracing(None)  # and shutting "nothing" down is fine


def test_a_ratio_outside_0_to_1_is_refused_by_name():
    with pytest.raises(ValueError, match="OTEL_TRACES_SAMPLER_RATIO"):
        setup_tracing("ingest_svc", "http://127.0.0.1:4317", 1.5, set_global=False)


def test_spans_reach_an_otlp_receiver_with_the_service_name(otlp_collector):
    collector, endpoint = otlp_collector
    provider = setup_tracing("ingest_svc", endpoint, 1.0, set_global=False)
    with provider.get_tracer("test").start_as_current_span("submit transaction") as span:
        trace_id = span.get_span_context().trace_id
    shutdown_tracing(provider)  # flushes the batch processor
    assert collector.received.wait(10)
    resource_spans = [rs for request in collector.requests for rs in request.resource_spans]
    service_names = {
        attribute.value.string_value
        for rs in resource_spans
        for attribute in rs.resource.attributes
        if attribute.key == "service.name"
    }
    assert service_names == {"ingest_svc"}
    spans = [s for rs in resource_spans for ss in rs.scope_spans for s in ss.spans]
    assert [(s.name, int.from_bytes(s.trace_id, "big")) for s in spans] == [("submit transaction", trace_id)]


def test_ratio_zero_drops_new_traces_but_keeps_those_sampled_upstream():
    exporter = InMemorySpanExporter()
    provider = setup_tracing("scoring_svc", "http://unused:4317", 0.0, exporter=exporter, set_global=False)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("root here"):
        pass
    upstream = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    with tracer.start_as_current_span("continues the edge", context=extract_context(upstream)):
        pass
    provider.force_flush()
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["continues the edge"]
    assert trace.format_trace_id(spans[0].context.trace_id) == "0af7651916cd43dd8448eb211c80319c"
    shutdown_tracing(provider)


async def test_grpc_interceptors_join_client_and_server_spans_and_skip_health_checks():
    exporter = InMemorySpanExporter()
    provider = setup_tracing("edge", "http://unused:4317", 1.0, exporter=exporter, set_global=False)
    seen_trace_ids = []

    async def say(request: bytes, context) -> bytes:
        # Server spans are made by the interceptor; the handler sees them as current.
        seen_trace_ids.append(current_trace_id_hex())
        return request

    server = grpc.aio.server(interceptors=[grpc_server_interceptor(provider)])
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("test.Echo", {"Say": grpc.unary_unary_rpc_method_handler(say)})]
    )
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", interceptors=grpc_client_interceptors(provider)
        ) as channel:
            assert await channel.unary_unary("/test.Echo/Say")(b"hi") == b"hi"
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    finally:
        await server.stop(None)
    provider.force_flush()
    spans = exporter.get_finished_spans()
    shutdown_tracing(provider)

    assert sorted((s.name, s.kind.name) for s in spans) == [("/test.Echo/Say", "CLIENT"), ("/test.Echo/Say", "SERVER")]
    client = next(s for s in spans if s.kind is trace.SpanKind.CLIENT)
    served = next(s for s in spans if s.kind is trace.SpanKind.SERVER)
    assert served.context.trace_id == client.context.trace_id
    assert served.parent.span_id == client.context.span_id
    assert seen_trace_ids == [trace.format_trace_id(client.context.trace_id)]
