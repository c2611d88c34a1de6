"""A shadow comparison as its CompareShadowResponse."""

from __future__ import annotations

from fraud.v1 import store_service_pb2

from store_svc.shadow_comparison import ModelFigures, ShadowComparison


def comparison_response(comparison: ShadowComparison) -> store_service_pb2.CompareShadowResponse:
    return store_service_pb2.CompareShadowResponse(
        compared=comparison.compared,
        truncated=comparison.truncated,
        limit=comparison.limit,
        agreed=comparison.agreed,
        score_correlation=comparison.score_correlation,
        labelled=comparison.labelled,
        labelled_fraud=comparison.labelled_fraud,
        active=_figures(comparison.active),
        shadow=_figures(comparison.shadow),
    )


def _figures(figures: ModelFigures) -> store_service_pb2.ModelFigures:
    return store_service_pb2.ModelFigures(
        version=figures.version,
        approved=figures.approved,
        reviewed=figures.reviewed,
        declined=figures.declined,
        mean_score=figures.mean_score,
        average_precision=figures.average_precision,
        precision_at_review=figures.precision_at_review,
        recall_at_review=figures.recall_at_review,
        precision_at_decline=figures.precision_at_decline,
        recall_at_decline=figures.recall_at_decline,
    )
