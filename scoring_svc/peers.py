"""scoring_svc's calls to store_svc and notify_svc.

Writing and publishing retry until they succeed: the batch's offsets are committed only afterwards,
so giving up would mean either losing decisions or committing past them. Both peers are idempotent
by transaction id, so a retry after an unclear failure stores and shows nothing twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import grpc
from fraud.v1 import decision_pb2, notify_service_pb2, notify_service_pb2_grpc, store_service_pb2, store_service_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


async def retry_forever(what: str, call: Callable[[], Awaitable[T]], max_delay: float = 5.0) -> T:
    delay = 0.05
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() not in RETRYABLE:
                raise
            log.warning("%s failed (%s: %s); retrying in %.2f s", what, error.code().name, error.details(), delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)


class StorePeer:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 10.0):
        self._stub = store_service_pb2_grpc.StoreServiceStub(channel)
        self._timeout = timeout

    async def put(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> int:
        request = store_service_pb2.PutDecisionsRequest(decisions=decisions)
        response = await retry_forever(
            f"storing {len(decisions)} decisions", lambda: self._stub.PutDecisions(request, timeout=self._timeout)
        )
        return response.inserted

    async def history(self, user_id: str, before: Timestamp, limit: int) -> list[decision_pb2.ScoredTransaction]:
        request = store_service_pb2.GetUserHistoryRequest(user_id=user_id, before=before, limit=limit)
        response = await retry_forever(
            f"reading {user_id}'s history", lambda: self._stub.GetUserHistory(request, timeout=self._timeout)
        )
        return list(response.transactions)


class NotifyPeer:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 10.0):
        self._stub = notify_service_pb2_grpc.NotifyServiceStub(channel)
        self._timeout = timeout

    async def publish(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> int:
        request = notify_service_pb2.PublishDecisionsRequest(decisions=decisions)
        response = await retry_forever(
            f"publishing {len(decisions)} decisions", lambda: self._stub.PublishDecisions(request, timeout=self._timeout)
        )
        return response.last_sequence
