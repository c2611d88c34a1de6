"""The StoreService gRPC servicer: validates each request, calls the repository, converts the answer.

Domain errors (InvalidArgument, NotFound, Unavailable) propagate to the shared interceptor, which
turns them into status codes; nothing here catches them.
"""

from __future__ import annotations

from datetime import UTC

import grpc
from fraud.v1 import decision_pb2, store_service_pb2, store_service_pb2_grpc

from fraudmesh.access.principal import current_principal
from fraudmesh.conversions.time import optional_datetime
from fraudmesh.errors import FailedPrecondition, InvalidArgument
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.interceptors import item_error
from fraudmesh.transaction_spans import TransactionSpans
from fraudmesh.validation import validate, violations_by_item
from store_svc.conversions import filters_from_request, statistics_response
from store_svc.dead_letter_replay import DeadLetterReplays
from store_svc.dead_letter_repository import DeadLetterRepository
from store_svc.label_events import LabelEvents
from store_svc.repository import TransactionRepository
from store_svc.shadow_comparison import ComparedModel, ShadowComparisons
from store_svc.shadow_comparison_messages import comparison_response

SERVICE = store_service_pb2.DESCRIPTOR.services_by_name["StoreService"]
PUT_DECISIONS = "/fraud.v1.StoreService/PutDecisions"


class StoreServicer(store_service_pb2_grpc.StoreServiceServicer):
    def __init__(
        self,
        repository: TransactionRepository,
        spans: TransactionSpans | None = None,
        label_events: LabelEvents | None = None,
        dead_letters: DeadLetterRepository | None = None,
        replays: DeadLetterReplays | None = None,
        comparisons: ShadowComparisons | None = None,
    ) -> None:
        self._repository = repository
        self._label_events = label_events
        self._spans = spans or TransactionSpans("store_svc")
        self._dead_letters = dead_letters
        self._replays = replays
        self._comparisons = comparisons

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(
            SERVICE, lambda server: store_service_pb2_grpc.add_StoreServiceServicer_to_server(self, server)
        )

    async def PutDecisions(
        self, request: store_service_pb2.PutDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.PutDecisionsResponse:
        own_violations, item_violations = violations_by_item(request, "decisions")
        if own_violations:  # none, or too many: the call itself is wrong
            raise InvalidArgument(own_violations)
        decisions = request.decisions
        with self._spans.each("store decision", decisions):
            outcome = await self._repository.put_batch(decisions, item_violations)
        refused = outcome.refused
        # Decisions from scoring carry no label; an imported history does, and its labels, fraud and
        # legitimate, must reach merchant risk like an analyst's (its fraud rates count both).
        labelled = [
            d for i, d in enumerate(decisions) if d.label != decision_pb2.LABEL_UNSPECIFIED and i not in refused
        ]
        if labelled and self._label_events:
            await self._label_events.announce(*labelled)
        return store_service_pb2.PutDecisionsResponse(
            inserted=outcome.inserted,
            refused=[item_error(PUT_DECISIONS, index, InvalidArgument(refused[index])) for index in refused],
        )

    async def GetTransaction(
        self, request: store_service_pb2.GetTransactionRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.GetTransactionResponse:
        validate(request)
        transaction = await self._repository.get(request.transaction_id)
        return store_service_pb2.GetTransactionResponse(transaction=transaction)

    async def ListTransactions(
        self, request: store_service_pb2.ListTransactionsRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.ListTransactionsResponse:
        validate(request)
        page = await self._repository.list(
            filters_from_request(request), request.page_size, request.page_token, request.oldest_first
        )
        return store_service_pb2.ListTransactionsResponse(
            transactions=page.transactions, next_page_token=page.next_page_token
        )

    async def LabelTransaction(
        self, request: store_service_pb2.LabelTransactionRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.LabelTransactionResponse:
        validate(request)
        # With access control on, the label names the credential that made it, not free text.
        principal = current_principal.get()
        analyst = principal.actor if principal is not None else request.analyst
        transaction = await self._repository.label(request.transaction_id, request.label, analyst)
        if self._label_events:
            await self._label_events.announce(transaction)
        return store_service_pb2.LabelTransactionResponse(transaction=transaction)

    async def GetUserHistory(
        self, request: store_service_pb2.GetUserHistoryRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.GetUserHistoryResponse:
        validate(request)
        return await self._repository.user_history(
            request.user_id, optional_datetime(request, "before"), request.limit, request.transactions_only
        )

    async def GetUsersHistory(
        self, request: store_service_pb2.GetUsersHistoryRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.GetUsersHistoryResponse:
        validate(request)
        users = [(user.user_id, optional_datetime(user, "before")) for user in request.users]
        return await self._repository.users_history(users, request.limit, request.transactions_only)

    async def GetStatistics(
        self, request: store_service_pb2.GetStatisticsRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.GetStatisticsResponse:
        validate(request)
        statistics = await self._repository.statistics(optional_datetime(request, "since"))
        return statistics_response(statistics)

    async def CompareShadow(
        self, request: store_service_pb2.CompareShadowRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.CompareShadowResponse:
        validate(request)
        if self._comparisons is None:
            raise FailedPrecondition("this store_svc was started without shadow comparisons")
        active, shadow = request.active, request.shadow
        comparison = await self._comparisons.compare(
            ComparedModel(active.version, active.review_threshold, active.decline_threshold),
            ComparedModel(shadow.version, shadow.review_threshold, shadow.decline_threshold),
            request.since.ToDatetime(tzinfo=UTC),
        )
        return comparison_response(comparison)

    async def ListDeadLetters(
        self, request: store_service_pb2.ListDeadLettersRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.ListDeadLettersResponse:
        validate(request)
        page = await self._dead_letter_store().list(
            request.hop, request.not_replayed, request.page_size, request.page_token
        )
        return store_service_pb2.ListDeadLettersResponse(
            dead_letters=page.dead_letters, next_page_token=page.next_page_token, total=page.total
        )

    async def GetDeadLetter(
        self, request: store_service_pb2.GetDeadLetterRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.GetDeadLetterResponse:
        validate(request)
        return store_service_pb2.GetDeadLetterResponse(dead_letter=await self._dead_letter_store().get(request.id))

    async def ReplayDeadLetter(
        self, request: store_service_pb2.ReplayDeadLetterRequest, context: grpc.aio.ServicerContext
    ) -> store_service_pb2.ReplayDeadLetterResponse:
        validate(request)
        if self._replays is None:
            raise FailedPrecondition("this store_svc was started without a way to replay dead letters")
        letter, transaction_id = await self._replays.replay(request.id)
        return store_service_pb2.ReplayDeadLetterResponse(dead_letter=letter, transaction_id=transaction_id)

    def _dead_letter_store(self) -> DeadLetterRepository:
        if self._dead_letters is None:
            raise FailedPrecondition("this store_svc was started without its dead letters")
        return self._dead_letters
