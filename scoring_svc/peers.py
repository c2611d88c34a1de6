"""scoring_svc's calls to store_svc and notify_svc.

Writing and publishing retry until they succeed: the batch's offsets are committed only afterwards,
so giving up would mean either losing decisions or committing past them. Both peers are idempotent
by transaction id, so a retry after an unclear failure stores and shows nothing twice.

A batch travels as one `PutDecisionsRequest` built in place. PublishDecisionsRequest has the same
single field (`repeated ScoredTransaction decisions = 1`, a unit test holds the two to it), so the
same message's bytes are notify's request too: no copy of the batch into a second message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from fraud.v1 import decision_pb2, notify_service_pb2, store_service_pb2, store_service_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

log = logging.getLogger(__name__)
T = TypeVar("T")
_NOTIFY = notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"]
PUBLISH_DECISIONS = f"/{_NOTIFY.full_name}/{_NOTIFY.methods_by_name['PublishDecisions'].name}"

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

    async def put(self, batch: store_service_pb2.PutDecisionsRequest) -> int:
        response = await retry_forever(
            f"storing {len(batch.decisions)} decisions", lambda: self._stub.PutDecisions(batch, timeout=self._timeout)
        )
        return response.inserted

    async def history(self, user_id: str, before: Timestamp, limit: int) -> list[decision_pb2.ScoredTransaction]:
        request = store_service_pb2.GetUserHistoryRequest(
            user_id=user_id, before=before, limit=limit, transactions_only=True
        )
        response = await retry_forever(
            f"reading {user_id}'s history", lambda: self._stub.GetUserHistory(request, timeout=self._timeout)
        )
        return list(response.transactions)


class NotifyPeer:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 10.0):
        # PublishDecisions taking a request already encoded (no serializer: bytes go as they are).
        self._publish_encoded = channel.unary_unary(
            PUBLISH_DECISIONS,
            request_serializer=None,
            response_deserializer=notify_service_pb2.PublishDecisionsResponse.FromString,
        )
        self._timeout = timeout

    async def publish(self, batch: store_service_pb2.PutDecisionsRequest) -> int:
        encoded = batch.SerializeToString()  # PublishDecisionsRequest's encoding too (see the module's doc)
        response = await retry_forever(
            f"publishing {len(batch.decisions)} decisions",
            lambda: self._publish_encoded(encoded, timeout=self._timeout),
        )
        return response.last_sequence
