"""Reading decided transactions, labelling them, and statistics: store_svc over REST."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from fraud.v1 import store_service_pb2

from edge.context import EdgeContext
from edge.rest_models import (
    INVALID,
    UNAVAILABLE,
    DeadLetterOut,
    DeadLetterPageOut,
    DeadLetterReplayOut,
    DecisionName,
    DecisionOut,
    ErrorOut,
    LabelIn,
    LabelName,
    StatsOut,
    TransactionPageOut,
)
from edge.route_table import RouteBinding
from fraudmesh.conversions.enums import label_value
from fraudmesh.conversions.rest import dead_letter_object, decision_object, list_request, stats_object
from fraudmesh.conversions.time import timestamp_from

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No transaction with this id."}}
TransactionId = Annotated[str, Path(min_length=1, max_length=64, description="The transaction's id.")]
DeadLetterId = Annotated[str, Path(min_length=1, max_length=64, description="The dead letter's id.")]
NO_DEAD_LETTER: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No dead letter with this id."}
}


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def get_transaction(transaction_id: TransactionId) -> JSONResponse:
        response = await context.upstreams.store.GetTransaction(
            store_service_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=context.timeout
        )
        return JSONResponse(decision_object(response.transaction))

    async def list_transactions(
        user_id: Annotated[str | None, Query(max_length=64, description="Only this user's.")] = None,
        decision: Annotated[DecisionName | None, Query(description="Only this decision.")] = None,
        min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
        max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
        since: Annotated[datetime | None, Query(description="Occurred at or after, ISO 8601.")] = None,
        until: Annotated[datetime | None, Query(description="Occurred before, ISO 8601.")] = None,
        label: Annotated[LabelName | None, Query(description="Only those an analyst labelled so.")] = None,
        page_size: Annotated[int | None, Query(ge=1, le=500, description="Default 50.")] = None,
        page_token: Annotated[str | None, Query(max_length=256, description="The last page's next_page_token.")] = None,
        order: Annotated[
            Literal["newest", "oldest"], Query(description="newest (default) or oldest first.")
        ] = "newest",
    ) -> JSONResponse:
        request = list_request(
            user_id, decision, min_score, max_score, since, until, label, page_size, page_token, order
        )
        response = await context.upstreams.store.ListTransactions(request, timeout=context.timeout)
        return JSONResponse(
            {
                "transactions": [decision_object(t) for t in response.transactions],
                "next_page_token": response.next_page_token,
            }
        )

    async def label_transaction(transaction_id: TransactionId, label: LabelIn) -> JSONResponse:
        response = await context.upstreams.store.LabelTransaction(
            store_service_pb2.LabelTransactionRequest(
                transaction_id=transaction_id, label=label_value(label.label), analyst=label.analyst or ""
            ),
            timeout=context.timeout,
        )
        return JSONResponse(decision_object(response.transaction))

    async def get_statistics(
        since: Annotated[datetime | None, Query(description="Count from this instant; default: everything.")] = None,
    ) -> JSONResponse:
        request = store_service_pb2.GetStatisticsRequest()
        if since is not None:
            request.since.CopyFrom(timestamp_from(since))
        response = await context.upstreams.store.GetStatistics(request, timeout=context.timeout)
        return JSONResponse(stats_object(response))

    async def list_dead_letters(
        hop: Annotated[str | None, Query(max_length=32, description="Only those this hop set aside.")] = None,
        not_replayed: Annotated[bool, Query(description="Only those not replayed yet.")] = False,
        page_size: Annotated[int | None, Query(ge=1, le=500, description="Default 50.")] = None,
        page_token: Annotated[str | None, Query(max_length=256, description="The last page's next_page_token.")] = None,
    ) -> JSONResponse:
        response = await context.upstreams.store.ListDeadLetters(
            store_service_pb2.ListDeadLettersRequest(
                hop=hop or "", not_replayed=not_replayed, page_size=page_size or 0, page_token=page_token or ""
            ),
            timeout=context.timeout,
        )
        return JSONResponse(
            {
                "dead_letters": [dead_letter_object(letter) for letter in response.dead_letters],
                "next_page_token": response.next_page_token,
                "total": response.total,
            }
        )

    async def get_dead_letter(id: DeadLetterId) -> JSONResponse:
        response = await context.upstreams.store.GetDeadLetter(
            store_service_pb2.GetDeadLetterRequest(id=id), timeout=context.timeout
        )
        return JSONResponse(dead_letter_object(response.dead_letter, with_payload=True))

    async def replay_dead_letter(id: DeadLetterId) -> JSONResponse:
        response = await context.upstreams.store.ReplayDeadLetter(
            store_service_pb2.ReplayDeadLetterRequest(id=id), timeout=context.timeout
        )
        return JSONResponse(
            {"dead_letter": dead_letter_object(response.dead_letter), "transaction_id": response.transaction_id}
        )

    return [
        RouteBinding(
            "fraud.v1.StoreService/ListDeadLetters",
            list_dead_letters,
            summary="Records a hop set aside (dead letters), newest first, a page at a time",
            response_model=DeadLetterPageOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["dead letters"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/GetDeadLetter",
            get_dead_letter,
            summary="One dead letter with its original bytes",
            response_model=DeadLetterOut,
            responses={**NO_DEAD_LETTER, **INVALID, **UNAVAILABLE},
            tags=["dead letters"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/ReplayDeadLetter",
            replay_dead_letter,
            summary="Send a dead letter's transaction back through the normal path (idempotent)",
            response_model=DeadLetterReplayOut,
            responses={
                **NO_DEAD_LETTER,
                **INVALID,
                **UNAVAILABLE,
                409: {"model": ErrorOut, "description": "Not a transaction."},
            },
            tags=["dead letters"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/GetTransaction",
            get_transaction,
            summary="One transaction with its decision",
            response_model=DecisionOut,
            responses={**NOT_FOUND, **INVALID, **UNAVAILABLE},
            tags=["transactions"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/ListTransactions",
            list_transactions,
            summary="Transactions with filters, newest first, a page at a time",
            response_model=TransactionPageOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["transactions"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/LabelTransaction",
            label_transaction,
            summary="Record an analyst's verdict on a transaction",
            response_model=DecisionOut,
            responses={**NOT_FOUND, **INVALID, **UNAVAILABLE},
            tags=["transactions"],
        ),
        RouteBinding(
            "fraud.v1.StoreService/GetStatistics",
            get_statistics,
            summary="Counts of decisions and labels, and the mean score",
            response_model=StatsOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["statistics"],
        ),
    ]
