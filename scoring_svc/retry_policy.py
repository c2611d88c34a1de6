"""The bounded retries of one call to a peer: exponential backoff with jitter (tenacity), a few
attempts, and only on the codes the caller names (scoring_svc.failures). What is still failing
afterwards is the caller's to sort: hold the batch, or look for the records the peer refuses."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

import grpc
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from scoring_svc.failures import RETRIED, CallFailed

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.05  # seconds; doubled after each attempt, plus up to as much jitter
    max_delay: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(
        self, what: str, call: Callable[[], Awaitable[T]], codes: Collection[grpc.StatusCode] = RETRIED
    ) -> tuple[T, int]:
        """The call's answer and how many attempts it took; CallFailed once the attempts are spent
        or on a code not in `codes`."""

        def retried(error: BaseException) -> bool:
            return isinstance(error, grpc.aio.AioRpcError) and error.code() in codes

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning("%s failed (attempt %d of %d): %s", what, state.attempt_number, self.attempts, error)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential_jitter(multiplier=self.first_delay, max=self.max_delay, jitter=self.first_delay),
            retry=retry_if_exception(retried),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )

        async def attempt() -> T:  # a coroutine function: tenacity awaits only those
            return await call()

        try:
            answer: T = await retrying(attempt)
        except grpc.aio.AioRpcError as error:
            raise CallFailed(what, error, retrying.statistics.get("attempt_number", 1)) from error
        return answer, retrying.statistics.get("attempt_number", 1)
