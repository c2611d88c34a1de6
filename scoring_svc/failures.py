"""How scoring sorts a failure: transient (wait and try again, nothing is skipped) or permanent for
one record (set it aside on the dead-letter topic, the rest of the batch goes on).

By the status code a peer (store_svc, notify_svc) answered a call with:

- Transient: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED. The peer, or the way to
  it, cannot take anything right now: a few retries with backoff and jitter, then the batch is held
  (scoring_svc.holding) and tried again until the peer is back.
- Refused records: INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE (the peer would not take
  something in the batch), and INTERNAL and UNKNOWN once retried like the transient ones: a peer's
  bug may be triggered by one record, and that record must not stop everyone. The batch is sent
  again one record at a time, and a record refused alone is set aside with the status it was refused
  with. A peer that fails every record with INTERNAL therefore sets every record aside: they can all
  be replayed, and fraudmesh_dead_letters_total shows it at once, whereas holding such batches
  instead would let one batch made only of poison records stop everyone for good.
- Anything else (PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED, NOT_FOUND, ...) tells about the
  deployment, not the records: the batch is held as for a transient failure, so that nothing is set
  aside that a corrected configuration would take.

A peer's answer may also refuse single items (`refused` in PutDecisionsResponse and
PublishDecisionsResponse): those it will never take; they are set aside, everything else was taken.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import grpc
from google.rpc import status_pb2
from grpc_status import rpc_status

from fraudmesh.errors import Unavailable

HOP = "scoring"  # the hop scoring's dead letters name
Code = grpc.StatusCode

TRANSIENT = frozenset({Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.ABORTED})
# A peer's own failure: retried as the transient ones, then looked for in single records.
PEER_BUGS = frozenset({Code.INTERNAL, Code.UNKNOWN})
RETRIED = TRANSIENT | PEER_BUGS
REFUSES_RECORDS = PEER_BUGS | {Code.INVALID_ARGUMENT, Code.FAILED_PRECONDITION, Code.OUT_OF_RANGE}


class PeerUnavailable(Unavailable):
    """A peer cannot take a batch for now (transient, or a deployment problem): the batch is held and
    tried again later; no record of it is set aside or skipped."""


@dataclass(frozen=True)
class Refusal:
    """One item of a batch its peer will never take."""

    index: int  # the item's position in the request
    status: status_pb2.Status
    attempts: int  # calls that carried it


class CallFailed(Exception):
    """A call that failed for good after its retries."""

    def __init__(self, what: str, error: grpc.aio.AioRpcError, attempts: int) -> None:
        self.error = error
        self.attempts = attempts
        super().__init__(f"{what}: {error.code().name}: {error.details()} (after {attempts} attempts)")

    @property
    def code(self) -> grpc.StatusCode:
        return self.error.code()


def status_of(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    """The google.rpc.Status the peer answered with, details (field violations) included."""
    with contextlib.suppress(ValueError):  # details that contradict the call's code: the code stands
        status = rpc_status.from_call(error)
        if status is not None:
            return status
    return status_pb2.Status(code=error.code().value[0], message=error.details() or "")


def status_of_exception(error: BaseException, code: grpc.StatusCode = Code.INTERNAL) -> status_pb2.Status:
    return status_pb2.Status(code=code.value[0], message=f"{type(error).__name__}: {error}")
