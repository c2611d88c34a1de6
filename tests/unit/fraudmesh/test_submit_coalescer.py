"""How the coalescer gathers submissions into SubmitEach calls and hands each its own outcome.
The stub here is a plain object: what a real ingest answers is tested in the integration tests."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fraud.v1 import ingest_service_pb2 as pb
from google.rpc import status_pb2

from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.interceptors import status_for
from fraudmesh.submit_coalescer import SubmitCoalescer, error_of


class SlowStub:
    """Answers each SubmitEach when the test releases it; accepts every submission but user 'bad'."""

    def __init__(self, fail_with: grpc.aio.AioRpcError | None = None):
        self.calls: list[list[str]] = []
        self.single_calls = 0  # of them, SubmitTransaction calls
        self.release = asyncio.Event()
        self.fail_with = fail_with

    async def SubmitEach(self, request: pb.SubmitEachRequest, timeout: float) -> pb.SubmitEachResponse:
        self.calls.append([s.transaction.user_id for s in request.submissions])
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return pb.SubmitEachResponse(outcomes=[self._outcome(s) for s in request.submissions])

    async def SubmitTransaction(
        self, request: pb.SubmitTransactionRequest, timeout: float
    ) -> pb.SubmitTransactionResponse:
        self.calls.append([request.transaction.user_id])
        self.single_calls += 1
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        outcome = self._outcome(request)
        if outcome.HasField("error"):
            raise error_of(outcome.error)
        return outcome.accepted

    @staticmethod
    def _outcome(submission: pb.SubmitTransactionRequest) -> pb.SubmitOutcome:
        if submission.transaction.user_id == "bad":
            error = InvalidArgument([FieldViolation("transaction.user_id", "string.pattern", "bad user")])
            return pb.SubmitOutcome(error=status_for(error))
        return pb.SubmitOutcome(
            accepted=pb.SubmitTransactionResponse(transaction_id="id-" + submission.transaction.user_id)
        )


def request(user: str) -> pb.SubmitTransactionRequest:
    request = pb.SubmitTransactionRequest()
    request.transaction.user_id = user
    return request


async def test_an_idle_submission_leaves_at_once_and_later_ones_wait_for_a_free_slot_together():
    stub = SlowStub()
    coalescer = SubmitCoalescer(stub, calls_in_flight=1)
    first = asyncio.ensure_future(coalescer.submit(request("a"), timeout=5))
    await asyncio.sleep(0.01)
    assert stub.calls == [["a"]], "nothing else was waiting: the first submission went alone"
    rest = [asyncio.ensure_future(coalescer.submit(request(u), timeout=5)) for u in ("b", "c", "d")]
    await asyncio.sleep(0.01)
    assert stub.calls == [["a"]], "the only slot is busy: the others queue"
    stub.release.set()
    answers = await asyncio.gather(first, *rest)
    assert [a.transaction_id for a in answers] == ["id-a", "id-b", "id-c", "id-d"]
    assert stub.calls == [["a"], ["b", "c", "d"]]
    assert stub.single_calls == 1, "a lone submission takes the plain call"


async def test_time_spent_queued_counts_and_a_submission_out_of_time_is_not_sent():
    stub = SlowStub()
    coalescer = SubmitCoalescer(stub)  # one call in flight unless told otherwise
    first = asyncio.ensure_future(coalescer.submit(request("a"), timeout=5))
    await asyncio.sleep(0.01)
    hasty = asyncio.ensure_future(coalescer.submit(request("b"), timeout=0.02))
    patient = asyncio.ensure_future(coalescer.submit(request("c"), timeout=5))
    await asyncio.sleep(0.05)
    assert stub.calls == [["a"]], "the call in flight holds the others back"
    stub.release.set()
    with pytest.raises(grpc.aio.AioRpcError) as hasty_error:
        await hasty
    assert hasty_error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert [(await first).transaction_id, (await patient).transaction_id] == ["id-a", "id-c"]
    assert stub.calls == [["a"], ["c"]], "the submission out of time never reached ingest"


async def test_a_refused_submission_raises_its_own_status_and_the_others_succeed():
    stub = SlowStub()
    stub.release.set()
    coalescer = SubmitCoalescer(stub)
    good, bad = await asyncio.gather(
        coalescer.submit(request("a"), timeout=5), coalescer.submit(request("bad"), timeout=5), return_exceptions=True
    )
    assert good.transaction_id == "id-a"
    assert isinstance(bad, grpc.aio.AioRpcError) and bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "transaction.user_id" in bad.details()
    assert bad.trailing_metadata()  # carries the google.rpc.Status with its BadRequest


async def test_a_failed_call_fails_every_submission_in_it_with_that_error():
    unavailable = grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")
    stub = SlowStub(fail_with=unavailable)
    stub.release.set()
    coalescer = SubmitCoalescer(stub)
    answers = await asyncio.gather(*(coalescer.submit(request(u), timeout=5) for u in "abc"), return_exceptions=True)
    assert answers == [unavailable] * 3


async def test_closing_answers_waiting_submissions_with_a_retryable_error():
    stub = SlowStub()
    coalescer = SubmitCoalescer(stub, calls_in_flight=1)
    waiting = [asyncio.ensure_future(coalescer.submit(request(u), timeout=5)) for u in "ab"]
    await asyncio.sleep(0.01)
    await coalescer.close()
    answers = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(a, grpc.aio.AioRpcError) and a.code() == grpc.StatusCode.UNAVAILABLE for a in answers)
    with pytest.raises(grpc.aio.AioRpcError):
        await coalescer.submit(request("c"), timeout=5)


def test_an_error_of_a_status_keeps_its_code_and_message():
    error = error_of(status_pb2.Status(code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message="slow down"))
    assert (error.code(), error.details()) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down")
