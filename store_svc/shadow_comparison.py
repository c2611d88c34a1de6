"""A shadow model against the active one on the same live traffic, from the stored decisions alone.

The decisions compared are those the active model took, since an instant, that carry the shadow
model's score: each model's decision comes from its own score and thresholds (not the stored
decision, which analysts' rules may have changed), so agreement measures the models and nothing
else. Decisions whose stored score an ADD_SCORE rule moved (a `rule:` reason that contributed) are
left out: their score is no longer the active model's own. On the labelled ones each model gets its average precision (as scikit-learn computes it,
ties taken together) and its precision and recall at its review and decline thresholds. One
statement, newest decisions first, at most `limit` of them so a long window stays cheap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.errors import Unavailable
from store_svc.db_errors import unavailable_when_unreachable

DEFAULT_LIMIT = 100_000
STATEMENT_TIMEOUT_MS = 10_000
QUERY_CANCELED = "57014"


@dataclass(frozen=True)
class ComparedModel:
    version: str
    review_threshold: float
    decline_threshold: float


@dataclass(frozen=True)
class ModelFigures:
    version: str
    approved: int
    reviewed: int
    declined: int
    mean_score: float
    average_precision: float | None
    precision_at_review: float | None
    recall_at_review: float | None
    precision_at_decline: float | None
    recall_at_decline: float | None


@dataclass(frozen=True)
class ShadowComparison:
    compared: int
    truncated: bool
    limit: int
    agreed: int
    score_correlation: float | None
    labelled: int
    labelled_fraud: int
    active: ModelFigures
    shadow: ModelFigures


def _decision(score: str, side: str) -> str:
    return (
        f"CASE WHEN {score} >= :{side}_decline THEN 'DECLINE' "
        f"WHEN {score} >= :{side}_review THEN 'REVIEW' ELSE 'APPROVE' END"
    )


def _average_precision(score: str) -> str:
    """Σ over distinct scores, highest first, of (frauds at that score / all frauds) times precision down
    to it: scikit-learn's average_precision_score. `score` is one of this module's column names."""
    return f"""(
        SELECT sum(here_fraud * above_fraud::float8 / above_all) / nullif(sum(here_fraud), 0)
        FROM (
            SELECT here_fraud, sum(here_fraud) OVER w AS above_fraud, sum(here_all) OVER w AS above_all
            FROM (
                SELECT {score} AS score, count(*) FILTER (WHERE fraud) AS here_fraud, count(*) AS here_all
                FROM compared WHERE fraud IS NOT NULL GROUP BY {score}
            ) AS by_score
            WINDOW w AS (ORDER BY score DESC)
        ) AS cumulative
    )"""  # noqa: S608


def _figures(side: str) -> str:
    score, decision = f"{side}_score", f"{side}_decision"
    flagged, declined = f"{decision} <> 'APPROVE'", f"{decision} = 'DECLINE'"
    return f""",
        count(*) FILTER (WHERE {decision} = 'APPROVE') AS {side}_approved,
        count(*) FILTER (WHERE {decision} = 'REVIEW') AS {side}_reviewed,
        count(*) FILTER (WHERE {declined}) AS {side}_declined,
        coalesce(avg({score}), 0) AS {side}_mean_score,
        {_average_precision(score)} AS {side}_average_precision,
        (count(*) FILTER (WHERE {flagged} AND fraud))::float8
            / nullif(count(*) FILTER (WHERE {flagged} AND fraud IS NOT NULL), 0) AS {side}_precision_at_review,
        (count(*) FILTER (WHERE {flagged} AND fraud))::float8
            / nullif(count(*) FILTER (WHERE fraud), 0) AS {side}_recall_at_review,
        (count(*) FILTER (WHERE {declined} AND fraud))::float8
            / nullif(count(*) FILTER (WHERE {declined} AND fraud IS NOT NULL), 0) AS {side}_precision_at_decline,
        (count(*) FILTER (WHERE {declined} AND fraud))::float8
            / nullif(count(*) FILTER (WHERE fraud), 0) AS {side}_recall_at_decline"""


# Only fixed text is formatted in; every value is a bound parameter.
COMPARISON = sa.text(f"""
    WITH window_rows AS (
        SELECT t.occurred_at, t.id, t.score AS active_score, (s.entry ->> 'score')::float8 AS shadow_score,
               CASE t.label WHEN 'FRAUD' THEN true WHEN 'LEGITIMATE' THEN false END AS fraud
        FROM transactions AS t
        CROSS JOIN LATERAL (
            SELECT entry FROM jsonb_array_elements(t.shadow_scores) AS entry
            WHERE entry ->> 'model_version' = :shadow_version LIMIT 1
        ) AS s
        WHERE t.model_version = :active_version AND t.occurred_at >= :since
          AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(t.reasons) AS r
            WHERE left(r ->> 'feature', 5) = 'rule:' AND (r ->> 'contribution')::float8 <> 0
          )
        ORDER BY t.occurred_at DESC, t.id DESC
        LIMIT :limit + 1
    ), compared AS (
        SELECT *, {_decision("active_score", "active")} AS active_decision,
               {_decision("shadow_score", "shadow")} AS shadow_decision
        FROM (SELECT * FROM window_rows ORDER BY occurred_at DESC, id DESC LIMIT :limit) AS newest
    )
    SELECT
        count(*) AS compared,
        (SELECT count(*) FROM window_rows) > :limit AS truncated,
        count(*) FILTER (WHERE active_decision = shadow_decision) AS agreed,
        corr(active_score, shadow_score) AS score_correlation,
        count(*) FILTER (WHERE fraud IS NOT NULL) AS labelled,
        count(*) FILTER (WHERE fraud) AS labelled_fraud
        {_figures("active")}
        {_figures("shadow")}
    FROM compared
""")  # noqa: S608


class ShadowComparisons:
    def __init__(self, engine: AsyncEngine, limit: int = DEFAULT_LIMIT) -> None:
        self._engine = engine
        self._limit = limit

    async def compare(self, active: ComparedModel, shadow: ComparedModel, since: datetime) -> ShadowComparison:
        parameters = {
            "active_version": active.version,
            "active_review": active.review_threshold,
            "active_decline": active.decline_threshold,
            "shadow_version": shadow.version,
            "shadow_review": shadow.review_threshold,
            "shadow_decline": shadow.decline_threshold,
            "since": since,
            "limit": self._limit,
        }
        with unavailable_when_unreachable(), _cut_short_as_unavailable():
            async with self._engine.begin() as connection:
                # Rows without the shadow's score are read too, so a window where few carry it reads
                # far more than `limit`: the statement's time is what bounds it.
                await connection.execute(sa.text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
                row = (await connection.execute(COMPARISON, parameters)).mappings().one()
        return ShadowComparison(
            compared=int(row["compared"]),
            truncated=bool(row["truncated"]),
            limit=self._limit,
            agreed=int(row["agreed"]),
            score_correlation=_optional(row["score_correlation"]),
            labelled=int(row["labelled"]),
            labelled_fraud=int(row["labelled_fraud"]),
            active=_model_figures(row, "active", active.version),
            shadow=_model_figures(row, "shadow", shadow.version),
        )


@contextmanager
def _cut_short_as_unavailable() -> Iterator[None]:
    try:
        yield
    except exc.DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != QUERY_CANCELED:
            raise
        raise Unavailable(
            f"the comparison took longer than {STATEMENT_TIMEOUT_MS // 1000} s; try a shorter window"
        ) from error


def _optional(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _model_figures(row: sa.RowMapping, side: str, version: str) -> ModelFigures:
    return ModelFigures(
        version=version,
        approved=int(row[f"{side}_approved"]),
        reviewed=int(row[f"{side}_reviewed"]),
        declined=int(row[f"{side}_declined"]),
        mean_score=float(row[f"{side}_mean_score"]),
        average_precision=_optional(row[f"{side}_average_precision"]),
        precision_at_review=_optional(row[f"{side}_precision_at_review"]),
        recall_at_review=_optional(row[f"{side}_recall_at_review"]),
        precision_at_decline=_optional(row[f"{side}_precision_at_decline"]),
        recall_at_decline=_optional(row[f"{side}_recall_at_decline"]),
    )
