"""When a scoring instance says SERVING on gRPC health: ready means warm.

Until each of these has happened once it says NOT_SERVING: the model choice on the scoring control
topic has been read to its end (and applied), the model has run a first inference on it, and the
consumer has its assignment from the group, with a fetch position for every partition in it. And
whenever a batch is held (scoring_svc.holding) it says NOT_SERVING again, until it goes on. Each
change is logged with what is missing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fraud.v1 import transaction_pb2

from fraudmodel.events import event_from_proto
from fraudmodel.serving.scorer import Scorer

log = logging.getLogger(__name__)

MODEL_CHOICE = "the model choice read"
FIRST_INFERENCE = "a first inference run"
ASSIGNMENT = "the partitions assigned"
START_UP = (MODEL_CHOICE, FIRST_INFERENCE, ASSIGNMENT)


class Readiness:
    def __init__(self, report: Callable[[bool], Awaitable[None]]) -> None:
        """`report(serving)` sets the health status (GrpcServer.set_serving)."""
        self._report = report
        self._missing = set(START_UP)
        self._stalled: str | None = None
        self._reported: bool | None = None
        self._lock = asyncio.Lock()
        self._reports: set[asyncio.Task] = set()

    @property
    def serving(self) -> bool:
        return not self._missing and self._stalled is None

    @property
    def why_not(self) -> str:
        if self._missing:
            return "waiting for " + ", ".join(step for step in START_UP if step in self._missing)
        return f"stalled: {self._stalled}" if self._stalled else ""

    async def done(self, step: str) -> None:
        self._missing.discard(step)
        await self.report()

    def stalled(self, reason: str | None) -> None:
        """Called as the instance stalls (why) and goes on (None); reports in the background."""
        self._stalled = reason
        task = asyncio.get_running_loop().create_task(self.report())
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def report(self) -> None:
        async with self._lock:  # one report at a time, each with the state as it is then
            serving = self.serving
            if serving == self._reported:
                return
            await self._report(serving)
            self._reported = serving
            if serving:
                log.info("SERVING")
            else:
                log.warning("NOT_SERVING: %s", self.why_not)


def first_inference(scorer: Scorer) -> None:
    """Scores one made-up payment as a what-if (no state changes): its reading as an event, features,
    the active and shadow models, decision and reasons all run once before the first real batch.
    The payment names a city without coordinates, as many clients send it, so that the gazetteer
    (GeoNames' cities, read from the cache folder or built on its first lookup: a second or seconds
    of CPU, fraudmodel.city_names) is ready here and not in the first batch, where building it held
    every decision of the first seconds (`python -m bench.first_seconds`)."""
    now = datetime.now(UTC)
    payment = transaction_pb2.Transaction(
        id="first-inference",
        input=transaction_pb2.TransactionInput(
            user_id="first-inference",
            amount=transaction_pb2.Money(minor_units=100, currency="EUR"),
            location=transaction_pb2.Location(city="Paris", country="FR"),
        ),
    )
    payment.input.occurred_at.FromDatetime(now)
    payment.received_at.FromDatetime(now)
    scorer.score([event_from_proto(payment)], update_state=False)
