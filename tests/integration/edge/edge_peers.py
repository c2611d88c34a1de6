"""Small real gRPC peers for the edge's own integration tests.

They serve the fraud.v1 contract over real grpc.aio servers (built with the shared GrpcServer, so
health checking and the error-mapping interceptor are the real ones), keep what they receive so a
test can see what the edge sent, and answer with whatever status a test asks for. They stand in
for ingest/scoring/store/notify only here, where the edge's translation and error mapping are
under test; the full-stack end-to-end test runs the real services. What scoring serves from the
model library (SuggestCities, GenerateTransactions) the scoring peer answers with scoring's own
servicer code over the real gazetteer and cardholder generator.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
from dataclasses import dataclass, field
from typing import Any

import grpc
from fraud.v1 import (
    decision_pb2,
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    notify_service_pb2,
    notify_service_pb2_grpc,
    scoring_service_pb2,
    scoring_service_pb2_grpc,
    store_service_pb2,
    store_service_pb2_grpc,
    transaction_pb2,
)

from fraudmesh.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from fraudmesh.grpc_server import GrpcServer, ServiceRegistration
from fraudmesh.interceptors import status_for
from fraudmesh.validation import validate, violations_by_item


@dataclass
class Faults:
    """What the next calls should do instead of answering normally."""

    status: grpc.StatusCode | None = None
    violations: list[FieldViolation] = field(default_factory=list)
    delay_seconds: float = 0.0

    async def apply(self, context: grpc.aio.ServicerContext) -> None:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.violations:
            raise InvalidArgument(self.violations)
        if self.status is not None:
            await context.abort(self.status, f"test peer answers {self.status.name}")

    def clear(self) -> None:
        self.status, self.violations, self.delay_seconds = None, [], 0.0


def score_of(transaction: transaction_pb2.Transaction) -> decision_pb2.ScoredTransaction:
    """A deterministic decision: the larger the amount, the riskier."""
    minor = transaction.input.amount.minor_units
    score = min(0.99, minor / 1_000_000)
    decision = (
        decision_pb2.DECISION_DECLINE
        if score >= 0.8
        else decision_pb2.DECISION_REVIEW
        if score >= 0.5
        else decision_pb2.DECISION_APPROVE
    )
    scored = decision_pb2.ScoredTransaction(
        transaction=transaction,
        score=score,
        decision=decision,
        is_fraud=decision == decision_pb2.DECISION_DECLINE,
        model_version="test-model-1",
    )
    scored.reasons.add(feature="amount", text="amount relative to the user's usual", contribution=score)
    scored.features["amount"] = minor / 100
    scored.times.received_at.CopyFrom(transaction.received_at)
    scored.times.scored_at.GetCurrentTime()
    return scored


class NotifyPeer(notify_service_pb2_grpc.NotifyServiceServicer):
    def __init__(self, retained: int = 100_000, first_sequence: int = 1):
        self.retained = retained
        self.events: list[tuple[int, decision_pb2.ScoredTransaction]] = []
        self._next = first_sequence
        self._subscribers: set[asyncio.Queue] = set()
        self.subscribe_requests: list[notify_service_pb2.SubscribeDecisionsRequest] = []

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def wait_for_subscribers(self, count: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while self.subscriber_count < count:
                await asyncio.sleep(0.01)

    def publish(self, decision: decision_pb2.ScoredTransaction) -> int:
        sequence = self._next
        self._next += 1
        self.events.append((sequence, decision))
        del self.events[: max(0, len(self.events) - self.retained)]
        for queue in self._subscribers:
            queue.put_nowait((sequence, decision))
        return sequence

    async def SubscribeDecisions(self, request, context):
        self.subscribe_requests.append(request)
        queue: asyncio.Queue = asyncio.Queue()
        after = request.after_sequence
        replay = [] if after == 0 else [(s, d) for s, d in self.events if s > after]
        oldest = self.events[0][0] if self.events else self._next
        gap = after != 0 and (after + 1 < oldest or after >= self._next)
        if after >= self._next:  # from before a restart of the numbering: everything retained, flagged
            replay = list(self.events)
        self._subscribers.add(queue)
        try:
            for sequence, decision in replay:
                if _matches(request.filter, decision):
                    yield notify_service_pb2.SubscribeDecisionsResponse(sequence=sequence, decision=decision, gap=gap)
                    gap = False
            while True:
                sequence, decision = await queue.get()
                if _matches(request.filter, decision):
                    yield notify_service_pb2.SubscribeDecisionsResponse(sequence=sequence, decision=decision, gap=gap)
                    gap = False
        finally:
            self._subscribers.discard(queue)

    async def SubscribeDecisionBatches(self, request, context):
        """One decision to a message: the contract allows one or more."""
        async for event in self.SubscribeDecisions(request.subscription, context):
            yield notify_service_pb2.SubscribeDecisionBatchesResponse(events=[event])

    async def PublishDecisions(self, request, context):
        last = 0
        for decision in request.decisions:
            last = self.publish(decision)
        return notify_service_pb2.PublishDecisionsResponse(last_sequence=last)


def _matches(decision_filter: notify_service_pb2.DecisionFilter, decision: decision_pb2.ScoredTransaction) -> bool:
    if decision_filter.decisions and decision.decision not in decision_filter.decisions:
        return False
    if decision_filter.user_id and decision.transaction.input.user_id != decision_filter.user_id:
        return False
    if decision.score < decision_filter.min_score:
        return False
    return decision.is_fraud or not decision_filter.fraud_only


class StorePeer(store_service_pb2_grpc.StoreServiceServicer):
    def __init__(self):
        self.faults = Faults()
        self.stored: dict[str, decision_pb2.ScoredTransaction] = {}
        self.requests: list = []

    async def GetTransaction(self, request, context):
        self.requests.append(request)
        await self.faults.apply(context)
        validate(request)
        if request.transaction_id not in self.stored:
            raise NotFound(f"no transaction {request.transaction_id}")
        return store_service_pb2.GetTransactionResponse(transaction=self.stored[request.transaction_id])

    async def ListTransactions(self, request, context):
        self.requests.append(request)
        await self.faults.apply(context)
        validate(request)
        rows = [
            t
            for t in self.stored.values()
            if (not request.user_id or t.transaction.input.user_id == request.user_id)
            and (not request.decision or t.decision == request.decision)
        ]
        size = request.page_size or 50
        start = int(request.page_token or 0)
        page = rows[start : start + size]
        next_token = str(start + size) if start + size < len(rows) else ""
        return store_service_pb2.ListTransactionsResponse(transactions=page, next_page_token=next_token)

    async def LabelTransaction(self, request, context):
        self.requests.append(request)
        await self.faults.apply(context)
        validate(request)
        if request.transaction_id not in self.stored:
            raise NotFound(f"no transaction {request.transaction_id}")
        stored = self.stored[request.transaction_id]
        stored.label = request.label
        stored.labelled_at.GetCurrentTime()
        return store_service_pb2.LabelTransactionResponse(transaction=stored)

    async def CompareShadow(self, request, context):
        """Figures for the two models named: the active one's AP is known, the shadow's and the
        correlation are not (as store answers when they are undefined)."""
        self.requests.append(request)
        await self.faults.apply(context)
        validate(request)
        return store_service_pb2.CompareShadowResponse(
            compared=3,
            limit=100_000,
            agreed=2,
            labelled=1,
            labelled_fraud=1,
            active=store_service_pb2.ModelFigures(
                version=request.active.version, approved=2, reviewed=1, mean_score=0.3, average_precision=1.0
            ),
            shadow=store_service_pb2.ModelFigures(version=request.shadow.version, approved=1, reviewed=2),
        )

    async def GetStatistics(self, request, context):
        self.requests.append(request)
        await self.faults.apply(context)
        decisions = [t.decision for t in self.stored.values()]
        return store_service_pb2.GetStatisticsResponse(
            total=len(decisions),
            approved=decisions.count(decision_pb2.DECISION_APPROVE),
            reviewed=decisions.count(decision_pb2.DECISION_REVIEW),
            declined=decisions.count(decision_pb2.DECISION_DECLINE),
            mean_score=sum(t.score for t in self.stored.values()) / len(decisions) if decisions else 0.0,
        )


class IngestPeer(ingest_service_pb2_grpc.IngestServiceServicer):
    """Accepts transactions and, unless told not to, 'decides' them a moment later: stores the
    decision and publishes it to the notify peer, as scoring would."""

    def __init__(self, store: StorePeer, notify: NotifyPeer):
        self.faults = Faults()
        self.received: list[transaction_pb2.Transaction] = []
        self.metadata: list[dict[str, str]] = []  # of each SubmitTransaction and SubmitEach call
        self.each_calls: list[int] = []  # submissions in each SubmitEach call
        self.decide = True
        self.decide_after_seconds = 0.05
        self._store = store
        self._notify = notify
        self._ids = itertools.count(1)
        self._by_key: dict[str, transaction_pb2.Transaction] = {}
        self._tasks: set[asyncio.Task] = set()

    def _accept(self, submitted) -> ingest_service_pb2.SubmitTransactionResponse:
        if submitted.idempotency_key and submitted.idempotency_key in self._by_key:
            first = self._by_key[submitted.idempotency_key]
            return ingest_service_pb2.SubmitTransactionResponse(
                transaction_id=first.id, duplicate=True, received_at=first.received_at
            )
        transaction = transaction_pb2.Transaction(id=f"tx-{next(self._ids)}", input=submitted)
        transaction.received_at.GetCurrentTime()
        if submitted.idempotency_key:
            self._by_key[submitted.idempotency_key] = transaction
        self.received.append(transaction)
        if self.decide:
            task = asyncio.create_task(self._decide(transaction))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return ingest_service_pb2.SubmitTransactionResponse(
            transaction_id=transaction.id, received_at=transaction.received_at
        )

    async def _decide(self, transaction: transaction_pb2.Transaction) -> None:
        await asyncio.sleep(self.decide_after_seconds)
        scored = score_of(transaction)
        self._store.stored[transaction.id] = scored
        self._notify.publish(scored)

    async def SubmitTransaction(self, request, context):
        self.metadata.append(dict(context.invocation_metadata()))
        await self.faults.apply(context)
        validate(request)
        return self._accept(request.transaction)

    async def SubmitTransactions(self, request, context):
        await self.faults.apply(context)
        validate(request)
        return ingest_service_pb2.SubmitTransactionsResponse(results=[self._accept(t) for t in request.transactions])

    async def SubmitEach(self, request, context):
        """As ingest: each submission answered on its own, an invalid one with its own status."""
        self.metadata.append(dict(context.invocation_metadata()))
        self.each_calls.append(len(request.submissions))
        await self.faults.apply(context)
        own, by_item = violations_by_item(request, "submissions")
        if own:
            raise InvalidArgument(own)
        outcomes = []
        for index, submission in enumerate(request.submissions):
            if index in by_item:
                outcomes.append(ingest_service_pb2.SubmitOutcome(error=status_for(InvalidArgument(by_item[index]))))
            else:
                outcomes.append(ingest_service_pb2.SubmitOutcome(accepted=self._accept(submission.transaction)))
        return ingest_service_pb2.SubmitEachResponse(outcomes=outcomes)


class ScoringPeer(scoring_service_pb2_grpc.ScoringServiceServicer):
    def __init__(self):
        self.faults = Faults()
        self.generated: list[transaction_pb2.TransactionInput] = []
        self._model_library = None
        self.models = [
            scoring_service_pb2.ModelInfo(
                version="test-model-1", active=True, review_threshold=0.5, decline_threshold=0.8
            ),
            scoring_service_pb2.ModelInfo(version="test-model-2", review_threshold=0.4, decline_threshold=0.7),
        ]

    async def ScoreTransaction(self, request, context):
        await self.faults.apply(context)
        validate(request)
        transaction = transaction_pb2.Transaction(input=request.transaction)
        transaction.received_at.GetCurrentTime()
        return scoring_service_pb2.ScoreTransactionResponse(result=score_of(transaction))

    async def ListModels(self, request, context):
        await self.faults.apply(context)
        return scoring_service_pb2.ListModelsResponse(models=self.models)

    async def ActivateModel(self, request, context):
        await self.faults.apply(context)
        validate(request)
        chosen = next((m for m in self.models if m.version == request.version), None)
        if chosen is None:
            raise NotFound(f"no model version {request.version}")
        for model in self.models:
            model.active = model is chosen
        return scoring_service_pb2.ActivateModelResponse(model=chosen)

    async def StopShadowModel(self, request, context):
        await self.faults.apply(context)
        validate(request)
        shadow = next((m for m in self.models if m.shadow and m.version == request.version), None)
        if shadow is None:
            raise FailedPrecondition(f"version: {request.version} is not the shadow model")
        shadow.shadow = False
        return scoring_service_pb2.StopShadowModelResponse(model=shadow)

    async def GetModelDrift(self, request, context):
        await self.faults.apply(context)
        return scoring_service_pb2.GetModelDriftResponse(
            model_version="test-model-1",
            window_transactions=1200,
            window_capacity=10000,
            min_transactions=1000,
            stability=[
                scoring_service_pb2.PopulationStability(name="score", index=0.04),
                scoring_service_pb2.PopulationStability(name="amount", index=0.31),
            ],
        )

    async def SuggestCities(self, request, context):
        await self.faults.apply(context)
        return await self.model_library().SuggestCities(request, context)

    async def GenerateTransactions(self, request, context):
        await self.faults.apply(context)
        response = await self.model_library().GenerateTransactions(request, context)
        self.generated.extend(response.transactions)
        return response

    def model_library(self):
        """scoring_svc's servicer over the real gazetteer and live streams; scoring proper (scorer,
        registry, pipeline) plays no part in these two RPCs. Imported and built on first use: only
        the console helpers' tests need it."""
        if self._model_library is None:
            from fraudmodel.generators.cardholders.live_stream import LiveStreams
            from fraudmodel.geo import Gazetteer
            from scoring_svc.servicer import ScoringServicer

            gazetteer = Gazetteer()
            self._model_library = ScoringServicer(None, None, None, gazetteer, LiveStreams(gazetteer))
        return self._model_library


def registration(module: Any, name: str, servicer: Any) -> ServiceRegistration:
    """A stand-in peer registered as the real service would be."""
    grpc_module = importlib.import_module(f"{module.__name__}_grpc")
    add = getattr(grpc_module, f"add_{name}Servicer_to_server")
    return ServiceRegistration(module.DESCRIPTOR.services_by_name[name], lambda server: add(servicer, server))


def core_server(address: str, ingest: IngestPeer, scoring: ScoringPeer, store: StorePeer) -> GrpcServer:
    return GrpcServer(
        services=[
            registration(ingest_service_pb2, "IngestService", ingest),
            registration(scoring_service_pb2, "ScoringService", scoring),
            registration(store_service_pb2, "StoreService", store),
        ],
        address=address,
        grace_seconds=0.5,
    )


def notify_server(address: str, notify: NotifyPeer) -> GrpcServer:
    return GrpcServer(
        services=[registration(notify_service_pb2, "NotifyService", notify)],
        address=address,
        grace_seconds=0.2,
    )
