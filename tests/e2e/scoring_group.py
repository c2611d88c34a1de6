"""What the end-to-end tests read of the scoring consumer group and of each instance's metrics."""

from __future__ import annotations

import asyncio
import urllib.request

from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from fraudctl.runtime.kafka_broker import KafkaBroker


def transactions_consumed(metrics_port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "fraudmesh_kafka_consumed_total" and sample.labels.get("topic") == "transactions"
    )


async def group_state(kafka: KafkaBroker, group: str = "scoring") -> tuple[str, int]:
    """The group's state and how many members it has, as the broker's admin user sees it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, **kafka.admin_security.aiokafka())
    await admin.start()
    try:
        [description] = await admin.describe_consumer_groups([group])
        _, _, state, _, _, members, *_ = description.groups[0]
        return state, len(members)
    finally:
        await admin.close()


async def wait_for_stable_group(kafka: KafkaBroker, members: int, timeout: float = 60) -> None:
    """Until the partitions are handed out to `members` instances. A member count alone may still be
    a rebalance in progress, during which the instances before it go on consuming their partitions."""
    async with asyncio.timeout(timeout):
        while await group_state(kafka) != ("Stable", members):
            await asyncio.sleep(0.5)
