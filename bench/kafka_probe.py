"""The scoring consumer group as Kafka sees it: how far behind it is (lag), its state and its members."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity


def total_lag(end_offsets: dict[TopicPartition, int], committed: dict[TopicPartition, int]) -> int:
    """Records on the topic not yet committed by the group; a partition never committed counts whole."""
    return sum(max(end - committed.get(partition, 0), 0) for partition, end in end_offsets.items())


class GroupProbe:
    """Long-lived admin and consumer clients, so sampling lag every half second costs no reconnects."""

    def __init__(self, bootstrap_servers: str, group: str, topic: str, security: KafkaSecurity = PLAINTEXT):
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000, **security.aiokafka()
        )
        # Reads no records: it only asks for the partitions' end offsets.
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **security.aiokafka()
        )
        self.group = group
        self.topic = topic
        self._partitions: list[TopicPartition] = []

    async def __aenter__(self) -> GroupProbe:
        await self._admin.start()
        await self._offsets.start()
        await self._offsets._client.force_metadata_update()  # aiokafka has no public call for this
        self._partitions = [
            TopicPartition(self.topic, p) for p in sorted(self._offsets.partitions_for_topic(self.topic) or ())
        ]
        return self

    async def __aexit__(self, *exc) -> None:
        await self._offsets.stop()
        await self._admin.close()

    async def lag(self) -> int:
        end = await self._offsets.end_offsets(self._partitions)
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=self._partitions)
        return total_lag(end, {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0})

    async def topic_end(self) -> int:
        return sum((await self._offsets.end_offsets(self._partitions)).values())

    async def state(self) -> tuple[str, int]:
        """The group's state ("Stable" once its partitions are handed out) and how many members it has."""
        described = await self._admin.describe_consumer_groups([self.group])
        groups = described[0].groups if described else []
        if not groups:
            return "", 0
        # Each group entry is (error_code, group_id, state, protocol_type, protocol, members, ...).
        _, _, state, _, _, members, *_ = groups[0]
        return state, len(members)

    async def wait_for_lag_zero(self, timeout: float, poll: float = 0.25) -> int:
        """Waits until the group has caught up; returns the lag when it did or when time ran out."""
        deadline = asyncio.get_running_loop().time() + timeout
        lag = await self.lag()
        while lag > 0 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(poll)
            lag = await self.lag()
        return lag

    async def wait_for_members(self, count: int, timeout: float) -> tuple[str, int]:
        """Waits until the group is Stable with `count` members, and returns the state it was last seen
        in. Members alone are not enough: during a rebalance the old member goes on consuming every
        partition, and a run started then would measure the rebalance."""
        deadline = asyncio.get_running_loop().time() + timeout
        state = await self.state()
        while state != ("Stable", count) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.5)
            state = await self.state()
        return state
