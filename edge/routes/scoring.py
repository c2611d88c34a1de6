"""What-if scoring, model versions and city suggestions: scoring_svc over REST."""

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from fraud.v1 import scoring_service_pb2

from edge.context import EdgeContext
from edge.rest_models import (
    INVALID,
    UNAVAILABLE,
    ActivatedOut,
    CitiesOut,
    DecisionOut,
    ErrorOut,
    ModelDriftOut,
    ModelsOut,
    ShadowStoppedOut,
    TransactionIn,
)
from edge.route_table import RouteBinding
from fraudmesh.conversions.rest import decision_object, model_object, transaction_input


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

    async def stop_shadow_model(
        version: Annotated[str, Path(min_length=1, max_length=128, description="The shadow model's version.")],
    ) -> JSONResponse:
        response = await context.upstreams.scoring.StopShadowModel(
            scoring_service_pb2.StopShadowModelRequest(version=version), timeout=context.timeout
        )
        return JSONResponse({"model": model_object(response.model)})

    async def get_model_drift() -> JSONResponse:
        response = await context.upstreams.scoring.GetModelDrift(
            scoring_service_pb2.GetModelDriftRequest(), timeout=context.timeout
        )
        return JSONResponse(
            {
                "model_version": response.model_version,
                "window_transactions": response.window_transactions,
                "window_capacity": response.window_capacity,
                "min_transactions": response.min_transactions,
                "stability": [{"name": s.name, "index": s.index} for s in response.stability],
            }
        )

    async def suggest_cities(
        prefix: Annotated[str, Query(min_length=1, max_length=64, description="Start of the city's name.")],
        limit: Annotated[int | None, Query(ge=1, le=50, description="Most cities returned; default 10.")] = None,
    ) -> JSONResponse:
        response = await context.upstreams.scoring.SuggestCities(
            scoring_service_pb2.SuggestCitiesRequest(prefix=prefix, limit=limit or 0), timeout=context.timeout
        )
        return JSONResponse(
            {"cities": [{"name": c.name, "country": c.country, "lat": c.lat, "lon": c.lon} for c in response.cities]}
        )

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
        RouteBinding(
            "fraud.v1.ScoringService/StopShadowModel",
            stop_shadow_model,
            summary="Stop scoring a version as the shadow model (the active model stays)",
            response_model=ShadowStoppedOut,
            responses={409: {"model": ErrorOut}, **INVALID, **UNAVAILABLE},
            tags=["scoring"],
        ),
        RouteBinding(
            "fraud.v1.ScoringService/GetModelDrift",
            get_model_drift,
            summary="Population stability of the score and each feature over scoring's recent window, "
            "against the active model's training data",
            response_model=ModelDriftOut,
            responses=UNAVAILABLE,
            tags=["scoring"],
        ),
        RouteBinding(
            "fraud.v1.ScoringService/SuggestCities",
            suggest_cities,
            summary="Cities whose name starts with the prefix (case and accents ignored), most populous first, "
            "from the gazetteer scoring places transactions with",
            response_model=CitiesOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["scoring"],
        ),
    ]
