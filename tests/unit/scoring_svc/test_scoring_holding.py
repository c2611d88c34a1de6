"""Holding batches while a peer is away (scoring_svc.holding) and what it does to readiness
(scoring_svc.readiness): a held step is tried again until it succeeds, the instance is stalled (and
NOT_SERVING, saying why) exactly while some batch is held, and goes back by itself."""

from __future__ import annotations

import asyncio

import pytest

from fraudmesh.errors import Unavailable
from scoring_svc.holding import Holding, HoldPolicy
from scoring_svc.lag import lag_of
from scoring_svc.readiness import ASSIGNMENT, FIRST_INFERENCE, MODEL_CHOICE, Readiness


class Steps:
    """A step failing `failures` times with Unavailable, then answering."""

    def __init__(self, failures: int, answer: str = "done") -> None:
        self.failures = failures
        self.answer = answer
        self.tries = 0

    async def __call__(self) -> str:
        self.tries += 1
        if self.tries <= self.failures:
            raise Unavailable("store_svc: UNAVAILABLE")
        return self.answer


class Waits:
    """The holding's sleep: records each wait, and lets a test hold the step between tries."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.go_on = asyncio.Event()
        self.go_on.set()

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await self.go_on.wait()


def holding(waits: Waits, changes: list, max_delay: float = 10.0) -> Holding:
    return Holding(HoldPolicy(first_delay=0.5, max_delay=max_delay, sleep=waits), changes.append)


async def test_a_held_step_is_tried_again_until_it_succeeds_with_growing_capped_waits():
    waits, changes = Waits(), []
    step = Steps(failures=8)
    assert await holding(waits, changes, max_delay=4.0).until_done("batch", "storing", step) == "done"
    assert step.tries == 9
    assert len(waits.seconds) == 8 and max(waits.seconds) <= 4.0
    assert waits.seconds[0] <= 1.0 and waits.seconds[-1] >= 2.0  # 0.5 plus jitter, then doubled up to the cap
    assert changes == ["storing: store_svc: UNAVAILABLE", None]  # stalled once, then going on once


async def test_the_instance_is_stalled_while_any_batch_is_held():
    waits, changes = Waits(), []
    hold = holding(waits, changes)
    waits.go_on.clear()
    first = asyncio.create_task(hold.until_done("first", "storing", Steps(failures=1)))
    second = asyncio.create_task(hold.until_done("second", "publishing", Steps(failures=1)))
    await hold.wait_stalled()
    while len(waits.seconds) < 2:  # both are waiting for their next try
        await asyncio.sleep(0)
    assert hold.stalled and hold.reason == "storing: store_svc: UNAVAILABLE"
    waits.go_on.set()
    await asyncio.gather(first, second)
    assert not hold.stalled and changes == ["storing: store_svc: UNAVAILABLE", None]


async def test_a_step_failing_for_another_reason_is_not_held():
    waits, changes = Waits(), []

    async def broken() -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        await holding(waits, changes).until_done("batch", "storing", broken)
    assert waits.seconds == [] and changes == []


class Health:
    def __init__(self) -> None:
        self.reported: list[bool] = []

    async def __call__(self, serving: bool) -> None:
        self.reported.append(serving)


async def test_ready_only_when_warm_and_not_while_stalled():
    health = Health()
    readiness = Readiness(health)
    await readiness.report()
    await readiness.done(MODEL_CHOICE)
    await readiness.done(FIRST_INFERENCE)
    assert health.reported == [False] and readiness.why_not == "waiting for the partitions assigned"
    await readiness.done(ASSIGNMENT)
    assert health.reported == [False, True]

    readiness.stalled("storing: store_svc: UNAVAILABLE")
    await readiness.report()
    assert health.reported == [False, True, False] and readiness.why_not == "stalled: storing: store_svc: UNAVAILABLE"
    readiness.stalled(None)
    await readiness.report()
    assert health.reported == [False, True, False, True]


def test_lag_is_what_the_group_has_not_committed():
    assert lag_of(end=1500, committed=1200, beginning=0) == 300
    assert lag_of(end=1500, committed=None, beginning=1000) == 500  # never committed: from the beginning
    assert lag_of(end=1500, committed=1500, beginning=0) == 0
