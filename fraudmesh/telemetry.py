"""OpenTelemetry tracing set-up shared by every service: one call in `__main__`, one at shutdown.

With no OTLP endpoint configured nothing is exported and no SDK provider is installed, so spans
are the API's non-recording ones: starting them costs a function call, yet the W3C context that
arrives with a request still flows on to Kafka headers and outgoing calls, so a service running
without tracing does not break the trace of the services around it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor, filters
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased


def setup_tracing(
    service_name: str,
    endpoint: str,
    sampler_ratio: float,
    *,
    exporter: SpanExporter | None = None,
    set_global: bool = True,
    zipkin_endpoint: str = "",
) -> TracerProvider | None:
    """Builds the tracer provider for `service_name` exporting to `endpoint` over OTLP/gRPC, and to
    `zipkin_endpoint` (Zipkin's JSON span API) as well when one is given.

    Returns None, and changes nothing, when both are empty. `exporter` replaces the OTLP one
    (tests hand in their own); `set_global=False` leaves the process-wide provider alone, because
    OpenTelemetry lets it be set only once per process.
    """
    if not endpoint and not zipkin_endpoint:
        return None
    if not 0.0 <= sampler_ratio <= 1.0:
        raise ValueError(f"OTEL_TRACES_SAMPLER_RATIO must be between 0 and 1, got {sampler_ratio}")
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        # Parent-based: a transaction sampled at the edge stays sampled in every service after it.
        sampler=ParentBased(TraceIdRatioBased(sampler_ratio)),
    )
    if exporter is None and endpoint:
        # An http:// endpoint means a plaintext collector (Jaeger, the OTel collector on a laptop).
        exporter = OTLPSpanExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    if zipkin_endpoint:
        provider.add_span_processor(BatchSpanProcessor(_zipkin_exporter(zipkin_endpoint)))
    if set_global:
        trace.set_tracer_provider(provider)
    return provider


def _zipkin_exporter(endpoint: str) -> SpanExporter:
    # Imported only when asked for: the operations wing's environment has the exporter (for the local
    # Zipkin of `fraudctl up --observe`); the services' images, which never ask, do not.
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    return ZipkinExporter(endpoint=endpoint)


def shutdown_tracing(provider: TracerProvider | None) -> None:
    """Flushes spans still queued and stops the exporter; a None provider is fine."""
    if provider is not None:
        provider.shutdown()


def _not_health_check() -> Callable[[Any], bool]:
    # Probes hit the health service every few seconds; their spans would bury the transactions.
    return filters.negate(filters.health_check())


def grpc_server_interceptor(tracer_provider: TracerProvider | None = None) -> grpc.aio.ServerInterceptor:
    """Server span per incoming RPC, child of the caller's context taken from the call metadata."""
    # opentelemetry-instrumentation-grpc's interceptor factories carry no annotations.
    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider, filter_=_not_health_check()
    )
    return interceptor


def grpc_client_interceptors(tracer_provider: TracerProvider | None = None) -> list[grpc.aio.ClientInterceptor]:
    """Client span per outgoing RPC, with the current context injected into the call metadata."""
    # opentelemetry-instrumentation-grpc's interceptor factories carry no annotations.
    interceptors: list[grpc.aio.ClientInterceptor] = aio_client_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider, filter_=_not_health_check()
    )
    return interceptors
