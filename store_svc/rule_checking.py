"""Whether a rule's expression can run: scoring's rule engine alone knows what a rule may name (the
transaction's fields, the model's features), so store asks it (ScoringService.CheckRuleExpression)
before it keeps a rule, and refuses what it refuses with the line, column and reason."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import grpc
from fraud.v1 import scoring_service_pb2, scoring_service_pb2_grpc
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from fraudmesh.errors import FailedPrecondition, FieldViolation, InvalidArgument, Unavailable

CHECK_TIMEOUT_SECONDS = 5.0
CHECK_ATTEMPTS = 3
# Scoring restarting. A check that ran out of time is not tried again: the same expression would
# cost the same again (the caller still gets UNAVAILABLE, and may try later).
TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE})


class ExpressionChecker(Protocol):
    async def check(self, expression: str, list_names: Collection[str]) -> None:
        """Raises InvalidArgument (naming `field`) when the expression cannot run."""


def invalid_expression(
    field: str, message: str, line: int = 0, column: int = 0, rule: str = "rule.expression"
) -> InvalidArgument:
    where = f"line {line}, column {column}: " if line else ""
    return InvalidArgument([FieldViolation(field, rule or "rule.expression", where + message)])


class ScoringExpressionChecker:
    def __init__(self, channel: grpc.aio.Channel, field: str = "definition.expression") -> None:
        self._stub = scoring_service_pb2_grpc.ScoringServiceStub(channel)
        self._field = field

    async def check(self, expression: str, list_names: Collection[str]) -> None:
        request = scoring_service_pb2.CheckRuleExpressionRequest(expression=expression, list_names=sorted(list_names))
        try:
            # Bounded: scoring restarting is transient; after the last attempt the caller gets UNAVAILABLE.
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_transient),
                stop=stop_after_attempt(CHECK_ATTEMPTS),
                wait=wait_random_exponential(multiplier=0.2, max=2.0),
                reraise=True,
            ):
                with attempt:
                    answer = await self._stub.CheckRuleExpression(request, timeout=CHECK_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() in (*TRANSIENT, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise Unavailable(
                    f"scoring_svc could not check the expression ({error.code().name}); retry later"
                ) from error
            # Anything else is scoring refusing the question itself, which a retry would not change.
            raise FailedPrecondition(
                f"scoring_svc refused to check the expression ({error.code().name}): {error.details()}"
            ) from error
        if not answer.valid:
            raise invalid_expression(self._field, answer.message, answer.line, answer.column, answer.rule)


def _transient(error: BaseException) -> bool:
    return isinstance(error, grpc.aio.AioRpcError) and error.code() in TRANSIENT
