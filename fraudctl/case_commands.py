"""`fraudctl cases`: the review queue store_svc keeps (CaseService), over gRPC with the operator's
credential, so every change names that credential in the audit trail.

    fraudctl cases list [--unlabelled] [--mine | --assignee WHO | --unassigned] [--status S ...]
                        [--min-score X] [--max-score X] [--user U] [--merchant M]
                        [--order oldest|newest|score] [--limit N] [--json]
    fraudctl cases show ID [--json]
    fraudctl cases assign ID [--to WHO]
    fraudctl cases note ID TEXT
    fraudctl cases close ID --as fraud|legitimate

Each command is an async function of a CaseService stub and an output stream returning an exit code
(0: done, 1: store said no), so a test calls it as it is; `register` adds them to fraudctl's parser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import grpc
from fraud.v1 import case_service_pb2, case_service_pb2_grpc

from fraudctl.operator_channel import operator_channel
from fraudmesh.contract import local_address
from fraudmesh.conversions.cases import case_object, note_object
from fraudmesh.conversions.enums import CASE_STATUS_NAMES, case_status_value
from fraudmesh.conversions.rest import decision_object
from fraudmesh.conversions.time import datetime_from_text

STORE_ADDRESS = local_address(case_service_pb2.DESCRIPTOR.services_by_name["CaseService"])
TIMEOUT_SECONDS = 10.0
MAX_LIMIT = 500
ORDERS = {
    "oldest": case_service_pb2.CASE_ORDER_UNSPECIFIED,
    "newest": case_service_pb2.CASE_ORDER_NEWEST_FIRST,
    "score": case_service_pb2.CASE_ORDER_HIGHEST_SCORE_FIRST,
}
CLOSING = {
    "fraud": case_service_pb2.CASE_STATUS_CLOSED_FRAUD,
    "legitimate": case_service_pb2.CASE_STATUS_CLOSED_LEGITIMATE,
}

Cases = case_service_pb2_grpc.CaseServiceStub


def register(subparsers: argparse._SubParsersAction) -> None:
    cases = subparsers.add_parser("cases", help="the review queue: list, show, assign, note and close cases")
    cases.add_argument("--store", default=STORE_ADDRESS, metavar="ADDRESS", help=f"store_svc (default {STORE_ADDRESS})")
    actions = cases.add_subparsers(dest="cases_command", required=True)

    listing = actions.add_parser("list", help="cases with filters, oldest first, with each case's age")
    listing.add_argument("--unlabelled", action="store_true", help="only cases whose transaction has no label")
    whose = listing.add_mutually_exclusive_group()
    whose.add_argument("--mine", action="store_true", help="only cases assigned to the caller")
    whose.add_argument("--assignee", default="", help="only cases assigned to this analyst")
    whose.add_argument("--unassigned", action="store_true", help="only cases nobody is assigned to")
    listing.add_argument("--status", action="append", choices=sorted(CASE_STATUS_NAMES.values()), default=[])
    listing.add_argument("--min-score", type=float)
    listing.add_argument("--max-score", type=float)
    listing.add_argument("--user", default="", help="only this customer's")
    listing.add_argument("--merchant", default="", help="only this merchant's")
    listing.add_argument("--order", choices=sorted(ORDERS), default="oldest")
    listing.add_argument("--limit", type=int, default=50, help=f"at most this many (1 to {MAX_LIMIT})")
    listing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    listing.set_defaults(run=_runner(lambda cases, args: list_cases(cases, _list_request(args), args.json)))

    showing = actions.add_parser("show", help="one case with its transaction and notes")
    showing.add_argument("id", help="the case's id (its transaction's id)")
    showing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    showing.set_defaults(run=_runner(lambda cases, args: show_case(cases, args.id, args.json)))

    assigning = actions.add_parser("assign", help="give a case to an analyst (default: yourself)")
    assigning.add_argument("id")
    assigning.add_argument("--to", default="", help='who takes it, e.g. "key:ab12cd34ef"; default: the caller')
    assigning.set_defaults(run=_runner(lambda cases, args: assign_case(cases, args.id, args.to)))

    noting = actions.add_parser("note", help="add a note to a case")
    noting.add_argument("id")
    noting.add_argument("text")
    noting.set_defaults(run=_runner(lambda cases, args: add_note(cases, args.id, args.text)))

    closing = actions.add_parser("close", help="close a case, labelling its transaction")
    closing.add_argument("id")
    closing.add_argument("--as", dest="verdict", required=True, choices=sorted(CLOSING))
    closing.set_defaults(run=_runner(lambda cases, args: close_case(cases, args.id, args.verdict)))


def _runner(command: Callable[[Cases, argparse.Namespace], Awaitable[int]]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def on_a_channel() -> int:
            async with operator_channel(args.store) as channel:
                return await command(Cases(channel), args)

        return asyncio.run(on_a_channel())

    return run


def _list_request(args: argparse.Namespace) -> case_service_pb2.ListCasesRequest:
    return case_service_pb2.ListCasesRequest(
        unlabelled=args.unlabelled,
        assigned_to_me=args.mine,
        assignee=args.assignee,
        unassigned=args.unassigned,
        statuses=[case_status_value(name) for name in sorted(set(args.status))],
        min_score=args.min_score,
        max_score=args.max_score,
        user_id=args.user,
        merchant_id=args.merchant,
        order=ORDERS[args.order],
        page_size=min(max(args.limit, 1), MAX_LIMIT),
    )


def _failed(error: grpc.aio.AioRpcError, err: TextIO) -> int:
    print(f"error: {error.code().name}: {error.details()}", file=err)
    return 1


def age(opened_at: str | None, now: datetime) -> str:
    """How long a case has been open, to the minute: "3d4h", "2h15m", "7m"."""
    if opened_at is None:
        return "-"
    minutes = max(int((now - datetime_from_text(opened_at)).total_seconds() // 60), 0)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{minutes}m" if hours else f"{minutes}m"


def _table(rows: list[list[str]], out: TextIO) -> None:
    header = ["ID", "STATUS", "AGE", "SCORE", "CUSTOMER", "MERCHANT", "ASSIGNEE", "LABEL"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)


async def list_cases(
    cases: Cases, request: case_service_pb2.ListCasesRequest, as_json: bool = False, out: TextIO | None = None
) -> int:
    """One page of the queue: a table with each case's age and a count, or JSON."""
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    try:
        page = await cases.ListCases(request, timeout=TIMEOUT_SECONDS)
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    shown = [case_object(case) for case in page.cases]
    if as_json:
        print(json.dumps({"cases": shown, "next_page_token": page.next_page_token}, indent=2), file=out)
        return 0
    now = datetime.now(UTC)
    rows = [
        [
            c["id"],
            c["status"],
            age(c["opened_at"], now),
            f"{c['score']:.3f}",
            c["user_id"],
            c["merchant_id"] or "-",
            c["assignee"] or "-",
            c["label"] or "-",
        ]
        for c in shown
    ]
    if rows:
        _table(rows, out)
    more = " (more: raise --limit or narrow the filters)" if page.next_page_token else ""
    print(f"{len(rows)} case{'' if len(rows) == 1 else 's'}{more}", file=out)
    return 0


async def show_case(cases: Cases, case_id: str, as_json: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        response = await cases.GetCase(case_service_pb2.GetCaseRequest(case_id=case_id), timeout=TIMEOUT_SECONDS)
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    case, transaction = case_object(response.case), decision_object(response.transaction)
    notes = [note_object(note) for note in response.notes]
    if as_json:
        print(json.dumps({"case": case, "transaction": transaction, "notes": notes}, indent=2), file=out)
        return 0
    lines = [
        f"case         {case['id']} ({case['status']}, open {age(case['opened_at'], datetime.now(UTC))})",
        f"assignee     {case['assignee'] or '-'}",
        f"closed       {case['closed_at']} by {case['closed_by']}" if case["closed_at"] else "closed       -",
        f"transaction  {transaction['amount']} {transaction['currency']} by {transaction['user_id']} at "
        f"{transaction['merchant_id'] or '-'}, {transaction['time']}",
        f"decision     {transaction['decision']} (score {transaction['score']:.3f}), label {transaction['label'] or '-'}",
        *(f"  reason     {reason['text']}" for reason in transaction["reasons"]),
        f"notes        {len(notes)}",
        *(f"  {note['written_at']} {note['author']}: {note['text']}" for note in notes),
    ]
    print("\n".join(lines), file=out)
    return 0


async def _change(call: Awaitable[Any], describe: Callable[[Any], str], out: TextIO | None) -> int:
    out = out or sys.stdout
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    print(describe(response), file=out)
    return 0


async def assign_case(cases: Cases, case_id: str, assignee: str = "", out: TextIO | None = None) -> int:
    request = case_service_pb2.AssignCaseRequest(case_id=case_id, assignee=assignee)
    return await _change(
        cases.AssignCase(request, timeout=TIMEOUT_SECONDS),
        lambda r: f"case {r.case.id} assigned to {r.case.assignee} ({case_object(r.case)['status']})",
        out,
    )


async def add_note(cases: Cases, case_id: str, text: str, out: TextIO | None = None) -> int:
    request = case_service_pb2.AddCaseNoteRequest(case_id=case_id, text=text)
    return await _change(
        cases.AddCaseNote(request, timeout=TIMEOUT_SECONDS),
        lambda r: f"note {r.note.id} added to case {case_id} by {r.note.author}",
        out,
    )


async def close_case(cases: Cases, case_id: str, verdict: str, out: TextIO | None = None) -> int:
    request = case_service_pb2.SetCaseStatusRequest(case_id=case_id, status=CLOSING[verdict])
    return await _change(
        cases.SetCaseStatus(request, timeout=TIMEOUT_SECONDS),
        lambda r: f"case {r.case.id} closed as {verdict} by {r.case.closed_by}; transaction labelled {verdict}",
        out,
    )
