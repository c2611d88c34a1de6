"""Tracing and metrics of one service process, set up and torn down in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import grpc
from opentelemetry.sdk.trace import TracerProvider

from fraudmesh.metrics import RpcMetricsInterceptor, ServiceMetrics
from fraudmesh.settings import ServiceSettings
from fraudmesh.telemetry import grpc_client_interceptors, grpc_server_interceptor, setup_tracing, shutdown_tracing

M = TypeVar("M", bound=ServiceMetrics)


@dataclass
class ServiceTelemetry(Generic[M]):
    tracer_provider: TracerProvider | None
    metrics: M

    @classmethod
    def start(cls, settings: ServiceSettings, metrics: M, serve_metrics: bool = True) -> ServiceTelemetry[M]:
        """Tracing under the name of `metrics.service`, and `metrics` served on the settings' port.
        Called on the service's event loop, it also watches that loop's lag (see PauseMetrics)."""
        provider = setup_tracing(
            metrics.service,
            settings.otel_exporter_otlp_endpoint,
            settings.otel_traces_sampler_ratio,
            zipkin_endpoint=settings.otel_exporter_zipkin_endpoint,
        )
        if serve_metrics:
            metrics.start_server(settings.metrics_port)
        metrics.pauses.start()
        return cls(provider, metrics)

    def server_interceptors(self) -> list[grpc.aio.ServerInterceptor]:
        # Without somewhere to send spans the OpenTelemetry interceptors would still run on every call.
        tracing = [grpc_server_interceptor(self.tracer_provider)] if self.tracer_provider else []
        return [*tracing, RpcMetricsInterceptor(self.metrics)]

    def client_interceptors(self) -> list[grpc.aio.ClientInterceptor]:
        return grpc_client_interceptors(self.tracer_provider) if self.tracer_provider else []

    def stop(self) -> None:
        self.metrics.pauses.stop()
        self.metrics.stop_server()
        shutdown_tracing(self.tracer_provider)
