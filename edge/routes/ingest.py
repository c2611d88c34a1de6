"""Submitting transactions: one (optionally waiting for its decision) or a batch.

No `from __future__ import annotations` in route modules: FastAPI reads the endpoints' annotations,
which refer to values known only inside `bindings` (the settings' bounds)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import grpc
from fastapi import Header, Query
from fastapi.responses import JSONResponse
from fraud.v1 import ingest_service_pb2, store_service_pb2, transaction_pb2

from edge.context import EdgeContext
from edge.rest_models import (
    BatchOut,
    DecidedOut,
    ErrorOut,
    SubmitAccepted,
    SubmitPending,
    TransactionBatchIn,
    TransactionIn,
)
from edge.route_table import RouteBinding
from fraudmesh.conversions.rest import decision_object, transaction_input
from fraudmesh.conversions.time import rfc3339
from fraudmesh.errors import InvalidArgument

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "A field broke a rule; `violations` names each."}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "An upstream service is unavailable; retry later."}
}


def _accepted(response: ingest_service_pb2.SubmitTransactionResponse) -> dict[str, Any]:
    return {
        "id": response.transaction_id,
        "duplicate": response.duplicate,
        "received_at": rfc3339(response.received_at, response.HasField("received_at")),
    }


def transaction_submitter(
    context: EdgeContext,
) -> Callable[[TransactionIn, int | None, str | None], Awaitable[JSONResponse]]:
    """What POST /api/transaction does once its inputs are parsed; shared by the FastAPI route and
    the lean one in front of it (edge/submit_route.py)."""

    async def decided(transaction_id: str, duplicate: bool, wait_seconds: float) -> dict[str, Any] | None:
        event = context.hub.find(transaction_id)
        if event is not None:
            return event.data
        if duplicate:
            # The first submission may have been decided long ago, before the ring's window.
            try:
                stored = await context.upstreams.store.GetTransaction(
                    store_service_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=context.timeout
                )
                return decision_object(stored.transaction)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
        event = await context.hub.wait_for(transaction_id, wait_seconds)
        return event.data if event is not None else None

    async def send(
        request: ingest_service_pb2.SubmitTransactionRequest,
    ) -> ingest_service_pb2.SubmitTransactionResponse:
        # Answers (and fails) alike either way: the coalescer gives each submission its own outcome.
        if context.coalesce_submissions:
            return await context.upstreams.submissions.submit(request, context.timeout)
        return await context.upstreams.ingest.SubmitTransaction(request, timeout=context.timeout)

    async def submit(transaction: TransactionIn, wait_ms: int | None, idempotency_key: str | None) -> JSONResponse:
        message = transaction_input(transaction, idempotency_key)
        response = await send(ingest_service_pb2.SubmitTransactionRequest(transaction=message))
        accepted = {**_accepted(response), "status": "pending"}
        if wait_ms is None:
            return JSONResponse(accepted, status_code=201)
        decision = await decided(response.transaction_id, response.duplicate, wait_ms / 1000)
        if decision is None:
            return JSONResponse({"id": response.transaction_id, "status": "pending"}, status_code=202)
        return JSONResponse({**decision, "status": "decided"}, status_code=200)

    return submit


def bindings(context: EdgeContext) -> list[RouteBinding]:
    settings = context.settings
    submit = transaction_submitter(context)

    async def submit_transaction(
        transaction: TransactionIn,
        wait_ms: Annotated[
            int | None,
            Query(
                ge=0,
                le=settings.wait_ms_max,
                description="Wait up to this many milliseconds for the decision: 200 with it, or 202 if it has "
                "not arrived. Without it the answer is 201 at once.",
            ),
        ] = None,
        idempotency_key: Annotated[
            str | None, Header(description="Same as the body's idempotency_key (which wins if both are sent).")
        ] = None,
    ) -> JSONResponse:
        return await submit(transaction, wait_ms, idempotency_key)

    async def submit_transactions(batch: TransactionBatchIn) -> JSONResponse:
        messages = _batch_inputs(batch)
        response = await context.upstreams.ingest.SubmitTransactions(
            ingest_service_pb2.SubmitTransactionsRequest(transactions=messages), timeout=context.timeout
        )
        return JSONResponse({"results": [_accepted(result) for result in response.results]}, status_code=201)

    return [
        RouteBinding(
            "fraud.v1.IngestService/SubmitTransaction",
            submit_transaction,
            summary="Submit one transaction",
            status_code=201,
            response_model=SubmitAccepted,
            responses={
                200: {"model": DecidedOut, "description": "With ?wait_ms: the decision arrived in time."},
                202: {"model": SubmitPending, "description": "With ?wait_ms: accepted, decision not yet made."},
                **INVALID,
                413: {"model": ErrorOut, "description": "Body larger than the limit."},
                **UNAVAILABLE,
            },
            tags=["transactions"],
        ),
        RouteBinding(
            "fraud.v1.IngestService/SubmitTransactions",
            submit_transactions,
            summary="Submit up to 1000 transactions at once (all or none)",
            status_code=201,
            response_model=BatchOut,
            responses={**INVALID, 413: {"model": ErrorOut}, **UNAVAILABLE},
            tags=["transactions"],
        ),
    ]


def _batch_inputs(batch: TransactionBatchIn) -> list[transaction_pb2.TransactionInput]:
    """Every transaction's proto; the violations of all of them in one answer, each under its index."""
    messages, violations = [], []
    for index, transaction in enumerate(batch.transactions):
        try:
            messages.append(transaction_input(transaction, prefix=f"transactions[{index}]."))
        except InvalidArgument as error:
            violations.extend(error.violations)
    if violations:
        raise InvalidArgument(violations)
    return messages
