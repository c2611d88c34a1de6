"""Prometheus metrics of one service process: the families every service has, and the base class
each service's own metrics (`<service>/metrics.py`) extend.

Each process builds its metrics in its `__main__`, on a registry of its own, so importing this
module registers nothing and tests can build as many as they like. The process is told apart by
the Prometheus `job` label the scrape configuration gives it (deploy/prometheus/prometheus.yml), so
no service label is repeated on every sample. The dashboards and alert rules in deploy/ use these
names, and a test keeps them in step.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from wsgiref.simple_server import WSGIServer

import grpc
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    generate_latest,
    start_http_server,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from fraudmesh.interceptors import HandlerWrapper
from fraudmesh.pause_metrics import PauseMetrics

NAMESPACE = "fraudmesh"

# Seconds. 0.5 is a bucket bound on purpose: the p99-above-500-ms alert reads it without interpolating.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The metric families every service process has; a service subclasses it to add its own.
    `service` is the process's name (ingest, scoring, ...)."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        # (method, code) -> its latency child and error child: `labels()` takes a lock and builds
        # a key on every call, too dear for every RPC.
        self._rpc_children: dict[tuple[str, str], tuple[Histogram, Counter | None]] = {}
        self.registry = registry if registry is not None else CollectorRegistry()
        self._server: WSGIServer | None = None
        self._server_thread: threading.Thread | None = None
        reg = self.registry

        self.service_info = Info(f"{NAMESPACE}_service", "Which fraudmesh service this process is.", registry=reg)
        self.service_info.info({"service": service})

        # `service` and `method` are the gRPC service and method (fraud.v1.IngestService, Submit).
        self.rpc_latency = Histogram(
            f"{NAMESPACE}_rpc_duration_seconds",
            "gRPC calls served, by method and status code.",
            ("service", "method", "code"),
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.rpc_errors = Counter(
            f"{NAMESPACE}_rpc_errors",
            "gRPC calls served that ended with a status other than OK.",
            ("service", "method", "code"),
            registry=reg,
        )
        self.transactions_failed = Counter(
            f"{NAMESPACE}_transactions_failed",
            "Transactions the platform could not process (not validation rejections), by stage.",
            ("stage",),
            registry=reg,
        )
        # `hop` is the service that set the record aside, `reason` why (fraudmesh.dead_letters).
        self.dead_letters = Counter(
            f"{NAMESPACE}_dead_letters",
            "Records set aside on the dead-letter topic, acknowledged by Kafka, by hop and reason.",
            ("hop", "reason"),
            registry=reg,
        )
        self._add_runtime_collectors()

    def _add_runtime_collectors(self) -> None:
        # process_* (CPU, memory, open files) and python_* (GC, version), as the default registry has.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.pauses = PauseMetrics(self.registry, NAMESPACE)

    def record_rpc(self, full_method: str, code: str, seconds: float) -> None:
        """Records one served RPC; `full_method` is gRPC's "/package.Service/Method", `code` e.g. "OK"."""
        children = self._rpc_children.get((full_method, code))
        if children is None:
            service, _, method = full_method.lstrip("/").partition("/")
            children = (
                self.rpc_latency.labels(service=service, method=method, code=code),
                self.rpc_errors.labels(service=service, method=method, code=code) if code != "OK" else None,
            )
            self._rpc_children[(full_method, code)] = children
        latency, errors = children
        latency.observe(seconds)
        if errors is not None:
            errors.inc()

    def exposition(self) -> tuple[bytes, str]:
        """The /metrics body and its content type, for a service that serves it on its own HTTP port."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def start_server(self, port: int, addr: str = "0.0.0.0") -> None:
        """Serves /metrics on `port` from a daemon thread; port 0 picks a free one (see `server_port`)."""
        if self._server is not None:
            raise RuntimeError(f"metrics server of {self.service} already runs on port {self.server_port}")
        self._server, self._server_thread = start_http_server(port, addr=addr, registry=self.registry)

    @property
    def server_port(self) -> int | None:
        return None if self._server is None else self._server.server_port

    def stop_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self._server_thread = None


# Probes and tooling, not the platform's work: kept out of the latency and error figures.
_UNMEASURED_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def _status_name(context: grpc.aio.ServicerContext, default: str) -> str:
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else default


class RpcMetricsInterceptor(HandlerWrapper):
    """Records every served RPC in `metrics.rpc_latency` and `metrics.rpc_errors`.

    Place it before the error-mapping interceptor (outer), so it sees the status code a domain
    error was mapped to. Calls with a single response are timed; server-streaming calls (e.g.
    notify's subscriptions, open for hours) only count their failures, since their duration says
    nothing about speed, and a client hanging up (CANCELLED) is no failure of theirs.
    """

    def __init__(self, metrics: ServiceMetrics) -> None:
        super().__init__()
        self._metrics = metrics

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if method.startswith(_UNMEASURED_SERVICES):
            return handler
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._timed(handler.unary_unary, method))
        if handler.stream_unary is not None:
            return handler._replace(stream_unary=self._timed(handler.stream_unary, method))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=self._stream_failures_counted(handler.unary_stream, method))
        return handler._replace(stream_stream=self._stream_failures_counted(handler.stream_stream, method))

    def _timed(self, behavior: Callable[..., Any], method: str) -> Callable[..., Awaitable[Any]]:
        async def timed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = "OK"
            try:
                result = behavior(request, context)
                return await result if inspect.isawaitable(result) else result
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception:
                code = _status_name(context, "UNKNOWN")
                raise
            finally:
                if code == "OK":  # a handler may set a status without raising
                    code = _status_name(context, "OK")
                self._metrics.record_rpc(method, code, time.perf_counter() - started)

        return timed

    def _stream_failures_counted(self, behavior: Callable[..., Any], method: str) -> Callable[..., AsyncIterator[Any]]:
        service, _, name = method.lstrip("/").partition("/")

        async def counted(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            code = "OK"
            try:
                result = behavior(request, context)
                if inspect.isasyncgen(result):
                    async for response in result:
                        yield response
                else:  # a coroutine that writes with context.write()
                    await result
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception:
                code = _status_name(context, "UNKNOWN")
                raise
            finally:
                if code == "OK":
                    code = _status_name(context, "OK")
                if code not in ("OK", "CANCELLED"):
                    self._metrics.rpc_errors.labels(service=service, method=name, code=code).inc()

        return counted
