"""Samples, every fraction of a second while a benchmark runs: the scoring group's lag, and the memory
and CPU time of every process of the platform. Windows of the series give per-run figures."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import procfs
from bench.kafka_probe import GroupProbe
from bench.stats import slope_per_minute

MIB = 1024 * 1024


@dataclass
class Sample:
    at: float  # monotonic seconds
    lag: int | None
    memory: dict[str, int]  # bytes: RSS of a service, PSS summed over the process tree for Kafka/PostgreSQL;
    # without the names whose memory a sample skips
    cpu: dict[str, float]  # CPU seconds used since the process started


@dataclass
class Sampler:
    probe: GroupProbe
    processes: Callable[[], dict[str, tuple[int, bool]]]  # name -> (pid, whole tree?)
    interval_s: float = 0.5
    # Memory in every second sample only, and the PSS of Kafka's and PostgreSQL's trees in every tenth:
    # the kernel walks a process's page tables to sum its PSS (dear for Kafka's JVM, dearer for
    # PostgreSQL's many processes, each mapping the shared buffers), and the harness's CPU is taken
    # from the same two cores as the platform's.
    memory_every: int = 2
    tree_memory_every: int = 10
    samples: list[Sample] = field(default_factory=list)

    @property
    def every_memory_s(self) -> float:
        """The shortest window sure to hold the memory of every process."""
        return self.interval_s * max(self.memory_every, self.tree_memory_every)

    def take(self, lag: int | None) -> Sample:
        count = len(self.samples)
        with_memory, with_tree_memory = count % self.memory_every == 0, count % self.tree_memory_every == 0
        memory, cpu = {}, {}
        for name, (pid, tree) in self.processes().items():
            pids = procfs.process_tree(pid) if tree else [pid]
            # A tree's root also counts the children it has reaped: a backend that exits mid-run
            # keeps its CPU in the sum instead of taking it away.
            seconds = procfs.cpu_seconds(pid, reaped_children=tree)
            if seconds is None:
                continue  # gone
            cpu[name] = seconds + sum(procfs.cpu_seconds(child) or 0.0 for child in pids[1:])
            if with_tree_memory if tree else with_memory:
                size = procfs.pss_bytes(pid) if tree else procfs.rss_bytes(pid)
                if size is not None:
                    memory[name] = size + sum(procfs.pss_bytes(child) or 0 for child in pids[1:])
        sample = Sample(time.monotonic(), lag, memory, cpu)
        self.samples.append(sample)
        return sample

    async def sample_now(self) -> Sample:
        try:
            lag = await self.probe.lag()
        except Exception:  # a busy broker may time out one lag query; the series carries on without it
            lag = None
        return await asyncio.to_thread(self.take, lag)

    @contextlib.asynccontextmanager
    async def running(self):
        async def loop() -> None:
            while True:
                started = time.monotonic()
                await self.sample_now()
                await asyncio.sleep(max(0.0, self.interval_s - (time.monotonic() - started)))

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def window(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]


def cpu_used(samples: list[Sample]) -> dict[str, float]:
    """CPU seconds each process used between the first and last sample of a window."""
    if len(samples) < 2:
        return {}
    first, last = samples[0], samples[-1]
    return {name: last.cpu[name] - first.cpu[name] for name in last.cpu if name in first.cpu}


def peak_memory_mib(samples: list[Sample]) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for sample in samples:
        for name, value in sample.memory.items():
            peaks[name] = max(peaks.get(name, 0.0), value / MIB)
    return peaks


def memory_trend_mib_per_min(samples: list[Sample]) -> dict[str, float | None]:
    names = {name for sample in samples for name in sample.memory}
    trend = {}
    for name in sorted(names):
        points = [(s.at, s.memory[name] / MIB) for s in samples if name in s.memory]
        trend[name] = slope_per_minute([t for t, _ in points], [v for _, v in points])
    return trend


def lag_series(samples: list[Sample]) -> list[tuple[float, int]]:
    return [(s.at, s.lag) for s in samples if s.lag is not None]
