"""gRPC face of scoring: what-if scores, model versions (activated on every instance through the
control topic: scoring_svc.model_control), and what only the model library knows (city suggestions
from its gazetteer, live transactions from its cardholder generator). Errors map in the shared
interceptor."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from fraud.v1 import scoring_service_pb2 as pb
from fraud.v1 import scoring_service_pb2_grpc as pb_grpc
from fraud.v1 import transaction_pb2

from fraudmesh.access.audit import AuditLog
from fraudmesh.access.principal import current_principal
from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmesh.errors import FailedPrecondition, InvalidArgument
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.transaction_rules import normalise
from fraudmesh.validation import validate
from fraudmodel.events import event_from_proto
from fraudmodel.generators.cardholders.live_stream import LiveStreams
from fraudmodel.geo import Gazetteer, Place
from fraudmodel.serving.decision_message import scored_transaction
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.draft_rules import DraftRuleEvaluator, draft_from_definition
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.model_control import ModelControl
from scoring_svc.pipeline import ScoringPipeline
from scoring_svc.rules import InvalidExpression, check_expression

_Answer = TypeVar("_Answer")

WHAT_IF_ID = "what-if"
DEFAULT_CITY_LIMIT = 10  # SuggestCitiesRequest.limit 0


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


def city(place: Place) -> pb.City:
    return pb.City(name=place.name, country=place.country_code, lat=place.lat, lon=place.lon)


SERVICE = pb.DESCRIPTOR.services_by_name["ScoringService"]


class ScoringServicer(pb_grpc.ScoringServiceServicer):
    def __init__(
        self,
        scorer: Scorer,
        registry: ModelRegistry,
        pipeline: ScoringPipeline,
        gazetteer: Gazetteer,
        streams: LiveStreams,
        models: ModelControl | None = None,
        audit: AuditLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        drift: DriftWatch | None = None,
        draft_rules: DraftRuleEvaluator | None = None,
    ):
        self._drift = drift
        self._draft_rules = draft_rules
        self._models = models
        self._audit = audit
        self._scorer = scorer
        self._registry = registry
        self._pipeline = pipeline
        self._gazetteer = gazetteer
        self._streams = streams
        self._clock = clock

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(SERVICE, lambda server: pb_grpc.add_ScoringServiceServicer_to_server(self, server))

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
        action = "model.shadow" if request.shadow else "model.activate"
        info = await self._change_models(
            action, request.version, lambda models, by: models.choose(request.version, request.shadow, by)
        )
        return pb.ActivateModelResponse(model=model_info(info))

    async def StopShadowModel(self, request: pb.StopShadowModelRequest, context: grpc.aio.ServicerContext):
        validate(request)
        info = await self._change_models(
            "model.shadow_stop", request.version, lambda models, by: models.stop_shadow(request.version, by)
        )
        return pb.StopShadowModelResponse(model=model_info(info) if info else pb.ModelInfo(version=request.version))

    async def _change_models(
        self, action: str, version: str, change: Callable[[ModelControl, str], Awaitable[_Answer]]
    ) -> _Answer:
        """`change` made by the caller, through the control topic every instance follows, and audited
        with the active and shadow models before and after."""
        if self._models is None:
            raise FailedPrecondition("this server does not follow the scoring control topic")
        active, shadow = self._registry.choice
        principal = current_principal.get()
        answer = await change(self._models, principal.actor if principal else "")
        if self._audit is not None:
            now_active, now_shadow = self._registry.choice
            await self._audit.record(
                action, version, {"active": active, "shadow": shadow}, {"active": now_active, "shadow": now_shadow}
            )
        return answer

    async def GetModelDrift(self, request: pb.GetModelDriftRequest, context: grpc.aio.ServicerContext):
        if self._drift is None:
            raise FailedPrecondition("this server does not watch drift")
        response = pb.GetModelDriftResponse(
            window_capacity=self._drift.capacity, min_transactions=self._drift.min_transactions
        )
        view = self._drift.view()
        if view is not None:
            response.model_version = view.model_version
            response.window_transactions = view.window_transactions
            response.stability.extend(pb.PopulationStability(name=n, index=v) for n, v in view.stability.items())
        return response

    async def SuggestCities(self, request: pb.SuggestCitiesRequest, context: grpc.aio.ServicerContext):
        validate(request)
        # Off the event loop: the first call builds the gazetteer's prefix index.
        found = await asyncio.to_thread(
            self._gazetteer.cities_starting_with, request.prefix, request.limit or DEFAULT_CITY_LIMIT
        )
        return pb.SuggestCitiesResponse(cities=[city(place) for place in found])

    async def GenerateTransactions(self, request: pb.GenerateTransactionsRequest, context: grpc.aio.ServicerContext):
        validate(request)
        # Off the event loop: generating is CPU work (seconds for a population's first batch).
        transactions = await asyncio.to_thread(self._streams.take, request.users, request.count)
        return pb.GenerateTransactionsResponse(transactions=transactions)

    async def CheckRuleExpression(
        self, request: pb.CheckRuleExpressionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CheckRuleExpressionResponse:
        validate(request)
        try:
            # Off the event loop: checking compiles the expression and runs it once on a sample.
            await asyncio.to_thread(check_expression, request.expression, request.list_names)
        except InvalidExpression as error:
            return pb.CheckRuleExpressionResponse(
                valid=False, message=error.detail, line=error.line or 0, column=error.column or 0, rule=error.rule
            )
        return pb.CheckRuleExpressionResponse(valid=True)

    async def EvaluateDraftRule(
        self, request: pb.EvaluateDraftRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.EvaluateDraftRuleResponse:
        validate(request)
        if self._draft_rules is None:
            raise FailedPrecondition("this server has no rule set to evaluate a draft beside")
        draft = draft_from_definition(request.draft)
        # Off the event loop: compiling and evaluating are CPU work (the interpreter, row by row).
        effects = await asyncio.to_thread(self._draft_rules.evaluate, draft, request.transactions)
        return pb.EvaluateDraftRuleResponse(
            effects=[
                pb.DraftRuleEffect(
                    matched=effect.matched,
                    decision_without=DECISION_VALUES[effect.decision_without],
                    decision_with=DECISION_VALUES[effect.decision_with],
                )
                for effect in effects
            ],
            rule_set_version=self._draft_rules.version(),
        )
