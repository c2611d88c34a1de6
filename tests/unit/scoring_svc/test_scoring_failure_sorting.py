"""How scoring sorts what a peer answers a batch with (scoring_svc.failures, scoring_svc.isolation):
items the peer refuses are named and everything else was taken; transient failures are retried a few
times and then hold the batch; INTERNAL, UNKNOWN and a whole-batch INVALID_ARGUMENT make scoring look
for the refused records one at a time, so one bad record never stops the others."""

from __future__ import annotations

import grpc
import pytest
from fraud.v1 import dead_letter_pb2, store_service_pb2
from google.rpc import error_details_pb2, status_pb2

from scoring_svc.failures import PeerUnavailable, status_of
from scoring_svc.isolation import send_sorted
from scoring_svc.retry_policy import RetryPolicy

ATTEMPTS = 3


async def no_wait(seconds: float) -> None:
    pass


POLICY = RetryPolicy(attempts=ATTEMPTS, sleep=no_wait)
Code = grpc.StatusCode


def rpc_error(
    code: grpc.StatusCode, details: str = "", status: status_pb2.Status | None = None
) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata()
    if status is not None:
        trailing.add("grpc-status-details-bin", status.SerializeToString())
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details)


def bad_city(index: int) -> status_pb2.Status:
    violation = error_details_pb2.BadRequest.FieldViolation(
        field=f"decisions[{index}].transaction.input.location.city", description="must not contain NUL"
    )
    status = status_pb2.Status(code=Code.INVALID_ARGUMENT.value[0], message="bad city")
    status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    return status


class Peer:
    """Answers each call from a script: a batch call, or item calls by index."""

    def __init__(self, batch_answers: list, item_answers: dict[int, list] | None = None) -> None:
        self.batch_answers = batch_answers
        self.item_answers = item_answers or {}
        self.calls: list[str | int] = []

    async def send_all(self) -> store_service_pb2.PutDecisionsResponse:
        self.calls.append("batch")
        return self._answer(self.batch_answers.pop(0))

    async def send_one(self, index: int) -> store_service_pb2.PutDecisionsResponse:
        self.calls.append(index)
        answers = self.item_answers.get(index, [])
        return self._answer(answers.pop(0) if answers else store_service_pb2.PutDecisionsResponse(inserted=1))

    @staticmethod
    def _answer(answer):
        if isinstance(answer, BaseException):
            raise answer
        return answer


async def sort(peer: Peer, count: int):
    return await send_sorted("storing", peer.send_all, peer.send_one, count, POLICY)


async def test_items_the_peer_refuses_are_named_and_the_rest_was_taken():
    refused = dead_letter_pb2.ItemError(index=2, status=bad_city(2))
    peer = Peer([store_service_pb2.PutDecisionsResponse(inserted=4, refused=[refused])])
    [refusal] = await sort(peer, 5)
    assert (refusal.index, refusal.status, refusal.attempts) == (2, bad_city(2), 1)
    assert peer.calls == ["batch"]


async def test_a_transient_failure_is_retried_and_then_holds_the_batch():
    peer = Peer([rpc_error(Code.UNAVAILABLE, "store down")] * ATTEMPTS)
    with pytest.raises(PeerUnavailable, match="UNAVAILABLE: store down"):
        await sort(peer, 5)
    assert peer.calls == ["batch"] * ATTEMPTS  # bounded, and no record was looked at alone


async def test_a_transient_failure_that_passes_takes_the_batch():
    peer = Peer([rpc_error(Code.DEADLINE_EXCEEDED), store_service_pb2.PutDecisionsResponse(inserted=5)])
    assert await sort(peer, 5) == []
    assert peer.calls == ["batch", "batch"]


@pytest.mark.parametrize("code", [Code.PERMISSION_DENIED, Code.UNAUTHENTICATED, Code.UNIMPLEMENTED])
async def test_a_deployment_problem_holds_the_batch_at_once(code):
    peer = Peer([rpc_error(code)])
    with pytest.raises(PeerUnavailable):
        await sort(peer, 5)
    assert peer.calls == ["batch"]


async def test_a_peer_bug_is_retried_then_looked_for_in_single_records():
    crash = rpc_error(Code.INTERNAL, "division by zero")
    peer = Peer([crash] * ATTEMPTS, {3: [rpc_error(Code.INTERNAL, "division by zero")]})
    [refusal] = await sort(peer, 5)
    assert refusal.index == 3
    assert refusal.status == status_pb2.Status(code=Code.INTERNAL.value[0], message="division by zero")
    assert refusal.attempts == ATTEMPTS + 1  # with the batch, then alone
    assert peer.calls == ["batch"] * ATTEMPTS + [0, 1, 2, 3, 4]


async def test_a_whole_batch_refused_as_invalid_is_sent_one_by_one_and_only_the_bad_record_is_refused():
    # A store that refuses the whole batch for one record's sake (before it answers per item).
    peer = Peer(
        [rpc_error(Code.INVALID_ARGUMENT, "bad city", bad_city(0))],
        {1: [rpc_error(Code.INVALID_ARGUMENT, "bad city", bad_city(0))]},
    )
    [refusal] = await sort(peer, 3)
    assert refusal.index == 1
    assert refusal.status == bad_city(0)  # the field violations travel on to the dead letter
    assert peer.calls == ["batch", 0, 1, 2]  # INVALID_ARGUMENT is no reason to retry the batch


async def test_a_record_refused_alone_in_an_item_answer_is_refused():
    refused = dead_letter_pb2.ItemError(index=0, status=bad_city(0))
    peer = Peer([rpc_error(Code.UNKNOWN)] * ATTEMPTS, {0: [store_service_pb2.PutDecisionsResponse(refused=[refused])]})
    [refusal] = await sort(peer, 2)
    assert (refusal.index, refusal.status) == (0, bad_city(0))


async def test_a_peer_that_goes_away_while_records_are_sent_alone_holds_the_batch():
    peer = Peer([rpc_error(Code.INTERNAL)] * ATTEMPTS, {1: [rpc_error(Code.UNAVAILABLE)] * ATTEMPTS})
    with pytest.raises(PeerUnavailable):
        await sort(peer, 3)


async def test_an_answer_naming_an_item_the_batch_does_not_have_refuses_nothing_else():
    answer = store_service_pb2.PutDecisionsResponse(
        refused=[dead_letter_pb2.ItemError(index=7), dead_letter_pb2.ItemError(index=1, status=bad_city(1))]
    )
    assert [refusal.index for refusal in await sort(Peer([answer]), 2)] == [1]


def test_the_status_of_a_failed_call_keeps_its_details_or_is_made_from_its_code():
    assert status_of(rpc_error(Code.INVALID_ARGUMENT, "bad city", bad_city(4))) == bad_city(4)
    assert status_of(rpc_error(Code.INTERNAL, "boom")) == status_pb2.Status(code=Code.INTERNAL.value[0], message="boom")
