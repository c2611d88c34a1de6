"""RuleService.PreviewRule: a draft rule over the stored decisions of the last days, before anyone
activates it. Store reads the decisions (bounded: docs/limits.md) and hands them, a chunk at a time,
to scoring's EvaluateDraftRule, which alone has the rule engine, the lists and the thresholds; store
counts what changes and which labelled frauds and legitimate transactions the draft meets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import grpc
import sqlalchemy as sa
from fraud.v1 import decision_pb2, rule_service_pb2, scoring_service_pb2, scoring_service_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmesh.conversions.money import to_major_units
from fraudmesh.conversions.rows import fill_transaction_and_label
from fraudmesh.conversions.time import timestamp_from
from fraudmesh.errors import FailedPrecondition, FieldViolation, InvalidArgument, Unavailable
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.rule_checking import ExpressionChecker
from store_svc.rule_list_repository import RuleListRepository
from store_svc.schema import transactions

DEFAULT_DAYS = 7  # the contract's 0; at most 30 (PreviewRuleRequest.days)
# The newest this many decisions of the window are evaluated; the answer says when there were more.
# Bounded so that a preview answers within the edge's deadline (UPSTREAM_TIMEOUT_SECONDS) even when
# the draft falls to the CEL interpreter, one decision at a time.
MAX_ROWS = 10_000
# Decisions per EvaluateDraftRule call (the contract's own bound).
CHUNK = 1000
# Matched transactions listed by id in each sample (frauds, legitimate); all are counted.
SAMPLE = 50
EVALUATE_TIMEOUT_SECONDS = 5.0

_REVIEW, _DECLINE = decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE

# What the draft reads, nothing more (reasons, shadow scores and times stay in the table).
_COLUMNS = [
    transactions.c[name]
    for name in (
        "id",
        "user_id",
        "amount_minor",
        "currency",
        "city",
        "country",
        "lat",
        "lon",
        "merchant_id",
        "channel",
        "occurred_at",
        "received_at",
        "score",
        "decision",
        "features",
        "label",
        "labelled_at",
    )
]


class RulePreview:
    def __init__(
        self,
        engine: AsyncEngine,
        scoring: grpc.aio.Channel,
        checker: ExpressionChecker,
        lists: RuleListRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_rows: int = MAX_ROWS,
    ) -> None:
        self._max_rows = max_rows
        self._engine = engine
        self._scoring = scoring_service_pb2_grpc.ScoringServiceStub(scoring)
        self._checker = checker
        self._lists = lists
        self._clock = clock

    async def preview(self, request: rule_service_pb2.PreviewRuleRequest) -> rule_service_pb2.PreviewRuleResponse:
        _check_score_delta(request)
        names = {named.name for named in await self._lists.list_lists()}
        await self._checker.check(request.expression, names)
        days = request.days or DEFAULT_DAYS
        since = self._clock() - timedelta(days=days)
        decisions, truncated = await self._read(since)
        draft = rule_service_pb2.RuleDefinition(
            name="draft",
            expression=request.expression,
            action=request.action,
            score_delta=request.score_delta,
            priority=request.priority,
            status=rule_service_pb2.RULE_STATUS_ACTIVE,
        )
        answer = rule_service_pb2.PreviewRuleResponse(days=days, scanned=len(decisions), truncated=truncated)
        answer.since.CopyFrom(timestamp_from(since))
        for start in range(0, len(decisions), CHUNK):
            chunk = decisions[start : start + CHUNK]
            evaluated = await self._evaluate(draft, chunk)
            answer.rule_set_version = evaluated.rule_set_version
            _count(answer, chunk, evaluated.effects)
        return answer

    async def _read(self, since: datetime) -> tuple[list[decision_pb2.ScoredTransaction], bool]:
        query = (
            sa.select(*_COLUMNS)
            .where(transactions.c.occurred_at >= since)
            .order_by(transactions.c.occurred_at.desc(), transactions.c.id.desc())
            .limit(self._max_rows + 1)
        )
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                rows = (await connection.execute(query)).mappings().all()
        return [_stored(row) for row in rows[: self._max_rows]], len(rows) > self._max_rows

    async def _evaluate(
        self, draft: rule_service_pb2.RuleDefinition, chunk: Sequence[decision_pb2.ScoredTransaction]
    ) -> scoring_service_pb2.EvaluateDraftRuleResponse:
        request = scoring_service_pb2.EvaluateDraftRuleRequest(draft=draft, transactions=chunk)
        try:
            return await self._scoring.EvaluateDraftRule(request, timeout=EVALUATE_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise Unavailable(
                    f"scoring_svc could not evaluate the draft ({error.code().name}); retry later"
                ) from error
            raise FailedPrecondition(
                f"scoring_svc refused to evaluate the draft ({error.code().name}): {error.details()}"
            ) from error


def _stored(row) -> decision_pb2.ScoredTransaction:
    stored = decision_pb2.ScoredTransaction(
        score=row["score"], decision=DECISION_VALUES[row["decision"]], features=row["features"]
    )
    fill_transaction_and_label(stored, row)
    return stored


def _check_score_delta(request: rule_service_pb2.PreviewRuleRequest) -> None:
    adds = request.action == rule_service_pb2.RULE_ACTION_ADD_SCORE
    if adds and request.score_delta == 0:
        raise InvalidArgument(
            [FieldViolation("score_delta", "rule.score_delta", "ADD_SCORE needs a non-zero score_delta")]
        )
    if not adds and request.score_delta != 0:
        raise InvalidArgument(
            [FieldViolation("score_delta", "rule.score_delta", "only an ADD_SCORE rule carries a score_delta")]
        )


def _count(
    answer: rule_service_pb2.PreviewRuleResponse,
    chunk: Sequence[decision_pb2.ScoredTransaction],
    effects: Sequence[scoring_service_pb2.DraftRuleEffect],
) -> None:
    if len(effects) != len(chunk):
        raise FailedPrecondition(f"scoring_svc answered {len(effects)} effects for {len(chunk)} decisions")
    for decision, effect in zip(chunk, effects, strict=True):
        answer.reviews_without += effect.decision_without == _REVIEW
        answer.reviews_with += effect.decision_with == _REVIEW
        answer.declines_without += effect.decision_without == _DECLINE
        answer.declines_with += effect.decision_with == _DECLINE
        if not effect.matched:
            continue
        answer.matched += 1
        if decision.label == decision_pb2.LABEL_FRAUD:
            answer.frauds_matched += 1
            sample = answer.frauds
        else:
            answer.legitimate_matched += 1
            sample = answer.legitimate
        if len(sample) < SAMPLE:
            sample.append(_previewed(decision, effect))


def _previewed(
    decision: decision_pb2.ScoredTransaction, effect: scoring_service_pb2.DraftRuleEffect
) -> rule_service_pb2.PreviewedTransaction:
    transaction = decision.transaction
    previewed = rule_service_pb2.PreviewedTransaction(
        id=transaction.id,
        user_id=transaction.input.user_id,
        merchant_id=transaction.input.merchant_id,
        currency=transaction.input.amount.currency,
        score=decision.score,
        label=decision.label,
        decision_without=effect.decision_without,
        decision_with=effect.decision_with,
    )
    previewed.amount = to_major_units(transaction.input.amount.minor_units, transaction.input.amount.currency)
    previewed.occurred_at.CopyFrom(transaction.input.occurred_at)
    return previewed
