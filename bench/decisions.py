"""When each decision reaches a subscriber of notify_svc: the end of the submit-to-decision latency."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Iterable

import grpc
from fraud.v1 import decision_pb2, notify_service_pb2, notify_service_pb2_grpc

from bench.latency_stages import DecisionStamps
from fraudmesh.access.caller_credentials import bearer
from fraudmesh.grpc_tls import GrpcTls

FLAGGED = frozenset({decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE})


def flagged_share(decisions: Iterable[int]) -> float | None:
    """The share of decisions that are REVIEW or DECLINE: each of them scoring explains with reasons,
    so it tells how heavy a workload is for scoring (real streams flag a few in a hundred)."""
    decisions = list(decisions)
    return sum(d in FLAGGED for d in decisions) / len(decisions) if decisions else None


class DecisionClock:
    """Subscribes as an internal service would and notes the monotonic time of every decision by id."""

    def __init__(self, address: str, subscriber: str = "bench", tls: GrpcTls | None = None, credential: str = ""):
        self._address = address
        self._tls = tls  # the client certificate for a platform serving mutual TLS; None: plaintext
        # The API key the subscription carries ("": access control is off).
        self._metadata = (("authorization", bearer(credential)),) if credential else None
        self._subscriber = subscriber
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.stamps: dict[str, DecisionStamps] = {}  # the first arrival's timestamps, for the stages
        self.outcomes: dict[str, int] = {}  # the decision (fraud.v1.Decision) of each id's first arrival
        self.gaps = 0
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> DecisionClock:
        self._channel = (
            grpc.aio.insecure_channel(self._address)
            if self._tls is None
            else grpc.aio.secure_channel(self._address, self._tls.channel_credentials())
        )
        # In batches, as the edge subscribes: one message per decision would make the harness's own
        # subscriber a larger cost on the shared cores than some of the services it measures.
        self._call = notify_service_pb2_grpc.NotifyServiceStub(self._channel).SubscribeDecisionBatches(
            notify_service_pb2.SubscribeDecisionBatchesRequest(
                subscription=notify_service_pb2.SubscribeDecisionsRequest(subscriber=self._subscriber)
            ),
            metadata=self._metadata,
        )
        await self._call.initial_metadata()  # registered: everything published from now on reaches us
        self._task = asyncio.create_task(self._gather())
        return self

    async def _gather(self) -> None:
        async for message in self._call:
            arrived_ns, arrived = time.time_ns(), time.monotonic()
            for event in message.events:
                decision = event.decision
                transaction_id = decision.transaction.id
                self.arrivals[transaction_id].append(arrived)
                if transaction_id not in self.stamps:
                    self.outcomes[transaction_id] = decision.decision
                    times = decision.times
                    self.stamps[transaction_id] = DecisionStamps(
                        times.received_at.ToNanoseconds(),
                        times.scored_at.ToNanoseconds(),
                        times.published_at.ToNanoseconds(),
                        arrived_ns,
                    )
                if event.gap:
                    self.gaps += 1
            self._arrived.set()

    async def wait_for(self, ids: Iterable[str], timeout: float) -> set[str]:
        """Waits until every id has a decision or time runs out; returns the ids still without one."""
        missing = {i for i in ids if i not in self.arrivals}
        deadline = time.monotonic() + timeout
        while missing and time.monotonic() < deadline:
            if self._task.done():
                raise RuntimeError(f"the subscription to notify_svc ended: {self._task.exception()!r}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(0.5, max(0.0, deadline - time.monotonic())))
            missing = {i for i in missing if i not in self.arrivals}
        return missing

    async def __aexit__(self, *exc) -> None:
        self._call.cancel()
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            await self._task
        await self._channel.close()
