"""The case queue over REST (CaseService, served by store_svc)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse
from fraud.v1 import case_service_pb2

from edge.case_models import (
    AssignIn,
    CaseClosedOut,
    CaseDetailOut,
    CaseOnlyOut,
    CaseOrderName,
    CasePageOut,
    CaseStatusName,
    NoteAddedOut,
    NoteIn,
    StatusIn,
)
from edge.context import EdgeContext
from edge.rest_models import INVALID, UNAVAILABLE, ErrorOut
from edge.route_table import RouteBinding
from fraudmesh.conversions.cases import case_object, note_object
from fraudmesh.conversions.enums import case_status_value
from fraudmesh.conversions.rest import decision_object
from fraudmesh.conversions.time import timestamp_from

NO_CASE: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No case with this id."}}
CaseId = Annotated[str, Path(min_length=1, max_length=64, description="The case's id (its transaction's id).")]
ORDERS = {
    "oldest": case_service_pb2.CASE_ORDER_UNSPECIFIED,
    "newest": case_service_pb2.CASE_ORDER_NEWEST_FIRST,
    "score": case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST,
}


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def list_cases(
        unlabelled: Annotated[bool, Query(description="Only cases whose transaction has no label yet.")] = False,
        assigned_to_me: Annotated[bool, Query(description="Only cases assigned to the caller.")] = False,
        assignee: Annotated[
            str | None, Query(max_length=200, description="Only cases assigned to this analyst.")
        ] = None,
        unassigned: Annotated[bool, Query(description="Only cases nobody is assigned to.")] = False,
        status: Annotated[
            list[CaseStatusName] | None, Query(max_length=4, description="Only these statuses (repeat the parameter).")
        ] = None,
        min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
        max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
        since: Annotated[datetime | None, Query(description="The transaction occurred at or after, ISO 8601.")] = None,
        until: Annotated[datetime | None, Query(description="The transaction occurred before, ISO 8601.")] = None,
        user_id: Annotated[str | None, Query(max_length=64, description="Only this customer's.")] = None,
        merchant_id: Annotated[str | None, Query(max_length=64, description="Only this merchant's.")] = None,
        order: Annotated[
            CaseOrderName, Query(description="oldest (default: the queue as it is worked), newest, or score.")
        ] = "oldest",
        page_size: Annotated[int | None, Query(ge=1, le=500, description="Default 50.")] = None,
        page_token: Annotated[str | None, Query(max_length=256, description="The last page's next_page_token.")] = None,
    ) -> JSONResponse:
        request = case_service_pb2.ListCasesRequest(
            unlabelled=unlabelled,
            assigned_to_me=assigned_to_me,
            assignee=assignee or "",
            unassigned=unassigned,
            statuses=[case_status_value(name) for name in sorted(set(status or ()))],
            min_score=min_score,
            max_score=max_score,
            user_id=user_id or "",
            merchant_id=merchant_id or "",
            order=ORDERS[order],
            page_size=page_size or 0,
            page_token=page_token or "",
        )
        if since is not None:
            request.since.CopyFrom(timestamp_from(since))
        if until is not None:
            request.until.CopyFrom(timestamp_from(until))
        response = await context.upstreams.cases.ListCases(request, timeout=context.timeout)
        return JSONResponse(
            {"cases": [case_object(case) for case in response.cases], "next_page_token": response.next_page_token}
        )

    async def get_case(case_id: CaseId) -> JSONResponse:
        response = await context.upstreams.cases.GetCase(
            case_service_pb2.GetCaseRequest(case_id=case_id), timeout=context.timeout
        )
        return JSONResponse(
            {
                "case": case_object(response.case),
                "transaction": decision_object(response.transaction),
                "notes": [note_object(note) for note in response.notes],
            }
        )

    async def assign_case(case_id: CaseId, body: AssignIn) -> JSONResponse:
        response = await context.upstreams.cases.AssignCase(
            case_service_pb2.AssignCaseRequest(case_id=case_id, assignee=body.assignee or ""), timeout=context.timeout
        )
        return JSONResponse({"case": case_object(response.case)})

    async def add_note(case_id: CaseId, body: NoteIn) -> JSONResponse:
        response = await context.upstreams.cases.AddCaseNote(
            case_service_pb2.AddCaseNoteRequest(case_id=case_id, text=body.text), timeout=context.timeout
        )
        return JSONResponse({"note": note_object(response.note)}, status_code=201)

    async def set_status(case_id: CaseId, body: StatusIn) -> JSONResponse:
        response = await context.upstreams.cases.SetCaseStatus(
            case_service_pb2.SetCaseStatusRequest(case_id=case_id, status=case_status_value(body.status)),
            timeout=context.timeout,
        )
        return JSONResponse({"case": case_object(response.case), "transaction": decision_object(response.transaction)})

    return [
        RouteBinding(
            "fraud.v1.CaseService/ListCases",
            list_cases,
            summary="The case queue with filters, oldest first unless asked otherwise, a page at a time",
            response_model=CasePageOut,
            responses={**INVALID, **UNAVAILABLE},
            tags=["cases"],
        ),
        RouteBinding(
            "fraud.v1.CaseService/GetCase",
            get_case,
            summary="One case with its transaction and notes",
            response_model=CaseDetailOut,
            responses={**NO_CASE, **INVALID, **UNAVAILABLE},
            tags=["cases"],
        ),
        RouteBinding(
            "fraud.v1.CaseService/AssignCase",
            assign_case,
            summary="Give a case to an analyst (default: the caller); an open case becomes investigating",
            response_model=CaseOnlyOut,
            responses={**NO_CASE, **INVALID, **UNAVAILABLE},
            tags=["cases"],
        ),
        RouteBinding(
            "fraud.v1.CaseService/AddCaseNote",
            add_note,
            summary="Add a note to a case, written by the caller",
            status_code=201,
            response_model=NoteAddedOut,
            responses={**NO_CASE, **INVALID, **UNAVAILABLE, 409: {"model": ErrorOut, "description": "Too many notes."}},
            tags=["cases"],
        ),
        RouteBinding(
            "fraud.v1.CaseService/SetCaseStatus",
            set_status,
            summary="Move a case to a status; closing labels its transaction",
            response_model=CaseClosedOut,
            responses={**NO_CASE, **INVALID, **UNAVAILABLE},
            tags=["cases"],
        ),
    ]
