"""`fraudctl cases` against a real store_svc on the session's PostgreSQL: the queue as a table with
each case's age, a case's detail with its notes, and the changes, each as an operator reads them."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fraud.v1 import case_service_pb2, case_service_pb2_grpc, decision_pb2
from sqlalchemy.ext.asyncio import create_async_engine

from fraudctl.case_commands import add_note, age, assign_case, close_case, list_cases, show_case
from fraudctl.cli import main
from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.grpc_server import GrpcServer, insecure_channel
from store_svc.case_repository import CaseRepository
from store_svc.case_servicer import CaseServicer
from store_svc.repository import TransactionRepository
from tests.fresh_database import migrated_database
from tests.integration.store_svc.store_testing import make_scored

REVIEW = decision_pb2.DECISION_REVIEW


@dataclass
class RunningCases:
    address: str
    stub: case_service_pb2_grpc.CaseServiceStub


@pytest.fixture
async def cases(postgres: PostgresCluster) -> AsyncIterator[RunningCases]:
    """A store holding two cases (a REVIEW decision each) and an approval (no case)."""
    engine = create_async_engine(await migrated_database(postgres.url, "cases_cli"))
    repository = TransactionRepository(engine)
    # One batch each: tx-low's case opens first, so the queue (oldest first) shows it first.
    for scored in (
        make_scored("tx-low", user_id="ann", score=0.55, decision=REVIEW),
        make_scored("tx-high", user_id="bob", score=0.81, decision=REVIEW),
        make_scored("tx-fine", score=0.02),
    ):
        assert (await repository.put_batch([scored])).inserted == 1
    server = GrpcServer([CaseServicer(CaseRepository(engine)).registration()], "127.0.0.1:0", grace_seconds=1.0)
    await server.start()
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield RunningCases(f"127.0.0.1:{server.port}", case_service_pb2_grpc.CaseServiceStub(channel))
    finally:
        await channel.close()
        await server.stop()
        await engine.dispose()


async def test_list_shows_the_queue_oldest_first_with_age_and_counts_it(cases):
    out = io.StringIO()

    assert await list_cases(cases.stub, case_service_pb2.ListCasesRequest(), out=out) == 0

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "STATUS", "AGE", "SCORE", "CUSTOMER", "MERCHANT", "ASSIGNEE", "LABEL"]
    assert [line.split()[0] for line in lines[1:3]] == ["tx-low", "tx-high"]
    assert lines[1].split()[1:] == ["open", "0m", "0.550", "ann", "m-42", "-", "-"]
    assert lines[-1] == "2 cases"


async def test_work_a_case_assign_note_close_and_show_it(cases):
    out = io.StringIO()

    assert await assign_case(cases.stub, "tx-high", "key:alice00001", out=out) == 0
    assert await add_note(cases.stub, "tx-high", "Two countries in ten minutes", out=out) == 0
    assert await close_case(cases.stub, "tx-high", "fraud", out=out) == 0
    shown = io.StringIO()
    assert await show_case(cases.stub, "tx-high", as_json=True, out=shown) == 0

    assert out.getvalue().splitlines() == [
        "case tx-high assigned to key:alice00001 (investigating)",
        "note 1 added to case tx-high by anonymous",  # access control is off on this test server
        "case tx-high closed as fraud by anonymous; transaction labelled fraud",
    ]
    detail = json.loads(shown.getvalue())
    assert (detail["case"]["status"], detail["case"]["assignee"]) == ("closed_fraud", "key:alice00001")
    assert detail["transaction"]["label"] == "fraud"
    assert [note["text"] for note in detail["notes"]] == ["Two countries in ten minutes"]


async def test_an_unknown_case_fails_with_the_stores_answer(cases, capsys):
    assert await close_case(cases.stub, "tx-fine", "legitimate") == 1

    assert capsys.readouterr().err.startswith("error: NOT_FOUND: ")


async def test_the_command_line_reaches_the_store_it_is_given(cases, capsys):
    # main() runs its own event loop, as from a shell: in a thread of its own here.
    code = await asyncio.to_thread(
        main, ["cases", "--store", cases.address, "list", "--order", "score", "--status", "open", "--min-score", "0.6"]
    )

    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["tx-high"]
    assert lines[-1] == "1 case"


def test_age_reads_in_minutes_hours_and_days():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def opened(delta: timedelta) -> str:
        return (now - delta).isoformat().replace("+00:00", "Z")

    assert [age(opened(d), now) for d in (timedelta(seconds=59), timedelta(minutes=135), timedelta(hours=76))] == [
        "0m",
        "2h15m",
        "3d4h",
    ]
    assert age(None, now) == "-"
