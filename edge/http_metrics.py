"""Records every HTTP request's latency by route template, method and status in Prometheus.

The route label is the template (/api/transactions/{transaction_id}), never the raw path, so a
client cannot blow up the number of series; anything unrouted is "unmatched".
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.metrics import EdgeMetrics


class HttpMetrics:
    def __init__(self, app: ASGIApp, metrics: EdgeMetrics):
        self.app = app
        self.metrics = metrics
        # The histogram's child per (route, method, status), looked up once: `labels()` takes a lock
        # and builds a key on every call. Routes, methods and statuses are few.
        self._observers: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app raises before answering

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            key = (template, scope["method"], status)
            observer = self._observers.get(key)
            if observer is None:
                observer = self._observers[key] = self.metrics.http_latency.labels(
                    route=template, method=scope["method"], status=str(status)
                )
            observer.observe(time.perf_counter() - started)
