"""The consumer group's lag, measured from the broker on a timer: for each partition this instance
has, the broker's end offset less the group's committed offset. It is measured whether or not
anything is delivered, so a stalled instance shows its lag growing instead of the last value it had
before it stopped (the alert rules read it, with the last commit's time)."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from scoring_svc.metrics import ScoringMetrics

log = logging.getLogger(__name__)


def lag_of(end: int, committed: int | None, beginning: int) -> int:
    """Records not committed yet; a partition the group never committed is behind from its beginning."""
    return max(end - (beginning if committed is None else committed), 0)


class LagMonitor:
    def __init__(self, consumer: AIOKafkaConsumer, metrics: ScoringMetrics, interval: float) -> None:
        self._consumer = consumer
        self._metrics = metrics
        self._interval = interval
        self._shown: set[int] = set()  # partitions with a lag sample

    async def run(self) -> None:
        while True:
            try:
                await self.measure()
            except Exception as error:  # Kafka away or a rebalance meanwhile: the next turn measures again
                log.warning("could not measure the consumer lag: %s", error)
            await asyncio.sleep(self._interval)

    async def measure(self) -> None:
        consumer = self._consumer
        partitions: list[TopicPartition] = sorted(consumer.assignment())
        lags = {}
        if partitions:
            ends = await consumer.end_offsets(partitions)
            beginnings = await consumer.beginning_offsets(partitions)
            committed = await asyncio.gather(*(consumer.committed(tp) for tp in partitions))
            lags = {
                tp.partition: lag_of(ends[tp], offset, beginnings[tp])
                for tp, offset in zip(partitions, committed, strict=True)
            }
        gauge = self._metrics.consumer_lag
        for partition, lag in lags.items():
            gauge.labels(partition=str(partition)).set(lag)
        for gone in self._shown - lags.keys():  # another instance has it now and reports it
            gauge.remove(str(gone))
        self._shown = set(lags)
