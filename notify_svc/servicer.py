"""gRPC face of the hub: converts messages; errors are mapped by the shared interceptor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc

from fraudmesh.transaction_spans import TransactionSpans
from fraudmesh.validation import validate
from notify_svc.filters import SubscriptionFilter
from notify_svc.hub import DecisionHub, Notification, Subscription

# Sent as initial metadata once the subscription is registered: a client that awaits it knows that
# every decision published from then on will reach it, and learns the newest sequence number.
LAST_SEQUENCE_METADATA_KEY = "fraud-last-sequence"
DEFAULT_BATCH_SIZE = 256  # decisions in one SubscribeDecisionBatches message when the client leaves it 0


def subscription_filter(message: pb.DecisionFilter) -> SubscriptionFilter:
    return SubscriptionFilter(
        decisions=frozenset(message.decisions),
        user_id=message.user_id,
        min_score=message.min_score,
        fraud_only=message.fraud_only,
    )


class NotifyServiceServicer(pb_grpc.NotifyServiceServicer):
    def __init__(self, hub: DecisionHub, spans: TransactionSpans | None = None):
        self._hub = hub
        self._spans = spans or TransactionSpans("notify_svc")

    async def PublishDecisions(
        self, request: pb.PublishDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishDecisionsResponse:
        validate(request)
        with self._spans.each("publish decision", request.decisions):
            last_sequence = self._hub.publish(request.decisions)
        return pb.PublishDecisionsResponse(last_sequence=last_sequence)

    async def SubscribeDecisions(
        self, request: pb.SubscribeDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeDecisionsResponse]:
        validate(request)
        async with self._subscribed(request, context) as subscription:
            async for notification in subscription:
                yield _event(notification)

    async def SubscribeDecisionBatches(
        self, request: pb.SubscribeDecisionBatchesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeDecisionBatchesResponse]:
        validate(request)
        max_items = request.max_batch_size or DEFAULT_BATCH_SIZE
        async with self._subscribed(request.subscription, context) as subscription:
            while True:
                try:
                    batch = await subscription.next_batch(max_items)
                except StopAsyncIteration:
                    return
                yield _batch_of_events(batch)

    @contextlib.asynccontextmanager
    async def _subscribed(
        self, request: pb.SubscribeDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Subscription]:
        subscription = self._hub.subscribe(
            subscription_filter(request.filter), request.after_sequence, request.subscriber or context.peer()
        )
        # The callback covers a cancellation that reaches this generator only when it is collected.
        context.add_done_callback(lambda _: subscription.close())
        try:
            await context.send_initial_metadata(((LAST_SEQUENCE_METADATA_KEY, str(self._hub.last_sequence)),))
            yield subscription
        finally:
            subscription.close()


def _batch_of_events(batch: list[Notification]) -> pb.SubscribeDecisionBatchesResponse:
    """Each event added in place: built apart and handed over, every decision would be copied twice."""
    response = pb.SubscribeDecisionBatchesResponse()
    events = response.events
    for notification in batch:
        events.add(sequence=notification.sequence, decision=notification.decision, gap=notification.gap)
    return response


def _event(notification: Notification) -> pb.SubscribeDecisionsResponse:
    return pb.SubscribeDecisionsResponse(
        sequence=notification.sequence, decision=notification.decision, gap=notification.gap
    )
