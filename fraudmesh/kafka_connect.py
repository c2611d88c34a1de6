"""Starting a Kafka client that may come up before the broker does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


async def start_when_reachable(
    start: Callable[[], Awaitable[object]],
    max_delay: float = 5.0,
    retry_on: tuple[type[BaseException], ...] = (KafkaError,),
) -> None:
    """Calls `start` (an aiokafka client's, or any coroutine that fails with `retry_on` while the
    broker is away) until the broker answers, backing off up to `max_delay`."""
    delay = 0.2
    while True:
        try:
            await start()
            return
        except retry_on as error:
            log.warning("Kafka not reachable yet (%s); retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
