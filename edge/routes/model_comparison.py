"""A shadow model against the active one on the same live traffic: which two models and their
thresholds come from scoring as it serves them now, the figures from store's stored decisions."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from fraud.v1 import scoring_service_pb2, store_service_pb2

from edge.context import EdgeContext
from edge.model_comparison_models import ModelComparisonOut
from edge.rest_models import INVALID, UNAVAILABLE
from edge.route_table import RouteBinding
from fraudmesh.conversions.time import timestamp_from

MAX_DAYS = 90


def _compared(model: scoring_service_pb2.ModelInfo) -> store_service_pb2.ComparedModel:
    return store_service_pb2.ComparedModel(
        version=model.version, review_threshold=model.review_threshold, decline_threshold=model.decline_threshold
    )


def _figures(figures: store_service_pb2.ModelFigures) -> dict[str, Any]:
    def optional(name: str) -> float | None:
        return getattr(figures, name) if figures.HasField(name) else None

    return {
        "version": figures.version,
        "approved": figures.approved,
        "reviewed": figures.reviewed,
        "declined": figures.declined,
        "mean_score": figures.mean_score,
        **{
            name: optional(name)
            for name in (
                "average_precision",
                "precision_at_review",
                "recall_at_review",
                "precision_at_decline",
                "recall_at_decline",
            )
        },
    }


def comparison_object(response: store_service_pb2.CompareShadowResponse) -> dict[str, Any]:
    return {
        "compared": response.compared,
        "truncated": response.truncated,
        "limit": response.limit,
        "agreed": response.agreed,
        "score_correlation": response.score_correlation if response.HasField("score_correlation") else None,
        "labelled": response.labelled,
        "labelled_fraud": response.labelled_fraud,
        "active": _figures(response.active),
        "shadow": _figures(response.shadow),
    }


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def compare_shadow(
        days: Annotated[
            int, Query(ge=1, le=MAX_DAYS, description="Window: transactions of the last this many days (default 7).")
        ] = 7,
    ) -> JSONResponse:
        since = datetime.now(UTC) - timedelta(days=days)
        answer: dict[str, Any] = {"days": days, "since": since.isoformat(), "comparison": None}
        models = await context.upstreams.scoring.ListModels(
            scoring_service_pb2.ListModelsRequest(), timeout=context.timeout
        )
        active = next((m for m in models.models if m.active), None)
        shadow = next((m for m in models.models if m.shadow), None)
        if active is None or shadow is None:
            return JSONResponse(answer)
        response = await context.upstreams.store.CompareShadow(
            store_service_pb2.CompareShadowRequest(
                active=_compared(active), shadow=_compared(shadow), since=timestamp_from(since)
            ),
            timeout=context.timeout,
        )
        return JSONResponse({**answer, "comparison": comparison_object(response)})

    return [
        RouteBinding(
            "fraud.v1.StoreService/CompareShadow",
            compare_shadow,
            summary="The shadow model against the active one on the same live traffic: decisions, "
            "agreement, scores and, on labelled transactions, average precision, precision and recall",
            response_model=ModelComparisonOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["scoring"],
        ),
    ]
