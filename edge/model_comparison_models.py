"""The REST shapes of a shadow model's comparison with the active one (GET /api/models:compare)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelFiguresOut(BaseModel):
    version: str
    approved: int = Field(description="Compared decisions this model approves at its thresholds.")
    reviewed: int
    declined: int
    mean_score: float
    average_precision: float | None = Field(description="On the labelled decisions; null without a fraud label.")
    precision_at_review: float | None = Field(
        description="Of the labelled decisions it reviews or declines, the share labelled fraud; null if none."
    )
    recall_at_review: float | None = Field(
        description="Of the decisions labelled fraud, the share it reviews or declines; null without one."
    )
    precision_at_decline: float | None
    recall_at_decline: float | None


class ShadowComparisonOut(BaseModel):
    compared: int = Field(description="Decisions of the active model in the window that carry the shadow's score.")
    truncated: bool = Field(description="True when the window held more than `limit`; the newest were compared.")
    limit: int
    agreed: int = Field(description="Compared decisions on which both models decide alike.")
    score_correlation: float | None = Field(description="Pearson correlation of the two scores; null if undefined.")
    labelled: int = Field(description="Compared decisions with an analyst's label.")
    labelled_fraud: int
    active: ModelFiguresOut
    shadow: ModelFiguresOut


class ModelComparisonOut(BaseModel):
    days: int
    since: str = Field(description="Start of the window (RFC 3339): transactions that occurred at or after it.")
    comparison: ShadowComparisonOut | None = Field(description="Null when scoring runs no shadow model.")
