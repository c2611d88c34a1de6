"""gRPC face of scoring: what-if scores and model versions. Errors map in the shared interceptor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import grpc
from fraud.v1 import scoring_service_pb2 as pb
from fraud.v1 import scoring_service_pb2_grpc as pb_grpc
from fraud.v1 import transaction_pb2

from fraudmesh.errors import InvalidArgument
from fraudmesh.transaction_rules import normalise
from fraudmesh.validation import validate
from fraudmodel.events import event_from_proto
from fraudmodel.serving.decision_message import scored_transaction
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.pipeline import ScoringPipeline

WHAT_IF_ID = "what-if"


def model_info(info) -> pb.ModelInfo:
    message = pb.ModelInfo(
        version=info.version,
        active=info.active,
        shadow=info.shadow,
        feature_names=list(info.feature_names),
        review_threshold=info.review_threshold,
        decline_threshold=info.decline_threshold,
        metrics={name: float(value) for name, value in info.metrics.items() if isinstance(value, (int, float))},
    )
    if info.created_at:
        message.created_at.FromDatetime(info.created_at)
    return message


class ScoringServicer(pb_grpc.ScoringServiceServicer):
    def __init__(
        self,
        scorer: Scorer,
        registry: ModelRegistry,
        pipeline: ScoringPipeline,
        metrics: ScoringMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._metrics = metrics
        self._scorer = scorer
        self._registry = registry
        self._pipeline = pipeline
        self._clock = clock

    async def ScoreTransaction(self, request: pb.ScoreTransactionRequest, context: grpc.aio.ServicerContext):
        validate(request)
        violations = normalise(request.transaction, "transaction.")
        if violations:
            raise InvalidArgument(violations)
        now = self._clock()
        txn = transaction_pb2.Transaction(id=WHAT_IF_ID, input=request.transaction)
        txn.received_at.FromDatetime(now)
        if not txn.input.HasField("occurred_at"):
            txn.input.occurred_at.FromDatetime(now)
        event = event_from_proto(txn)
        await self._pipeline.warm_users([event])
        [result] = self._scorer.score([event], update_state=False)
        return pb.ScoreTransactionResponse(result=scored_transaction(txn, result, self._clock()))

    async def ListModels(self, request: pb.ListModelsRequest, context: grpc.aio.ServicerContext):
        return pb.ListModelsResponse(models=[model_info(info) for info in self._registry.list()])

    async def ActivateModel(self, request: pb.ActivateModelRequest, context: grpc.aio.ServicerContext):
        validate(request)
        info = self._registry.activate(request.version)
        if self._metrics:
            self._metrics.set_active_model(info.version)
        return pb.ActivateModelResponse(model=model_info(info))
