"""gRPC face of the hub: converts messages; errors are mapped by the shared interceptor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc

from fraudmesh.transaction_spans import TransactionSpans
from fraudmesh.validation import validate
from notify_svc.filters import SubscriptionFilter
from notify_svc.hub import DecisionHub

# Sent as initial metadata once the subscription is registered: a client that awaits it knows that
# every decision published from then on will reach it, and learns the newest sequence number.
LAST_SEQUENCE_METADATA_KEY = "fraud-last-sequence"


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
        subscription = self._hub.subscribe(
            subscription_filter(request.filter), request.after_sequence, request.subscriber or context.peer()
        )
        # The callback covers a cancellation that reaches this generator only when it is collected.
        context.add_done_callback(lambda _: subscription.close())
        try:
            await context.send_initial_metadata(((LAST_SEQUENCE_METADATA_KEY, str(self._hub.last_sequence)),))
            async for notification in subscription:
                yield pb.SubscribeDecisionsResponse(
                    sequence=notification.sequence, decision=notification.decision, gap=notification.gap
                )
        finally:
            subscription.close()
