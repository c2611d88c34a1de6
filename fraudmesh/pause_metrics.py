"""How long a service process stops doing its work: the collector's pauses and the event loop's lag.

Both are where a tail latency hides that no span shows: a garbage collection or a callback that holds
the loop delays every request in flight at once. `fraudmesh_gc_pause_seconds` times each collection
(by generation) and `fraudmesh_event_loop_lag_seconds` how late a timer set on the loop fires.

The collector calls its callbacks at any allocation, possibly while this thread holds a metric's lock
(prometheus_client's locks are not reentrant), so the callback only appends to a deque, and the loop
watcher moves what it holds into the histogram on each of its ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

# Seconds: from a young collection's fraction of a millisecond to a stall that breaks any budget.
PAUSE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
TICK_SECONDS = 0.1
# Pauses waiting for the next tick; a process whose loop never runs keeps only the latest.
MAX_PENDING_PAUSES = 10_000


class PauseMetrics:
    def __init__(self, registry: CollectorRegistry, namespace: str, tick_seconds: float = TICK_SECONDS) -> None:
        self.gc_pause = Histogram(
            f"{namespace}_gc_pause_seconds",
            "Time the process spent in each garbage collection, by generation.",
            ("generation",),
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        self.event_loop_lag = Histogram(
            f"{namespace}_event_loop_lag_seconds",
            "How late a timer on the event loop fired: time the loop was held by other work.",
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        self._generations = [self.gc_pause.labels(generation=str(n)) for n in range(3)]
        self._tick = tick_seconds
        self._pending: deque[tuple[int, float]] = deque(maxlen=MAX_PENDING_PAUSES)
        self._collection_started = 0.0
        self._watcher: asyncio.Task[None] | None = None

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            self._pending.append((info["generation"], time.perf_counter() - self._collection_started))

    def start(self) -> None:
        """Times collections from now on, and, when called on a running loop, watches that loop."""
        if self._on_collection not in gc.callbacks:
            gc.callbacks.append(self._on_collection)
        with contextlib.suppress(RuntimeError):  # no running loop: collections are timed all the same
            if self._watcher is None:
                self._watcher = asyncio.get_running_loop().create_task(self._watch_loop())

    def stop(self) -> None:
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        self.record_pending()

    def record_pending(self) -> None:
        """Moves the collections timed since the last call into the histogram."""
        while self._pending:
            generation, seconds = self._pending.popleft()
            self._generations[generation].observe(seconds)

    async def _watch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            set_at = loop.time()
            await asyncio.sleep(self._tick)
            self.event_loop_lag.observe(max(0.0, loop.time() - set_at - self._tick))
            self.record_pending()
