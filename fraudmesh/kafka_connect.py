"""Starting a Kafka client that may come up before the broker does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


async def start_when_reachable(start: Callable[[], Awaitable[None]], max_delay: float = 5.0) -> None:
    """Calls `start` (an aiokafka client's) until the broker answers, backing off up to `max_delay`."""
    delay = 0.2
    while True:
        try:
            await start()
            return
        except KafkaError as error:
            log.warning("Kafka not reachable yet (%s); retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
