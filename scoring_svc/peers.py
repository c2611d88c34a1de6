"""scoring_svc's calls to store_svc and notify_svc, each sorted as scoring_svc.failures says.

Storing and publishing answer the items the peer refused (set aside by the caller); a peer that
cannot take the batch for now raises PeerUnavailable, and the caller holds the batch and tries again.
Both peers are idempotent by transaction id, so trying again after an unclear failure stores and
shows nothing twice. Reading a customer's history for warming is retried the same way; a history
the store refuses for good (a user id it cannot look up, its own bug) is read as empty, so that one
customer scored without history stops nobody.

A batch travels as one `PutDecisionsRequest` built in place. PublishDecisionsRequest has the same
single field (`repeated ScoredTransaction decisions = 1`, a unit test holds the two to it), so the
same message's bytes are notify's request too: no copy of the batch into a second message."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc
from fraud.v1 import decision_pb2, notify_service_pb2, store_service_pb2, store_service_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

from scoring_svc.failures import REFUSES_RECORDS, CallFailed, PeerUnavailable, Refusal
from scoring_svc.isolation import send_sorted
from scoring_svc.retry_policy import RetryPolicy

log = logging.getLogger(__name__)
_NOTIFY = notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"]
PUBLISH_DECISIONS = f"/{_NOTIFY.full_name}/{_NOTIFY.methods_by_name['PublishDecisions'].name}"
DecisionBatch = store_service_pb2.PutDecisionsRequest


def one_of(batch: DecisionBatch, index: int) -> DecisionBatch:
    return DecisionBatch(decisions=[batch.decisions[index]])


class StorePeer:
    def __init__(self, channel: grpc.aio.Channel, policy: RetryPolicy | None = None, timeout: float = 10.0):
        self._stub = store_service_pb2_grpc.StoreServiceStub(channel)
        self._policy = policy or RetryPolicy()
        self._timeout = timeout

    async def store(self, batch: DecisionBatch) -> list[Refusal]:
        """Stores the batch; answers the decisions store will never keep."""
        return await send_sorted(
            f"storing {len(batch.decisions)} decisions",
            lambda: self._stub.PutDecisions(batch, timeout=self._timeout),
            lambda index: self._stub.PutDecisions(one_of(batch, index), timeout=self._timeout),
            len(batch.decisions),
            self._policy,
        )

    async def put(self, batch: DecisionBatch) -> int:
        """Stores the whole batch (for `fraudctl import`): how many rows were new. Raises ValueError
        when store refuses any of it, PeerUnavailable when it cannot take it for now."""
        try:
            response, _ = await self._policy.call(
                f"storing {len(batch.decisions)} decisions",
                lambda: self._stub.PutDecisions(batch, timeout=self._timeout),
            )
        except CallFailed as failed:
            if failed.code in REFUSES_RECORDS:
                raise ValueError(str(failed)) from failed
            raise PeerUnavailable(str(failed)) from failed
        if response.refused:
            first = response.refused[0]
            raise ValueError(
                f"store refused {len(response.refused)} of {len(batch.decisions)} decisions, "
                f"the first (item {first.index}): {first.status.message}"
            )
        return response.inserted

    async def history(self, user_id: str, before: Timestamp | None, limit: int) -> list[decision_pb2.ScoredTransaction]:
        request = store_service_pb2.GetUserHistoryRequest(
            user_id=user_id, before=before, limit=limit, transactions_only=True
        )
        what = f"reading {user_id!r}'s history"
        try:
            response, _ = await self._policy.call(
                what, lambda: self._stub.GetUserHistory(request, timeout=self._timeout)
            )
        except CallFailed as failed:
            if failed.code not in REFUSES_RECORDS:
                raise PeerUnavailable(str(failed)) from failed
            log.error("%s; scoring them without it", failed)
            return []
        return list(response.transactions)

    async def histories(
        self, users: Sequence[tuple[str, Timestamp | None]], limit: int
    ) -> list[list[decision_pb2.ScoredTransaction]]:
        """The history of each (user_id, before) of `users`, in that order (None: no bound), read with one call
        (GetUsersHistory). If store refuses the call for good (a user id it cannot look up), each
        user is read alone, so that only such a user is scored without history."""
        request = store_service_pb2.GetUsersHistoryRequest(
            users=[store_service_pb2.UserHistoryWindow(user_id=user_id, before=before) for user_id, before in users],
            limit=limit,
            transactions_only=True,
        )
        what = f"reading the history of {len(users)} customers"
        try:
            response, _ = await self._policy.call(
                what, lambda: self._stub.GetUsersHistory(request, timeout=self._timeout)
            )
        except CallFailed as failed:
            if failed.code not in REFUSES_RECORDS:
                raise PeerUnavailable(str(failed)) from failed
            log.warning("%s; reading them one at a time", failed)
            return [await self.history(user_id, before, limit) for user_id, before in users]
        return [list(history.transactions) for history in response.histories]


class NotifyPeer:
    def __init__(self, channel: grpc.aio.Channel, policy: RetryPolicy | None = None, timeout: float = 10.0):
        # PublishDecisions taking a request already encoded (no serializer: bytes go as they are).
        self._publish_encoded = channel.unary_unary(
            PUBLISH_DECISIONS,
            request_serializer=None,
            response_deserializer=notify_service_pb2.PublishDecisionsResponse.FromString,
        )
        self._policy = policy or RetryPolicy()
        self._timeout = timeout

    async def publish(self, batch: DecisionBatch) -> list[Refusal]:
        """Publishes the batch; answers the decisions notify will never publish."""
        encoded = batch.SerializeToString()  # PublishDecisionsRequest's encoding too (see the module's doc)
        return await send_sorted(
            f"publishing {len(batch.decisions)} decisions",
            lambda: self._publish_encoded(encoded, timeout=self._timeout),
            lambda index: self._publish_encoded(one_of(batch, index).SerializeToString(), timeout=self._timeout),
            len(batch.decisions),
            self._policy,
        )
