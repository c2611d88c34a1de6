"""gRPC face of the hub: converts messages; errors are mapped by the shared interceptor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc

from fraudmesh.decision_stream import CatchUp, Gap, Subscription, SubscriptionFilter
from fraudmesh.errors import InvalidArgument
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.interceptors import item_error
from fraudmesh.transaction_spans import TransactionSpans
from fraudmesh.validation import validate, violations_by_item
from notify_svc.hub import DecisionHub, Notification
from notify_svc.publisher import DecisionPublisher

# Sent as initial metadata once the subscription is registered: a client that awaits it knows that
# every decision published from then on will reach it, and learns the newest sequence number.
LAST_SEQUENCE_METADATA_KEY = "fraud-last-sequence"
DEFAULT_BATCH_SIZE = 256  # decisions in one SubscribeDecisionBatches message when the client leaves it 0


SERVICE = pb.DESCRIPTOR.services_by_name["NotifyService"]
PUBLISH_DECISIONS = f"/{SERVICE.full_name}/PublishDecisions"


class NotifyServicer(pb_grpc.NotifyServiceServicer):
    def __init__(self, hub: DecisionHub, publisher: DecisionPublisher, spans: TransactionSpans | None = None):
        self._hub = hub
        self._publisher = publisher
        self._spans = spans or TransactionSpans("notify_svc")

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(SERVICE, lambda server: pb_grpc.add_NotifyServiceServicer_to_server(self, server))

    async def PublishDecisions(
        self, request: pb.PublishDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishDecisionsResponse:
        own_violations, item_violations = violations_by_item(request, "decisions")
        if own_violations:  # none, or too many: the call itself is wrong
            raise InvalidArgument(own_violations)
        decisions = request.decisions
        with self._spans.each("publish decision", decisions):
            outcome = await self._publisher.publish(decisions, item_violations)
        return pb.PublishDecisionsResponse(
            last_sequence=outcome.last_sequence,
            refused=[item_error(PUBLISH_DECISIONS, index, error) for index, error in outcome.refused.items()],
        )

    async def SubscribeDecisions(
        self, request: pb.SubscribeDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeDecisionsResponse]:
        validate(request)
        async with self._subscribed(request, context) as subscription:
            gap = False
            async for entry in subscription:
                if isinstance(entry, Gap):
                    gap = True  # flags the decision that follows
                    continue
                yield _event(entry, gap)
                gap = False

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
    ) -> AsyncIterator[Subscription[Notification] | CatchUp[Notification]]:
        with self._hub.subscriber_place():  # RESOURCE_EXHAUSTED when NOTIFY_MAX_SUBSCRIBERS are open
            subscription = self._hub.subscribe(
                SubscriptionFilter.from_proto(request.filter),
                request.after_sequence,
                request.subscriber or context.peer(),
                request.replay_newest,
            )
            # The callback covers a cancellation that reaches this generator only when it is collected.
            context.add_done_callback(lambda _: subscription.close())
            try:
                await context.send_initial_metadata(((LAST_SEQUENCE_METADATA_KEY, str(self._hub.last_sequence)),))
                yield subscription
            finally:
                subscription.close()


def _batch_of_events(batch: list[Notification | Gap]) -> pb.SubscribeDecisionBatchesResponse:
    """Each event added in place: built apart and handed over, every decision would be copied twice.
    A Gap becomes the flag of the decision after it (the hub hands them over together)."""
    response = pb.SubscribeDecisionBatchesResponse()
    events = response.events
    gap = False
    for entry in batch:
        if isinstance(entry, Gap):
            gap = True
            continue
        events.add(sequence=entry.sequence, decision=entry.scored, gap=gap)
        gap = False
    return response


def _event(notification: Notification, gap: bool) -> pb.SubscribeDecisionsResponse:
    return pb.SubscribeDecisionsResponse(sequence=notification.sequence, decision=notification.scored, gap=gap)
