"""What-if scoring and model versions: scoring_svc over REST."""

from typing import Annotated

from fastapi import Path
from fastapi.responses import JSONResponse
from fraud.v1 import scoring_service_pb2

from edge.context import EdgeContext
from edge.conversions import decision_object, model_object, transaction_input
from edge.rest_models import ActivatedOut, DecisionOut, ErrorOut, ModelsOut, TransactionIn
from edge.route_table import RouteBinding

INVALID = {422: {"model": ErrorOut}}
UNAVAILABLE = {503: {"model": ErrorOut}}


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def score_transaction(transaction: TransactionIn) -> JSONResponse:
        message = transaction_input(transaction)
        response = await context.upstreams.scoring.ScoreTransaction(
            scoring_service_pb2.ScoreTransactionRequest(transaction=message), timeout=context.timeout
        )
        return JSONResponse(decision_object(response.result))

    async def list_models() -> JSONResponse:
        response = await context.upstreams.scoring.ListModels(
            scoring_service_pb2.ListModelsRequest(), timeout=context.timeout
        )
        return JSONResponse({"models": [model_object(m) for m in response.models]})

    async def activate_model(
        version: Annotated[str, Path(min_length=1, max_length=128, description="The model version.")],
    ) -> JSONResponse:
        response = await context.upstreams.scoring.ActivateModel(
            scoring_service_pb2.ActivateModelRequest(version=version), timeout=context.timeout
        )
        return JSONResponse({"model": model_object(response.model)})

    return [
        RouteBinding(
            "fraud.v1.ScoringService/ScoreTransaction",
            score_transaction,
            summary="Score a transaction without storing it (what-if)",
            response_model=DecisionOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["scoring"],
        ),
        RouteBinding(
            "fraud.v1.ScoringService/ListModels",
            list_models,
            summary="Model versions scoring can serve",
            response_model=ModelsOut,
            responses=UNAVAILABLE,
            tags=["scoring"],
        ),
        RouteBinding(
            "fraud.v1.ScoringService/ActivateModel",
            activate_model,
            summary="Make a model version the active one",
            response_model=ActivatedOut,
            responses={404: {"model": ErrorOut}, **INVALID, **UNAVAILABLE},
            tags=["scoring"],
        ),
    ]
