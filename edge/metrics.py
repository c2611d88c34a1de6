"""The edge's metrics: HTTP requests and the decision WebSocket's clients."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fraudmesh.metrics import LATENCY_BUCKETS, NAMESPACE, ServiceMetrics


class EdgeMetrics(ServiceMetrics):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__("edge", registry)
        self.http_latency = Histogram(
            f"{NAMESPACE}_http_request_duration_seconds",
            "HTTP requests served by the edge.",
            ("route", "method", "status"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.websocket_clients = Gauge(
            f"{NAMESPACE}_websocket_clients", "Browsers connected to the decision WebSocket.", registry=self.registry
        )
        self.websocket_dropped = Counter(
            f"{NAMESPACE}_websocket_dropped",
            "Decisions dropped because a WebSocket client fell behind.",
            registry=self.registry,
        )
        self.websocket_refused = Counter(
            f"{NAMESPACE}_websocket_refused",
            "WebSocket connections closed at once with 1013 because WEBSOCKET_MAX_CLIENTS were connected.",
            registry=self.registry,
        )
