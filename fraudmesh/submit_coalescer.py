"""Many concurrent SubmitTransaction calls sent as few SubmitEach calls, each answered on its own.

A gRPC call in grpc.aio costs each side far more CPU than the transaction in it, and about as much
whatever it carries. A client that submits many transactions at once (the edge under REST load, an
internal service) therefore gathers them, as Nagle's algorithm gathers small writes: a submission
goes out at once when no call is in flight, and otherwise waits for the call in flight to be
answered, to leave with everything else that queued meanwhile. An idle client thus adds no delay,
and a busy one sends batches as big as its load makes them, waiting at most one ingest answer for
them. One call in flight is the default because fewer calls make bigger batches, and every
transaction in a batch shares its call's cost, which lowers both ingest's CPU per transaction and
the time to a decision. A lone submission takes SubmitTransaction, which costs ingest less than a
SubmitEach of one.

`submit` answers exactly as `IngestServiceStub.SubmitTransaction` would: the response, or a
`grpc.aio.AioRpcError` with the submission's own status and details (SubmitEach answers each
submission on its own). When the whole call fails (ingest unreachable, out of time), every
submission in it gets that call's error, which is what each would have got alone. A submission's
timeout runs from `submit`, so time spent queued counts, and one whose time ran out in the queue
is answered DEADLINE_EXCEEDED without being sent.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars

import grpc
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc
from google.rpc import status_pb2

MAX_SUBMISSIONS_PER_CALL = 1000  # SubmitEach's limit in the contract
_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}
_DETAILS_KEY = "grpc-status-details-bin"  # where gRPC carries a google.rpc.Status (grpc_status reads it)

# request, deadline, answer
Pending = tuple[
    ingest_service_pb2.SubmitTransactionRequest, float, asyncio.Future[ingest_service_pb2.SubmitTransactionResponse]
]


def error_of(status: status_pb2.Status) -> grpc.aio.AioRpcError:
    """The error a unary call ending with `status` raises, details included."""
    return grpc.aio.AioRpcError(
        _STATUS_CODES.get(status.code, grpc.StatusCode.UNKNOWN),
        grpc.aio.Metadata(),
        grpc.aio.Metadata((_DETAILS_KEY, status.SerializeToString())),
        details=status.message,
    )


class SubmitCoalescer:
    def __init__(
        self, stub: ingest_service_pb2_grpc.IngestServiceStub, calls_in_flight: int = 1, max_per_call: int = 256
    ):
        if not 1 <= max_per_call <= MAX_SUBMISSIONS_PER_CALL:
            raise ValueError(f"max_per_call must be 1 to {MAX_SUBMISSIONS_PER_CALL}")
        self._stub = stub
        self._free_slots = calls_in_flight
        self._max_per_call = max_per_call
        self._queue: collections.deque[Pending] = collections.deque()
        self._send_scheduled = False
        self._calls: set[asyncio.Task[None]] = set()
        self._closed = False

    async def submit(
        self, request: ingest_service_pb2.SubmitTransactionRequest, timeout: float
    ) -> ingest_service_pb2.SubmitTransactionResponse:
        if self._closed:
            raise _closing_error()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[ingest_service_pb2.SubmitTransactionResponse] = loop.create_future()
        self._queue.append((request, loop.time() + timeout, answer))
        if self._free_slots and not self._send_scheduled:
            # On the next turn of the loop, so submissions that arrive in this one leave together;
            # in an empty context: a call gathers many callers' submissions, so it carries none's
            # credential (fraudmesh.access.caller_credentials), only this process's own.
            self._send_scheduled = True
            loop.call_soon(self._send, context=contextvars.Context())
        return await answer

    def _send(self) -> None:
        self._send_scheduled = False
        now = asyncio.get_running_loop().time()
        while self._free_slots and self._queue:
            batch = [self._queue.popleft() for _ in range(min(self._max_per_call, len(self._queue)))]
            expired = [pending for pending in batch if pending[1] <= now]
            if expired:  # the error is built only when needed: building it is dear, and most sends have none
                _fail(expired, _expired_error())
            batch = [pending for pending in batch if pending[1] > now and not pending[2].done()]
            if not batch:
                continue
            self._free_slots -= 1
            call = asyncio.create_task(self._call(batch))
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)

    async def _call(self, batch: list[Pending]) -> None:
        try:
            timeout = max(deadline for _, deadline, _ in batch) - asyncio.get_running_loop().time()
            try:
                if len(batch) == 1:  # alone: the plain call answers the same and costs ingest less than SubmitEach
                    ((submission, _, answer),) = batch
                    response = await self._stub.SubmitTransaction(submission, timeout=timeout)
                    if not answer.done():
                        answer.set_result(response)
                    return
                request = ingest_service_pb2.SubmitEachRequest(submissions=[submission for submission, _, _ in batch])
                response = await self._stub.SubmitEach(request, timeout=timeout)
            except grpc.aio.AioRpcError as error:
                _fail(batch, error)
                return
            except asyncio.CancelledError:  # the client is closing: the submissions' fate is unknown
                _fail(batch, _closing_error())
                raise
            _answer(batch, response)
        finally:
            self._free_slots += 1
            if self._queue and not self._closed:
                self._send()

    async def close(self) -> None:
        """Submissions not yet answered get UNAVAILABLE: retryable, as their fate is unknown."""
        self._closed = True
        _fail(list(self._queue), _closing_error())
        self._queue.clear()
        for call in list(self._calls):
            call.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)


def _closing_error() -> grpc.aio.AioRpcError:
    return error_of(
        status_pb2.Status(
            code=grpc.StatusCode.UNAVAILABLE.value[0], message="the client closed before ingest answered; retry"
        )
    )


def _expired_error() -> grpc.aio.AioRpcError:
    return error_of(
        status_pb2.Status(
            code=grpc.StatusCode.DEADLINE_EXCEEDED.value[0],
            message="the submission's time ran out before it could be sent; retry",
        )
    )


def _fail(batch: list[Pending], error: grpc.aio.AioRpcError) -> None:
    for _, _, answer in batch:
        if not answer.done():
            answer.set_exception(error)


def _answer(batch: list[Pending], response: ingest_service_pb2.SubmitEachResponse) -> None:
    outcomes = response.outcomes
    if len(outcomes) != len(batch):
        _fail(
            batch,
            error_of(
                status_pb2.Status(
                    code=grpc.StatusCode.INTERNAL.value[0],
                    message=f"ingest answered {len(outcomes)} outcomes for {len(batch)} submissions",
                )
            ),
        )
        return
    for (_, _, answer), outcome in zip(batch, outcomes, strict=True):
        if answer.done():  # its caller gave up (cancelled)
            continue
        if outcome.HasField("accepted"):
            answer.set_result(outcome.accepted)
        else:
            answer.set_exception(error_of(outcome.error))
