"""Store's own glue between its requests and its plain domain values; the messages <-> rows
conversions themselves are fraudmesh.conversions.rows."""

from __future__ import annotations

from fraud.v1 import store_service_pb2

from fraudmesh.conversions.enums import decision_name, stored_label_name
from fraudmesh.conversions.time import optional_datetime
from store_svc.filters import TransactionFilters
from store_svc.statistics import Statistics


def filters_from_request(request: store_service_pb2.ListTransactionsRequest) -> TransactionFilters:
    return TransactionFilters(
        user_id=request.user_id or None,
        decision=decision_name(request.decision) if request.decision else None,
        label=stored_label_name(request.label),
        min_score=request.min_score if request.HasField("min_score") else None,
        max_score=request.max_score if request.HasField("max_score") else None,
        since=optional_datetime(request, "since"),
        until=optional_datetime(request, "until"),
    )


def statistics_response(statistics: Statistics) -> store_service_pb2.GetStatisticsResponse:
    return store_service_pb2.GetStatisticsResponse(
        total=statistics.total,
        approved=statistics.approved,
        reviewed=statistics.reviewed,
        declined=statistics.declined,
        labelled_fraud=statistics.labelled_fraud,
        labelled_legitimate=statistics.labelled_legitimate,
        mean_score=statistics.mean_score,
    )
