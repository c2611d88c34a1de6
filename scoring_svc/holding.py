"""Batches held while a peer (store_svc, notify_svc, or Kafka for the dead letters) cannot take them.

A step of a batch that fails transiently even after its own retries (scoring_svc.retry_policy) is
not given up: the batch is held and the step is tried again after a backoff that doubles up to a cap,
for as long as it takes; nothing of it is skipped and no offset is committed past it. While any batch
is held the instance is stalled: the pipeline stops fetching (consumer pause), gRPC health says
NOT_SERVING with the reason logged, `fraudmesh_scoring_stalled` is 1, and once the step succeeds
everything goes back by itself. The process never exits over it, so a supervisor has no crash loop
to restart; a step that can never succeed for one record is the failure sorting's business
(scoring_svc.failures), never this loop's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from fraudmesh.errors import Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class HoldPolicy:
    first_delay: float = 0.5  # seconds before a held step is tried again; doubled each time
    max_delay: float = 2.0  # the cap: at most this long after the peer is back, the batch goes on
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Holding:
    def __init__(self, policy: HoldPolicy, on_change: Callable[[str | None], None] = lambda reason: None) -> None:
        """`on_change(reason)` is called when the instance stalls (why) or goes on again (None)."""
        self._policy = policy
        self._on_change = on_change
        self._held: dict[object, str] = {}  # batch key -> why it is held
        self._stalled = asyncio.Event()

    @property
    def stalled(self) -> bool:
        return bool(self._held)

    @property
    def reason(self) -> str | None:
        return next(iter(self._held.values()), None)

    async def wait_stalled(self) -> None:
        await self._stalled.wait()

    async def until_done(self, key: object, what: str, step: Callable[[], Awaitable[T]]) -> T:
        """Runs `step` until it does not raise Unavailable, holding batch `key` in between."""

        def hold(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            self._hold(key, f"{what}: {error}")
            log.warning("%s failed (%s); trying again in %.1f s", what, error, state.upcoming_sleep)

        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(
                multiplier=self._policy.first_delay, max=self._policy.max_delay, jitter=self._policy.first_delay
            ),
            retry=retry_if_exception_type(Unavailable),
            before_sleep=hold,
            sleep=self._policy.sleep,
            reraise=True,
        )

        async def attempt() -> T:  # a coroutine function: tenacity awaits only those
            return await step()

        try:
            result: T = await retrying(attempt)
        finally:
            self._release(key)
        return result

    def _hold(self, key: object, reason: str) -> None:
        was_stalled = self.stalled
        self._held[key] = reason
        if not was_stalled:
            log.error("stalled, consumption paused until it succeeds: %s", reason)
            self._stalled.set()
            self._on_change(reason)

    def _release(self, key: object) -> None:
        if self._held.pop(key, None) is not None and not self._held:
            log.info("no batch is held any more: consuming again")
            self._stalled.clear()
            self._on_change(None)
