"""CaseService: the review queue, answered from store's PostgreSQL. Converts requests to plain
values, names the caller (the credential's actor) in every change, and announces the label a closed
case gives its transaction on the labels topic, as LabelTransaction does."""

from __future__ import annotations

import grpc
from fraud.v1 import case_service_pb2, case_service_pb2_grpc

from fraudmesh.access.principal import current_principal
from fraudmesh.conversions.enums import stored_case_status_name
from fraudmesh.conversions.time import optional_datetime
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.validation import validate
from store_svc.case_filters import CaseFilters, CaseOrder
from store_svc.case_repository import CLOSING_LABELS, CaseRepository
from store_svc.label_events import LabelEvents

SERVICE = case_service_pb2.DESCRIPTOR.services_by_name["CaseService"]
ORDERS = {
    case_service_pb2.CASE_ORDER_UNSPECIFIED: CaseOrder.OLDEST_FIRST,
    case_service_pb2.CASE_ORDER_NEWEST_FIRST: CaseOrder.NEWEST_FIRST,
    case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST: CaseOrder.HIGHEST_SCORE_FIRST,
}
# Who a change is by when access control is off and no credential names the caller.
ANONYMOUS = "anonymous"


def caller() -> str:
    principal = current_principal.get()
    return principal.actor if principal is not None else ANONYMOUS


def filters_from_request(request: case_service_pb2.ListCasesRequest) -> CaseFilters:
    assignee: str | None = None
    if request.assigned_to_me:
        assignee = caller()
    elif request.assignee:
        assignee = request.assignee
    elif request.unassigned:
        assignee = ""
    return CaseFilters(
        unlabelled=request.unlabelled,
        assignee=assignee,
        statuses=tuple(sorted({stored_case_status_name(status) for status in request.statuses})),
        min_score=request.min_score if request.HasField("min_score") else None,
        max_score=request.max_score if request.HasField("max_score") else None,
        since=optional_datetime(request, "since"),
        until=optional_datetime(request, "until"),
        user_id=request.user_id or None,
        merchant_id=request.merchant_id or None,
    )


class CaseServicer(case_service_pb2_grpc.CaseServiceServicer):
    def __init__(self, repository: CaseRepository, label_events: LabelEvents | None = None) -> None:
        self._repository = repository
        self._label_events = label_events

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(
            SERVICE, lambda server: case_service_pb2_grpc.add_CaseServiceServicer_to_server(self, server)
        )

    async def ListCases(
        self, request: case_service_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> case_service_pb2.ListCasesResponse:
        validate(request)
        page = await self._repository.list(
            filters_from_request(request), ORDERS[request.order], request.page_size, request.page_token
        )
        return case_service_pb2.ListCasesResponse(cases=page.cases, next_page_token=page.next_page_token)

    async def GetCase(
        self, request: case_service_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> case_service_pb2.GetCaseResponse:
        validate(request)
        detail = await self._repository.get(request.case_id)
        return case_service_pb2.GetCaseResponse(case=detail.case, transaction=detail.transaction, notes=detail.notes)

    async def AssignCase(
        self, request: case_service_pb2.AssignCaseRequest, context: grpc.aio.ServicerContext
    ) -> case_service_pb2.AssignCaseResponse:
        validate(request)
        case = await self._repository.assign(request.case_id, request.assignee or caller(), taking=not request.assignee)
        return case_service_pb2.AssignCaseResponse(case=case)

    async def AddCaseNote(
        self, request: case_service_pb2.AddCaseNoteRequest, context: grpc.aio.ServicerContext
    ) -> case_service_pb2.AddCaseNoteResponse:
        validate(request)
        note = await self._repository.add_note(request.case_id, caller(), request.text)
        return case_service_pb2.AddCaseNoteResponse(note=note)

    async def SetCaseStatus(
        self, request: case_service_pb2.SetCaseStatusRequest, context: grpc.aio.ServicerContext
    ) -> case_service_pb2.SetCaseStatusResponse:
        validate(request)
        status = stored_case_status_name(request.status)
        case, transaction = await self._repository.set_status(request.case_id, status, caller())
        # Announced whenever the case is (or stays) closed: a retry after Kafka refused the first
        # announcement announces it then, as a repeated LabelTransaction does.
        if status in CLOSING_LABELS and self._label_events:
            await self._label_events.announce(transaction)
        return case_service_pb2.SetCaseStatusResponse(case=case, transaction=transaction)
