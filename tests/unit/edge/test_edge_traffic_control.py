"""The traffic control's pacing, limits and error counting, against a fake scoring source and a fake
ingest, on a stepped clock (no waiting on real time)."""

import asyncio

import grpc
import pytest
from fraud.v1 import transaction_pb2

from edge.traffic_control import MAX_BATCH, MAX_RATE_PER_SECOND, TrafficControl, is_loopback_address


class SteppedClock:
    """Each reading is `step` seconds after the previous one: one tick of the run per reading."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def unavailable(details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, None, None, details=details)


class Scoring:
    """Stands in for scoring's GenerateTransactions: numbered transactions of `users` cardholders."""

    def __init__(self):
        self.asked: list[tuple[int, int]] = []
        self.made = 0
        self.refuse = False

    async def generate(self, users: int, count: int) -> list[transaction_pb2.TransactionInput]:
        if self.refuse:
            raise unavailable("scoring is restarting")
        self.asked.append((users, count))
        made = [
            transaction_pb2.TransactionInput(user_id=f"u{(self.made + i) % users}", merchant_id=str(self.made + i))
            for i in range(count)
        ]
        self.made += count
        return made


class Ingest:
    def __init__(self):
        self.batches: list[list[transaction_pb2.TransactionInput]] = []
        self.refuse = False

    async def submit(self, batch) -> None:
        if self.refuse:
            raise unavailable("kafka is down")
        self.batches.append(batch)

    def sent(self) -> int:
        return sum(map(len, self.batches))


def paced(scoring: Scoring, ingest: Ingest, max_seconds: float) -> TrafficControl:
    return TrafficControl(
        ingest.submit, scoring.generate, max_seconds=max_seconds, tick_seconds=0, clock=SteppedClock(0.1)
    )


async def run_to_end(control: TrafficControl, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while control.status().running:
            await asyncio.sleep(0.001)


async def test_a_run_sends_what_scoring_generates_at_rate_times_duration_and_stops_by_itself_at_its_limit():
    scoring, ingest = Scoring(), Ingest()
    control = paced(scoring, ingest, max_seconds=5)
    status = await control.start(rate=40, users=10)
    assert status.running and status.rate == 40 and status.users == 10
    await run_to_end(control)
    # 5 s at 40/s: 200, give or take the one tick the start and the limit fall in.
    assert 190 <= ingest.sent() <= 200
    assert max(map(len, ingest.batches)) <= 5  # paced: about a tick's worth at a time, not a burst
    # Every batch is the next part of the one stream, asked for with the run's cardholders.
    assert [m.merchant_id for batch in ingest.batches for m in batch] == [str(i) for i in range(ingest.sent())]
    assert {users for users, _ in scoring.asked} == {10}
    assert [count for _, count in scoring.asked] == list(map(len, ingest.batches))
    final = control.status()
    assert not final.running and final.sent == ingest.sent() and final.errors == 0


async def test_a_fractional_rate_sends_one_now_and_then():
    ingest = Ingest()
    control = paced(Scoring(), ingest, max_seconds=20)
    await control.start(rate=0.5)
    await run_to_end(control)
    assert set(map(len, ingest.batches)) == {1}
    assert 9 <= len(ingest.batches) <= 10


async def test_a_batch_never_exceeds_what_one_call_may_carry():
    scoring, ingest = Scoring(), Ingest()
    control = TrafficControl(ingest.submit, scoring.generate, max_seconds=5, tick_seconds=0, clock=SteppedClock(1.0))
    await control.start(rate=MAX_RATE_PER_SECOND, users=3)
    await run_to_end(control)
    # 2,000 owed each second, but one call carries at most 1,000 (and no more than a second's worth is owed).
    assert [count for _, count in scoring.asked] == [MAX_BATCH] * 3
    assert ingest.sent() == 3 * MAX_BATCH


async def test_refused_batches_are_counted_as_errors_with_the_reason():
    ingest = Ingest()
    ingest.refuse = True
    control = paced(Scoring(), ingest, max_seconds=1)
    await control.start(rate=100)
    await run_to_end(control)
    status = control.status()
    assert status.sent == 0 and 80 <= status.errors <= 100
    assert status.last_error == "UNAVAILABLE: kafka is down"


async def test_batches_scoring_cannot_generate_are_counted_as_errors_and_nothing_reaches_ingest():
    scoring, ingest = Scoring(), Ingest()
    scoring.refuse = True
    control = paced(scoring, ingest, max_seconds=1)
    await control.start(rate=100)
    await run_to_end(control)
    status = control.status()
    assert ingest.batches == [] and status.sent == 0 and 80 <= status.errors <= 100
    assert status.last_error == "scoring's GenerateTransactions: UNAVAILABLE: scoring is restarting"


async def test_a_run_that_breaks_ends_and_says_why():
    async def broken(users: int, count: int) -> list[transaction_pb2.TransactionInput]:
        raise RuntimeError("no cities")

    control = TrafficControl(Ingest().submit, broken, tick_seconds=0.001)
    await control.start(rate=100)
    await run_to_end(control)
    assert control.status().last_error == "traffic failed: no cities"


async def test_stop_ends_the_run_and_a_new_start_counts_afresh():
    ingest = Ingest()
    control = TrafficControl(ingest.submit, Scoring().generate, tick_seconds=0.001)
    await control.start(rate=1000, users=5)
    async with asyncio.timeout(10):
        while ingest.sent() < 20:
            await asyncio.sleep(0.005)
    stopped = await control.stop()
    assert not stopped.running and stopped.sent >= 20
    sent = ingest.sent()
    await asyncio.sleep(0.05)
    assert ingest.sent() == sent  # nothing after stop
    restarted = await control.start(rate=10, users=5)
    assert restarted.running and restarted.sent == 0
    await control.stop()


async def test_a_second_start_changes_the_rate_and_cardholders_of_the_running_run():
    scoring = Scoring()
    control = TrafficControl(Ingest().submit, scoring.generate, tick_seconds=0.001)
    first = await control.start(rate=500, users=3)
    async with asyncio.timeout(10):
        while not scoring.asked:
            await asyncio.sleep(0.001)
    changed = await control.start(rate=800, users=4)
    assert changed.running and changed.rate == 800 and changed.users == 4
    assert changed.started_at == first.started_at  # the same run
    asked = len(scoring.asked)
    async with asyncio.timeout(10):
        while len(scoring.asked) == asked:
            await asyncio.sleep(0.001)
    await control.stop()
    assert scoring.asked[0][0] == 3 and scoring.asked[-1][0] == 4


@pytest.mark.parametrize(
    ("rate", "users"), [(0, None), (-1, None), (MAX_RATE_PER_SECOND + 1, None), (1, 0), (1, 20_001)]
)
async def test_rates_and_cardholders_out_of_bounds_are_refused(rate, users):
    control = TrafficControl(Ingest().submit, Scoring().generate)
    with pytest.raises(ValueError, match=r"rate|users"):
        await control.start(rate=rate, users=users)
    assert not control.status().running


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1:50051", True),
        ("127.3.2.1:50051", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("dns:///127.0.0.1:50051", True),
        ("0.0.0.0:50051", False),
        ("10.0.0.5:50051", False),
        ("ingest:50051", False),
        ("ingest.example.com:50051", False),
    ],
)
def test_only_an_ingest_on_this_machine_gets_generated_traffic(address, local):
    assert is_loopback_address(address) is local
