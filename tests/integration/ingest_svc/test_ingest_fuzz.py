"""Ingest's gRPC door fuzzed with bytes: random bytes, valid requests mutated (bytes flipped, cut
short, spliced, strings made invalid UTF-8) and well-formed requests holding the values that matter
(timestamps beyond protobuf's range or with nanos out of bounds, NUL and controls in text, NaN
coordinates, undefined enums), as SubmitTransaction and SubmitEach calls on a real ingest over a real
Kafka. A bad request is INVALID_ARGUMENT naming its fields (or the request message it is not), never
INTERNAL or UNKNOWN; whatever ingest puts on the topic, every later hop can carry."""

from __future__ import annotations

import asyncio
import json
import os

import grpc
from fraud.v1 import decision_pb2, transaction_pb2
from fraud.v1 import ingest_service_pb2 as pb
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudmesh.conversions.rest import decision_object
from fraudmesh.conversions.rows import row_from_scored
from tests.integration.ingest_svc.ingest_testing import RunningIngest, a_transaction
from tests.kafka_reading import read_all

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SUBMIT_TRANSACTION = "/fraud.v1.IngestService/SubmitTransaction"
SUBMIT_EACH = "/fraud.v1.IngestService/SubmitEach"
REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT}
INVALID_UTF8 = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80"]


def stamps() -> st.SearchStrategy[Timestamp]:
    seconds = st.one_of(
        st.integers(-(2**63), 2**63 - 1),
        st.sampled_from([-62_135_596_800, -62_135_596_801, 253_402_300_799, 253_402_300_800, 0, 1_700_000_000]),
    )
    nanos = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([-1, 0, 999_999_999, 1_000_000_000]))
    return st.builds(Timestamp, seconds=seconds, nanos=nanos)


def any_text(max_size: int = 140) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=max_size),
        st.sampled_from(["", "\x00", "a\x00", "\t", "\x7f", "\x85", "a" * 64, "a" * 65, "a" * 128, "a" * 129]),
    )


@st.composite
def nasty_transactions(draw: st.DrawFn) -> transaction_pb2.TransactionInput:
    """A well-formed TransactionInput with any value the wire can carry in each field."""
    txn = a_transaction(user=draw(st.one_of(st.just("alice"), any_text(70))))
    txn.amount.minor_units = draw(st.one_of(st.just(1250), st.integers(-(2**63), 2**63 - 1)))
    txn.amount.currency = draw(st.one_of(st.just("EUR"), any_text(5)))
    txn.location.city = draw(st.one_of(st.just("Paris"), any_text()))
    txn.location.country = draw(st.one_of(st.just("FR"), any_text(70)))
    txn.location.lat = draw(st.one_of(st.just(48.85), st.floats()))
    txn.location.lon = draw(st.one_of(st.just(2.35), st.floats()))
    txn.merchant_id = draw(st.one_of(st.just("m-1"), any_text(70)))
    txn.channel = draw(st.one_of(st.just(1), st.integers(-(2**31), 2**31 - 1)))  # type: ignore[assignment]
    txn.idempotency_key = draw(st.one_of(st.just(""), any_text()))
    if draw(st.booleans()):
        txn.occurred_at.CopyFrom(draw(stamps()))
    return txn


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with bytes flipped, cut, inserted or a stretch replaced by invalid UTF-8."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["flip", "cut", "insert", "utf8"]))
        at = draw(st.integers(0, len(data)))
        if how == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[at:]
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            data[at : at + draw(st.integers(0, 3))] = draw(st.sampled_from(INVALID_UTF8))
    return bytes(data)


def submission_bytes() -> st.SearchStrategy[bytes]:
    valid = pb.SubmitTransactionRequest(transaction=a_transaction(idempotency_key="k-1")).SerializeToString()
    return st.one_of(
        st.binary(max_size=200),
        mutated(valid),
        nasty_transactions().map(lambda txn: pb.SubmitTransactionRequest(transaction=txn).SerializeToString()),
    )


def each_bytes() -> st.SearchStrategy[bytes]:
    submissions = st.lists(submission_bytes(), min_size=0, max_size=4)

    def as_call(items: list[bytes]) -> bytes:
        # Each submission as field 1 of SubmitEachRequest, length-delimited, whatever its bytes.
        return b"".join(b"\x0a" + _varint(len(item)) + item for item in items)

    return st.one_of(submissions.map(as_call), submissions.map(as_call).flatmap(mutated))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def assert_named_refusal(status: status_pb2.Status) -> None:
    """An INVALID_ARGUMENT that names each field (or the request message) and the rule it broke."""
    assert status.code == code_pb2.INVALID_ARGUMENT, status
    bad_request = error_details_pb2.BadRequest()
    assert [detail for detail in status.details if detail.Unpack(bad_request)], status
    assert bad_request.field_violations and all(v.reason and v.description for v in bad_request.field_violations)


Answer = tuple[grpc.StatusCode, bytes | None, status_pb2.Status | None]


async def call(ingest: RunningIngest, method: str, data: bytes) -> Answer:
    rpc = ingest.channel.unary_unary(method)  # no serializers: the bytes go out as they are
    try:
        return grpc.StatusCode.OK, await rpc(data, timeout=30), None
    except grpc.aio.AioRpcError as error:
        return error.code(), None, rpc_status.from_call(error)


async def calls(ingest: RunningIngest, method: str, datas: list[bytes]) -> list[Answer]:
    """Each of `datas` sent as a call, 16 at a time: the fuzzing tries the door, not how many calls
    ingest takes at once (1,500 at once, some came back CANCELLED)."""
    in_flight = asyncio.Semaphore(16)

    async def one(data: bytes) -> Answer:
        async with in_flight:
            return await call(ingest, method, data)

    return await asyncio.gather(*(one(data) for data in datas))


def drawn(strategy: st.SearchStrategy[bytes]) -> list[bytes]:
    found: list[bytes] = []

    @settings(max_examples=FUZZ_EXAMPLES * 5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(data: bytes) -> None:
        found.append(data)

    draw()
    return found


async def test_no_submission_bytes_get_internal_or_unknown(ingest: RunningIngest):
    answers = await calls(ingest, SUBMIT_TRANSACTION, drawn(submission_bytes()))
    for code, response, status in answers:
        assert code in {grpc.StatusCode.OK, *REFUSALS}, (code, status)
        if code == grpc.StatusCode.OK:
            assert response is not None
            assert pb.SubmitTransactionResponse.FromString(response).transaction_id
        else:
            assert status is not None
            assert_named_refusal(status)


async def test_no_submit_each_bytes_get_internal_or_unknown(ingest: RunningIngest):
    answers = await calls(ingest, SUBMIT_EACH, drawn(each_bytes()))
    for code, response, status in answers:
        assert code in {grpc.StatusCode.OK, *REFUSALS}, (code, status)
        if code != grpc.StatusCode.OK:
            assert status is not None
            assert_named_refusal(status)
            continue
        assert response is not None
        for outcome in pb.SubmitEachResponse.FromString(response).outcomes:
            if outcome.HasField("error"):
                assert_named_refusal(outcome.error)
            else:
                assert outcome.accepted.transaction_id


async def test_bytes_that_are_no_request_name_the_request_message(ingest: RunningIngest):
    valid = pb.SubmitTransactionRequest(transaction=a_transaction()).SerializeToString()
    at = valid.index(b"Paris")
    not_utf8 = valid[:at] + b"\xff" + valid[at + 1 :]
    for data in (not_utf8, valid[:-3]):
        try:
            pb.SubmitTransactionRequest.FromString(data)
        except DecodeError:
            pass
        else:
            raise AssertionError("the bytes were meant not to decode")
        code, _, status = await call(ingest, SUBMIT_TRANSACTION, data)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert status is not None
        assert_named_refusal(status)
        assert "fraud.v1.SubmitTransactionRequest" in status.message


async def test_every_record_ingest_produces_can_be_carried_by_every_later_hop(ingest: RunningIngest, kafka):
    """What ingest puts on the topic, whatever the submission held, scoring can read, store can keep
    (no U+0000 in PostgreSQL's text, every instant a datetime) and the edge can send as JSON: no
    record gets past the door that a later hop would refuse or stall on."""
    submissions = [
        pb.SubmitTransactionRequest(transaction=transaction_pb2.TransactionInput.FromString(data))
        for data in drawn(nasty_transactions().map(lambda txn: txn.SerializeToString()))
    ]
    answers = await calls(ingest, SUBMIT_TRANSACTION, [s.SerializeToString() for s in submissions])
    accepted = {pb.SubmitTransactionResponse.FromString(r).transaction_id for code, r, _ in answers if r is not None}
    assert {code for code, _, _ in answers} <= {grpc.StatusCode.OK, *REFUSALS}
    records = [transaction_pb2.Transaction.FromString(record.value) for record in await read_all(kafka, ingest.topic)]
    assert {record.id for record in records} == accepted
    for record in records:
        scored = decision_pb2.ScoredTransaction(transaction=record, score=0.5, decision=decision_pb2.DECISION_APPROVE)
        row = row_from_scored(scored)
        assert not [value for value in row.values() if isinstance(value, str) and "\x00" in value], record
        json.dumps(decision_object(scored), ensure_ascii=False, allow_nan=False).encode()
