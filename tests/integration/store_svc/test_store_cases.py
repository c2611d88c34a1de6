"""The case queue through a real gRPC server guarded as store is (real API keys in the real
PostgreSQL), with label announcements to a real Kafka topic: an analyst lists, filters and pages the
queue, takes a case, writes a note and closes it; the transaction is labelled, the label announced,
every change audited under the analyst's key; a viewer reads but changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import grpc
import pytest
from fraud.v1 import case_service_pb2, case_service_pb2_grpc, decision_pb2, store_service_pb2
from sqlalchemy.ext.asyncio import AsyncEngine
from store_testing import BASE_TIME, expect_status, make_scored

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.access.settings import AccessSettings
from fraudmesh.grpc_server import GrpcServer, insecure_channel
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_topics import LABELS, ensure_topic
from store_svc.access_repository import AccessRepository
from store_svc.case_repository import CaseRepository
from store_svc.case_servicer import CaseServicer
from store_svc.label_events import LabelEvents
from tests.access_keys import keys_by_role
from tests.kafka_reading import read_all

REVIEW = decision_pb2.DECISION_REVIEW


@dataclass
class Desk:
    """A guarded CaseService, a client channel, each role's key and the topic labels go to."""

    cases: case_service_pb2_grpc.CaseServiceStub
    keys: dict[str, tuple[str, str]]
    labels_topic: str

    def as_role(self, role: str) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.keys[role][1]}"),)

    def actor(self, role: str) -> str:
        return f"key:{self.keys[role][0]}"


@pytest.fixture(scope="module")
async def desk(store_database_url: str, store_engine: AsyncEngine, kafka: KafkaBroker) -> AsyncIterator[Desk]:
    keys = await keys_by_role(store_database_url)
    access = ServiceAccess(AccessSettings(database_url=store_database_url, access_control=True))
    await access.start()
    topic = f"labels-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, LABELS.partitions, security=kafka.admin_security)
    producer = AcknowledgedProducer(kafka.bootstrap_servers, security=kafka.admin_security)
    await producer.start()
    servicer = CaseServicer(CaseRepository(store_engine), LabelEvents(producer, topic))
    server = GrpcServer([servicer.registration()], "127.0.0.1:0", access.server_interceptors())
    await server.start()
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    yield Desk(case_service_pb2_grpc.CaseServiceStub(channel), keys, topic)
    await channel.close()
    await server.stop()
    await producer.stop()
    await access.stop()


async def put(store, *decisions: decision_pb2.ScoredTransaction) -> None:
    response = await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=decisions))
    assert not response.refused


async def test_an_analyst_takes_a_case_notes_it_and_closes_it_as_fraud_which_labels_and_announces(
    store, store_engine, desk, kafka
):
    await put(store, make_scored("tx-case", user_id="dave", score=0.64, decision=REVIEW))
    analyst = desk.as_role("analyst")

    assigned = await desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-case"), metadata=analyst)
    note = await desk.cases.AddCaseNote(
        case_service_pb2.AddCaseNoteRequest(case_id="tx-case", text="Card used in two countries\nwithin an hour"),
        metadata=analyst,
    )
    closed = await desk.cases.SetCaseStatus(
        case_service_pb2.SetCaseStatusRequest(case_id="tx-case", status=case_service_pb2.CASE_STATUS_CLOSED_FRAUD),
        metadata=analyst,
    )
    detail = await desk.cases.GetCase(
        case_service_pb2.GetCaseRequest(case_id="tx-case"), metadata=desk.as_role("viewer")
    )

    me = desk.actor("analyst")
    assert (assigned.case.assignee, assigned.case.status) == (me, case_service_pb2.CASE_STATUS_INVESTIGATING)
    assert (note.note.author, note.note.text) == (me, "Card used in two countries\nwithin an hour")
    assert (closed.case.status, closed.case.closed_by, closed.case.label) == (
        case_service_pb2.CASE_STATUS_CLOSED_FRAUD,
        me,
        decision_pb2.LABEL_FRAUD,
    )
    assert closed.case.HasField("closed_at")
    assert closed.transaction.label == decision_pb2.LABEL_FRAUD and closed.transaction.HasField("labelled_at")
    assert detail.case == closed.case
    assert detail.transaction.transaction.input.user_id == "dave"
    assert detail.transaction.label == decision_pb2.LABEL_FRAUD
    assert [n.text for n in detail.notes] == ["Card used in two countries\nwithin an hour"]
    [announced] = [r for r in await read_all(kafka, desk.labels_topic) if r.key == b"tx-case"]
    labelled = decision_pb2.ScoredTransaction.FromString(announced.value)
    assert (labelled.transaction.id, labelled.label) == ("tx-case", decision_pb2.LABEL_FRAUD)
    trail = await AccessRepository(store_engine).audit_page(me, "", "tx-case", 50, "")
    assert sorted(event.action for event in trail.events) == [
        "case.assign",
        "case.note",
        "case.status",
        "transaction.label",
    ]


async def test_a_case_someone_holds_cannot_be_taken_but_can_be_handed_on(store, desk):
    await put(store, make_scored("tx-held", decision=REVIEW, score=0.6))
    await desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-held"), metadata=desk.as_role("admin"))

    refused = await expect_status(
        desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-held"), metadata=desk.as_role("analyst")),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    handed = await desk.cases.AssignCase(
        case_service_pb2.AssignCaseRequest(case_id="tx-held", assignee=desk.actor("analyst")),
        metadata=desk.as_role("admin"),
    )

    assert desk.actor("admin") in (refused.details() or "")
    assert handed.case.assignee == desk.actor("analyst")


async def test_a_viewer_reads_the_queue_but_may_not_change_a_case(store, desk):
    await put(store, make_scored("tx-viewed", decision=REVIEW, score=0.6))
    viewer = desk.as_role("viewer")

    page = await desk.cases.ListCases(case_service_pb2.ListCasesRequest(), metadata=viewer)
    refused = await expect_status(
        desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-viewed"), metadata=viewer),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    assert [case.id for case in page.cases] == ["tx-viewed"]
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_filters_narrow_the_queue_and_assigned_to_me_means_the_callers_own(store, desk):
    await put(
        store,
        make_scored("tx-a", user_id="ann", score=0.55, decision=REVIEW, occurred_at=BASE_TIME),
        make_scored("tx-b", user_id="bob", score=0.75, decision=REVIEW, occurred_at=BASE_TIME + timedelta(hours=1)),
        make_scored("tx-c", user_id="bob", score=0.65, decision=REVIEW, occurred_at=BASE_TIME + timedelta(hours=2)),
        make_scored("tx-approved", user_id="bob", score=0.1),
    )
    analyst, admin = desk.as_role("analyst"), desk.as_role("admin")
    await desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-b"), metadata=analyst)
    await desk.cases.AssignCase(case_service_pb2.AssignCaseRequest(case_id="tx-c"), metadata=admin)
    await desk.cases.SetCaseStatus(
        case_service_pb2.SetCaseStatusRequest(case_id="tx-c", status=case_service_pb2.CASE_STATUS_CLOSED_LEGITIMATE),
        metadata=admin,
    )

    async def ids(**fields) -> list[str]:
        page = await desk.cases.ListCases(case_service_pb2.ListCasesRequest(**fields), metadata=analyst)
        return [case.id for case in page.cases]

    assert await ids() == ["tx-a", "tx-b", "tx-c"]
    assert await ids(assigned_to_me=True) == ["tx-b"]
    assert await ids(assignee=desk.actor("admin")) == ["tx-c"]
    assert await ids(unassigned=True) == ["tx-a"]
    assert await ids(unlabelled=True) == ["tx-a", "tx-b"]
    assert await ids(statuses=[case_service_pb2.CASE_STATUS_OPEN, case_service_pb2.CASE_STATUS_INVESTIGATING]) == [
        "tx-a",
        "tx-b",
    ]
    assert await ids(min_score=0.6, max_score=0.7) == ["tx-c"]
    assert await ids(user_id="bob") == ["tx-b", "tx-c"]
    assert await ids(merchant_id="m-42") == ["tx-a", "tx-b", "tx-c"]
    assert await ids(merchant_id="m-other") == []
    since = case_service_pb2.ListCasesRequest().since
    since.FromDatetime(BASE_TIME + timedelta(minutes=30))
    assert await ids(since=since) == ["tx-b", "tx-c"]
    assert await ids(order=case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST) == ["tx-b", "tx-c", "tx-a"]
    assert await ids(order=case_service_pb2.CASE_ORDER_NEWEST_FIRST) == ["tx-c", "tx-b", "tx-a"]


@pytest.mark.parametrize(
    "order",
    [
        case_service_pb2.CASE_ORDER_UNSPECIFIED,
        case_service_pb2.CASE_ORDER_NEWEST_FIRST,
        case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST,
    ],
)
async def test_pages_visit_every_case_once_in_order_while_new_cases_open(store, desk, order):
    # Ten batches, so cases open at ten different moments; equal scores test the tie on id.
    for batch in range(10):
        await put(
            store,
            *(make_scored(f"tx-{batch}-{n}", decision=REVIEW, score=0.5 + (n % 3) / 10) for n in range(5)),
        )
    viewer = desk.as_role("viewer")
    seen: list[case_service_pb2.Case] = []
    token = ""
    while True:
        page = await desk.cases.ListCases(
            case_service_pb2.ListCasesRequest(order=order, page_size=7, page_token=token), metadata=viewer
        )
        seen.extend(page.cases)
        if not seen[7:8]:  # after the first page, a case opens that later pages may show or not
            await put(store, make_scored("tx-late", decision=REVIEW, score=0.01))
        token = page.next_page_token
        if not token:
            break

    ids = [case.id for case in seen if case.id != "tx-late"]
    assert sorted(ids) == sorted(f"tx-{b}-{n}" for b in range(10) for n in range(5))
    assert len(ids) == len(set(ids))
    if order == case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST:
        keys = [(case.score, case.id) for case in seen]
        assert keys == sorted(keys, reverse=True)
    else:
        keys = [(case.opened_at.ToDatetime(), case.id) for case in seen]
        assert keys == sorted(keys, reverse=order == case_service_pb2.CASE_ORDER_NEWEST_FIRST)


async def test_a_token_of_another_query_or_a_forged_one_is_refused_naming_page_token(store, desk):
    await put(store, *(make_scored(f"tx-{n}", decision=REVIEW, score=0.6) for n in range(3)))
    viewer = desk.as_role("viewer")
    first = await desk.cases.ListCases(case_service_pb2.ListCasesRequest(page_size=1), metadata=viewer)

    other_query = await expect_status(
        desk.cases.ListCases(
            case_service_pb2.ListCasesRequest(page_size=1, unlabelled=True, page_token=first.next_page_token),
            metadata=viewer,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    forged = await expect_status(
        desk.cases.ListCases(case_service_pb2.ListCasesRequest(page_token="bm90LWEtdG9rZW4"), metadata=viewer),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert "page_token" in other_query.details() and "page_token" in forged.details()


async def test_an_unknown_case_is_not_found_and_a_bad_note_is_refused_naming_the_field(store, desk):
    await put(store, make_scored("tx-noted", decision=REVIEW, score=0.6))
    analyst = desk.as_role("analyst")

    missing = await expect_status(
        desk.cases.GetCase(case_service_pb2.GetCaseRequest(case_id="tx-nobody"), metadata=analyst),
        grpc.StatusCode.NOT_FOUND,
    )
    approved_has_none = await expect_status(
        desk.cases.AddCaseNote(case_service_pb2.AddCaseNoteRequest(case_id="tx-nobody", text="x"), metadata=analyst),
        grpc.StatusCode.NOT_FOUND,
    )
    bad = await expect_status(
        desk.cases.AddCaseNote(
            case_service_pb2.AddCaseNoteRequest(case_id="tx-noted", text="bell\x07"), metadata=analyst
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    assert "tx-nobody" in missing.details() and "tx-nobody" in approved_has_none.details()
    assert "text" in bad.details()


async def test_setting_the_status_a_case_has_changes_nothing_and_reopening_keeps_the_label(store, store_engine, desk):
    await put(store, make_scored("tx-twice", decision=REVIEW, score=0.6))
    analyst = desk.as_role("analyst")
    closing = case_service_pb2.SetCaseStatusRequest(
        case_id="tx-twice", status=case_service_pb2.CASE_STATUS_CLOSED_LEGITIMATE
    )

    first = await desk.cases.SetCaseStatus(closing, metadata=analyst)
    again = await desk.cases.SetCaseStatus(closing, metadata=analyst)
    reopened = await desk.cases.SetCaseStatus(
        case_service_pb2.SetCaseStatusRequest(case_id="tx-twice", status=case_service_pb2.CASE_STATUS_INVESTIGATING),
        metadata=analyst,
    )

    assert again.case == first.case
    assert (reopened.case.status, reopened.case.closed_by, reopened.case.label) == (
        case_service_pb2.CASE_STATUS_INVESTIGATING,
        "",
        decision_pb2.LABEL_LEGITIMATE,
    )
    trail = await AccessRepository(store_engine).audit_page("", "case.status", "tx-twice", 50, "")
    assert len(trail.events) == 2  # closed once, reopened once: the repeat recorded nothing
