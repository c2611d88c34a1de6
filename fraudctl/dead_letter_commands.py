"""`fraudctl dlq`: the dead letters store_svc keeps (records a hop set aside), over gRPC.

    fraudctl dlq list [--hop H] [--not-replayed] [--json]
    fraudctl dlq show ID [--json]
    fraudctl dlq replay ID
    fraudctl dlq replay --all

Each command is an async function of a StoreService stub and an output stream, returning an exit
code (0: done, 1: store or ingest said no), so it can be called as it is against any store;
`register` adds them to fraudctl's parser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TextIO

import grpc
from fraud.v1 import dead_letter_pb2, store_service_pb2, store_service_pb2_grpc

from fraudctl.operator_channel import operator_channel
from fraudmesh.contract import local_address
from fraudmesh.conversions.rest import dead_letter_object

STORE_ADDRESS = local_address(store_service_pb2.DESCRIPTOR.services_by_name["StoreService"])
PAGE_SIZE = 500
# A replay waits for ingest, which waits for Kafka's acknowledgement.
REPLAY_TIMEOUT_SECONDS = 30.0
READ_TIMEOUT_SECONDS = 10.0

Store = store_service_pb2_grpc.StoreServiceStub


def register(subparsers: argparse._SubParsersAction) -> None:
    dlq = subparsers.add_parser("dlq", help="dead letters: list, show and replay the records a hop set aside")
    dlq.add_argument("--store", default=STORE_ADDRESS, metavar="ADDRESS", help=f"store_svc (default {STORE_ADDRESS})")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)

    listing = actions.add_parser("list", help="every dead letter, newest first")
    listing.add_argument("--hop", default="", help="only those this hop set aside (scoring, store, notify)")
    listing.add_argument("--not-replayed", action="store_true", help="only those not replayed yet")
    listing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    listing.set_defaults(run=_runner(lambda store, args: list_letters(store, args.hop, args.not_replayed, args.json)))

    showing = actions.add_parser("show", help="one dead letter: its error and the transaction it holds")
    showing.add_argument("id", help="the dead letter's id")
    showing.add_argument("--json", action="store_true", help="as the REST API's JSON")
    showing.set_defaults(run=_runner(lambda store, args: show_letter(store, args.id, args.json)))

    replaying = actions.add_parser("replay", help="send a dead letter's transaction back through ingest")
    which = replaying.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="the dead letter's id")
    which.add_argument("--all", action="store_true", help="every dead letter not replayed yet, page by page")
    replaying.set_defaults(
        run=_runner(lambda store, args: replay_all(store) if args.all else replay_letter(store, args.id))
    )


def _runner(command: Callable[[Store, argparse.Namespace], Awaitable[int]]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def on_a_channel() -> int:
            async with operator_channel(args.store) as channel:
                return await command(Store(channel), args)

        return asyncio.run(on_a_channel())

    return run


def _failed(error: grpc.aio.AioRpcError, err: TextIO) -> int:
    print(f"error: {error.code().name}: {error.details()}", file=err)
    return 1


async def _pages(store: Store, hop: str = "", not_replayed: bool = False) -> AsyncIterator[Any]:
    token = ""
    while True:
        page = await store.ListDeadLetters(
            store_service_pb2.ListDeadLettersRequest(
                hop=hop, not_replayed=not_replayed, page_size=PAGE_SIZE, page_token=token
            ),
            timeout=READ_TIMEOUT_SECONDS,
        )
        yield page
        token = page.next_page_token
        if not token:
            return


def _row(letter: dead_letter_pb2.DeadLetter) -> list[str]:
    shown = dead_letter_object(letter)
    replayed = f"{shown['replay_count']}x, last {shown['replayed_at']}" if shown["replay_count"] else "no"
    return [
        shown["id"],
        shown["hop"],
        shown["reason"],
        shown["transaction_id"] or "-",
        shown["failed_at"] or "-",
        str(shown["attempts"]),
        replayed,
    ]


def _table(rows: list[list[str]], out: TextIO) -> None:
    header = ["ID", "HOP", "REASON", "TRANSACTION", "FAILED AT", "ATTEMPTS", "REPLAYED"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)


async def list_letters(
    store: Store, hop: str = "", not_replayed: bool = False, as_json: bool = False, out: TextIO | None = None
) -> int:
    """Every dead letter with these filters, newest first: a table and a count, or JSON."""
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    letters: list[dead_letter_pb2.DeadLetter] = []
    try:
        async for page in _pages(store, hop, not_replayed):
            letters.extend(page.dead_letters)
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    if as_json:
        shown = [dead_letter_object(letter) for letter in letters]
        print(json.dumps({"dead_letters": shown, "total": len(shown)}, indent=2), file=out)
        return 0
    if letters:
        _table([_row(letter) for letter in letters], out)
    print(f"{len(letters)} dead letter{'' if len(letters) == 1 else 's'}", file=out)
    return 0


async def show_letter(store: Store, letter_id: str, as_json: bool = False, out: TextIO | None = None) -> int:
    """One dead letter: where it came from, why it was set aside, and the transaction it holds."""
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    try:
        response = await store.GetDeadLetter(
            store_service_pb2.GetDeadLetterRequest(id=letter_id), timeout=READ_TIMEOUT_SECONDS
        )
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    shown = dead_letter_object(response.dead_letter, with_payload=True)
    if as_json:
        print(json.dumps(shown, indent=2), file=out)
        return 0
    source = shown["source"]
    lines = [
        f"id           {shown['id']}",
        f"hop          {shown['hop']} ({shown['reason']}) after {shown['attempts']} attempt(s)",
        f"failed at    {shown['failed_at']}",
        f"source       {source['topic']} partition {source['partition']} offset {source['offset']}",
        f"transaction  {shown['transaction_id'] or '-'}",
        f"trace        {shown['trace_id'] or '-'}",
        f"replayed     {shown['replay_count']} time(s)"
        + (f", last {shown['replayed_at']}" if shown["replayed_at"] else ""),
        f"error        {shown['error']['code']}: {shown['error']['message']}",
    ]
    lines += [f"  {v['field'] or '(the record)'}: {v['message']} [{v['rule']}]" for v in shown["error"]["violations"]]
    if shown["transaction"] is not None:
        lines += ["payload      a fraud.v1.Transaction:", json.dumps(shown["transaction"], indent=2)]
    else:
        lines.append(f"payload      {len(response.dead_letter.payload)} bytes, not a transaction (cannot be replayed)")
    print("\n".join(lines), file=out)
    return 0


async def replay_letter(store: Store, letter_id: str, out: TextIO | None = None) -> int:
    """Sends one dead letter's transaction back through ingest."""
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    try:
        response = await _replay(store, letter_id)
    except grpc.aio.AioRpcError as error:
        return _failed(error, sys.stderr)
    print(_replayed_line(response), file=out)
    return 0


async def replay_all(store: Store, out: TextIO | None = None) -> int:
    """Replays every dead letter not replayed yet, page by page in the list's order (newest first),
    with a line per letter and a summary. A letter that cannot be replayed is named and passed over; an
    unavailable store or ingest stops the run, since the letters after it would fail alike."""
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    replayed = failed = 0
    try:
        async for page in _pages(store, not_replayed=True):
            for letter in page.dead_letters:
                try:
                    print(_replayed_line(await _replay(store, letter.id)), file=out)
                    replayed += 1
                except grpc.aio.AioRpcError as error:
                    if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                        raise
                    print(f"not replayed {letter.id}: {error.code().name}: {error.details()}", file=out)
                    failed += 1
    except grpc.aio.AioRpcError as error:
        print(f"replayed {replayed}, not replayed {failed}; stopped:", file=out)
        return _failed(error, sys.stderr)
    print(f"replayed {replayed}, not replayed {failed}", file=out)
    return 1 if failed else 0


async def _replay(store: Store, letter_id: str) -> store_service_pb2.ReplayDeadLetterResponse:
    response: store_service_pb2.ReplayDeadLetterResponse = await store.ReplayDeadLetter(
        store_service_pb2.ReplayDeadLetterRequest(id=letter_id), timeout=REPLAY_TIMEOUT_SECONDS
    )
    return response


def _replayed_line(response: store_service_pb2.ReplayDeadLetterResponse) -> str:
    letter = response.dead_letter
    return f"replayed {letter.id}: transaction {response.transaction_id} (replay {letter.replay_count})"
