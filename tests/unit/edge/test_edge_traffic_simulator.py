"""The traffic control's pacing, limits and error counting, on a stepped clock (no waiting on real time)."""

import asyncio

import grpc
import pytest
from fraud.v1 import transaction_pb2

from edge.traffic_simulator import MAX_RATE_PER_SECOND, TrafficSimulator, is_loopback_address


class SteppedClock:
    """Each reading is `step` seconds after the previous one: one tick of the run per reading."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class CountingGenerator:
    def __init__(self, users: int):
        self.users = users
        self.made = 0

    def take(self, count: int) -> list[transaction_pb2.TransactionInput]:
        self.made += count
        return [transaction_pb2.TransactionInput(user_id=f"u{i % self.users}") for i in range(count)]


class Ingest:
    def __init__(self):
        self.batches: list[int] = []
        self.refuse = False

    async def submit(self, batch) -> None:
        if self.refuse:
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, None, None, details="kafka is down")
        self.batches.append(len(batch))


def paced(ingest: Ingest, max_seconds: float) -> TrafficSimulator:
    return TrafficSimulator(
        ingest.submit, CountingGenerator, max_seconds=max_seconds, tick_seconds=0, clock=SteppedClock(0.1)
    )


async def run_to_end(simulator: TrafficSimulator, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while simulator.status().running:
            await asyncio.sleep(0.001)


async def test_a_run_sends_rate_times_duration_and_stops_by_itself_at_its_limit():
    ingest = Ingest()
    simulator = paced(ingest, max_seconds=5)
    status = await simulator.start(rate=40, users=10)
    assert status.running and status.rate == 40 and status.users == 10
    await run_to_end(simulator)
    # 5 s at 40/s: 200, give or take the one tick the start and the limit fall in.
    assert 190 <= sum(ingest.batches) <= 200
    assert max(ingest.batches) <= 5  # paced: about a tick's worth at a time, not a burst
    final = simulator.status()
    assert not final.running and final.sent == sum(ingest.batches) and final.errors == 0


async def test_a_fractional_rate_sends_one_now_and_then():
    ingest = Ingest()
    simulator = paced(ingest, max_seconds=20)
    await simulator.start(rate=0.5)
    await run_to_end(simulator)
    assert set(ingest.batches) == {1}
    assert 9 <= len(ingest.batches) <= 10


async def test_refused_batches_are_counted_as_errors_with_the_reason():
    ingest = Ingest()
    ingest.refuse = True
    simulator = paced(ingest, max_seconds=1)
    await simulator.start(rate=100)
    await run_to_end(simulator)
    status = simulator.status()
    assert status.sent == 0 and 80 <= status.errors <= 100
    assert status.last_error == "UNAVAILABLE: kafka is down"


async def test_stop_ends_the_run_and_a_new_start_counts_afresh():
    ingest = Ingest()
    simulator = TrafficSimulator(ingest.submit, CountingGenerator, tick_seconds=0.001)
    await simulator.start(rate=1000, users=5)
    async with asyncio.timeout(10):
        while sum(ingest.batches) < 20:
            await asyncio.sleep(0.005)
    stopped = await simulator.stop()
    assert not stopped.running and stopped.sent >= 20
    sent = sum(ingest.batches)
    await asyncio.sleep(0.05)
    assert sum(ingest.batches) == sent  # nothing after stop
    restarted = await simulator.start(rate=10, users=5)
    assert restarted.running and restarted.sent == 0
    await simulator.stop()


async def test_a_second_start_changes_the_rate_of_the_running_one_and_rebuilds_only_for_new_users():
    built: list[int] = []

    def make(users: int) -> CountingGenerator:
        built.append(users)
        return CountingGenerator(users)

    simulator = TrafficSimulator(Ingest().submit, make, tick_seconds=0.001)
    await simulator.start(rate=5, users=3)
    changed = await simulator.start(rate=50, users=3)
    assert changed.running and changed.rate == 50
    await simulator.start(rate=50, users=4)
    assert built == [3, 4]
    await simulator.stop()


@pytest.mark.parametrize(("rate", "users"), [(0, None), (-1, None), (MAX_RATE_PER_SECOND + 1, None), (1, 0)])
async def test_rates_and_cardholders_out_of_bounds_are_refused(rate, users):
    simulator = TrafficSimulator(Ingest().submit, CountingGenerator)
    with pytest.raises(ValueError, match="rate|users"):
        await simulator.start(rate=rate, users=users)
    assert not simulator.status().running


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
def test_only_an_ingest_on_this_machine_gets_simulated_traffic(address, local):
    assert is_loopback_address(address) is local
