"""notify_svc through a real grpc.aio server on a free port, with real gRPC clients, journaling to
the real Kafka (a topic of its own per test)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from fraud.v1 import decision_pb2
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.telemetry import grpc_server_interceptor
from notify_svc.hub import DecisionHub
from notify_svc.server import NotifyServer
from notify_svc.servicer import SERVICE

DECLINE = decision_pb2.DECISION_DECLINE
QUEUE_SIZE = 50


def scored(
    number: int, decision: int = decision_pb2.DECISION_APPROVE, padding: int = 0
) -> decision_pb2.ScoredTransaction:
    message = decision_pb2.ScoredTransaction(score=0.9 if decision == DECLINE else 0.1, decision=decision)
    message.is_fraud = decision == DECLINE
    message.transaction.id = f"t{number}"
    message.transaction.input.user_id = f"user{number % 3}"
    message.transaction.input.amount.minor_units = 1000 + number
    message.transaction.input.amount.currency = "USD"
    if padding:
        message.reasons.add(feature="amount", text="x" * padding)
    return message


@dataclass
class RunningNotify:
    server: NotifyServer
    channel: grpc.aio.Channel
    stub: pb_grpc.NotifyServiceStub
    failures: list[BaseException]
    stopped: bool = False

    @property
    def hub(self) -> DecisionHub:
        return self.server.hub

    async def publish(self, decisions: list[decision_pb2.ScoredTransaction]) -> int:
        response = await self.stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=decisions))
        return response.last_sequence

    async def subscribe(self, **request_fields) -> grpc.aio.UnaryStreamCall:
        call = self.stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(**request_fields))
        await asyncio.wait_for(call.initial_metadata(), 5)  # sent once the subscription is registered
        return call

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await self.server.stop()


def journal_topic() -> str:
    return f"decisions-{uuid.uuid4().hex[:12]}"


@contextlib.asynccontextmanager
async def running_notify(kafka: KafkaBroker, topic: str, retained: int = 10_000) -> AsyncIterator[RunningNotify]:
    """A NotifyServer journaling to `topic`; started again on the same topic, it goes on from it."""
    # The same interceptors as `python -m notify_svc`, so errors and streams pass the same chain.
    server = NotifyServer(
        bootstrap_servers=kafka.bootstrap_servers,
        kafka_security=kafka.admin_security,
        journal_topic=topic,
        listen="127.0.0.1:0",
        retained=retained,
        queue_size=QUEUE_SIZE,
        grace_seconds=5,
        interceptors=[grpc_server_interceptor()],
    )
    failures: list[BaseException] = []
    await server.start(failures.append)
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    running = RunningNotify(server, channel, pb_grpc.NotifyServiceStub(channel), failures)
    try:
        await server.wait_ready(60)
        yield running
    finally:
        await channel.close()
        await running.stop()
    assert not failures


@pytest.fixture
async def notify(kafka) -> AsyncIterator[RunningNotify]:
    async with running_notify(kafka, journal_topic()) as running:
        yield running


async def read(call: grpc.aio.UnaryStreamCall, count: int) -> list[pb.SubscribeDecisionsResponse]:
    return [await asyncio.wait_for(call.read(), 5) for _ in range(count)]


async def read_nothing_more(call: grpc.aio.UnaryStreamCall) -> bool:
    try:
        await asyncio.wait_for(call.read(), 0.2)
    except TimeoutError:
        return True
    return False


async def test_two_subscribers_one_filtered_each_get_what_they_asked_for_once(notify):
    everything = await notify.subscribe(subscriber="console")
    declines = await notify.subscribe(subscriber="alerts", filter=pb.DecisionFilter(decisions=[DECLINE]))
    first = [scored(n, DECLINE if n % 4 == 0 else decision_pb2.DECISION_APPROVE) for n in range(1, 13)]
    assert await notify.publish(first) == 12
    # Scoring re-publishes the batch after a crash, with two new decisions after it.
    assert await notify.publish([*first, scored(13), scored(16, DECLINE)]) == 14

    received = await read(everything, 14)
    assert [r.sequence for r in received] == list(range(1, 15))
    assert [r.decision.transaction.id for r in received] == [f"t{n}" for n in range(1, 14)] + ["t16"]
    assert received[0].decision.transaction.input.amount.minor_units == 1001
    assert received[0].decision.times.HasField("published_at")
    assert not any(r.gap for r in received)

    filtered = await read(declines, 4)
    assert [(r.sequence, r.decision.transaction.id) for r in filtered] == [
        (4, "t4"),
        (8, "t8"),
        (12, "t12"),
        (14, "t16"),
    ]
    assert all(r.decision.decision == DECLINE for r in filtered)
    assert await read_nothing_more(everything)
    assert await read_nothing_more(declines)
    everything.cancel()
    declines.cancel()


async def test_resume_after_disconnect_receives_exactly_the_missed_decisions(notify):
    call = await notify.subscribe(subscriber="edge")
    await notify.publish([scored(n) for n in range(1, 11)])
    seen = await read(call, 5)
    last_seen = seen[-1].sequence
    call.cancel()
    await _until(lambda: notify.hub.subscriber_count == 0)  # the server let go of the cancelled stream

    await notify.publish([scored(n) for n in range(11, 18)])
    resumed = await notify.subscribe(subscriber="edge", after_sequence=last_seen)
    await notify.publish([scored(18)])
    replayed = await read(resumed, 13)
    assert [r.sequence for r in replayed] == list(range(6, 19))
    assert [r.decision.transaction.id for r in replayed] == [f"t{n}" for n in range(6, 19)]
    assert not any(r.gap for r in replayed)
    assert await read_nothing_more(resumed)
    resumed.cancel()


async def test_resume_from_before_the_in_memory_window_is_served_from_the_journal(kafka):
    async with running_notify(kafka, journal_topic(), retained=5) as notify:
        await notify.publish([scored(n) for n in range(1, 21)])  # 16..20 in memory
        call = await notify.subscribe(after_sequence=3)
        await notify.publish([scored(21)])
        replayed = await read(call, 18)
        assert [(r.sequence, r.decision.transaction.id) for r in replayed] == [(n, f"t{n}") for n in range(4, 22)]
        assert not any(r.gap for r in replayed)
        assert await read_nothing_more(call)
        call.cancel()


async def test_a_slow_subscriber_gets_resource_exhausted_naming_where_to_resume_while_a_fast_one_gets_all(notify):
    slow = await notify.subscribe(subscriber="slow")  # never reads until the end
    fast = await notify.subscribe(subscriber="fast")
    fast_sequences: list[int] = []
    fast_progress = asyncio.Condition()

    async def read_fast() -> None:
        async for response in fast:
            async with fast_progress:
                fast_sequences.append(response.sequence)
                fast_progress.notify_all()

    reader = asyncio.create_task(read_fast())
    # Large decisions fill the slow stream's HTTP/2 windows, after which its queue fills. The hub is
    # asked only when to stop publishing; what is asserted is what each client sees.
    published = 0
    while notify.hub.subscriber_count == 2 and published < 20_000:
        published = await notify.publish([scored(published + k, padding=4000) for k in range(1, 11)])
        async with fast_progress:
            await asyncio.wait_for(fast_progress.wait_for(lambda last=published: fast_sequences[-1:] == [last]), 10)
    assert notify.hub.subscriber_count == 1, "the slow subscriber was never cut off"
    published = await notify.publish([scored(published + 1)])  # the publisher and the fast one go on

    slow_sequences: list[int] = []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for response in slow:
            slow_sequences.append(response.sequence)
    error = raised.value
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    last_received = slow_sequences[-1]
    assert slow_sequences == list(range(1, last_received + 1))
    assert error.details() == f"subscriber too slow: queue of {QUEUE_SIZE} full; resume from sequence {last_received}"

    async with fast_progress:
        await asyncio.wait_for(fast_progress.wait_for(lambda: fast_sequences[-1:] == [published]), 10)
    assert fast_sequences == list(range(1, published + 1))
    fast.cancel()
    await asyncio.gather(reader, return_exceptions=True)

    # Resuming where the error says gives the slow subscriber exactly what it missed.
    resumed = await notify.subscribe(subscriber="slow", after_sequence=last_received)
    caught_up = [r.sequence for r in await read(resumed, published - last_received)]
    assert caught_up == list(range(last_received + 1, published + 1))
    resumed.cancel()


@pytest.mark.parametrize(
    ("request_fields", "field", "rule"),
    [
        ({"filter": pb.DecisionFilter(min_score=1.5)}, "filter.min_score", "double.gte_lte"),
        ({"filter": pb.DecisionFilter(decisions=[42])}, "filter.decisions[0]", "enum.defined_only"),
        ({"filter": pb.DecisionFilter(user_id="u" * 65)}, "filter.user_id", "string.max_len"),
    ],
)
async def test_a_bad_filter_is_invalid_argument_naming_the_field_and_rule(notify, request_fields, field, rule):
    call = notify.stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(**request_fields))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call.read()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [(v.field, v.reason) for v in _field_violations(raised.value)] == [(field, rule)]
    assert notify.hub.subscriber_count == 0


async def test_a_bad_publish_request_is_invalid_argument_and_publishes_nothing(notify):
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await notify.publish([])
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in _field_violations(empty.value)] == ["decisions"]
    assert await notify.publish([scored(3)]) == 1  # nothing of the rejected call was numbered


async def test_a_refused_decision_does_not_stop_its_batch(notify):
    call = await notify.subscribe(subscriber="console")
    nameless = scored(2)
    nameless.transaction.id = ""
    response = await notify.stub.PublishDecisions(
        pb.PublishDecisionsRequest(decisions=[scored(1), nameless, scored(3)])
    )
    assert response.last_sequence == 2  # of t3, the last one published
    assert [(e.index, e.status.code) for e in response.refused] == [(1, grpc.StatusCode.INVALID_ARGUMENT.value[0])]
    bad_request = error_details_pb2.BadRequest()
    assert response.refused[0].status.details[0].Unpack(bad_request)
    assert {v.field for v in bad_request.field_violations} == {"transaction.id"}
    received = await read(call, 2)
    assert [(r.sequence, r.decision.transaction.id) for r in received] == [(1, "t1"), (2, "t3")]
    assert await read_nothing_more(call)
    call.cancel()


async def test_server_shutdown_ends_streams_cleanly(notify):
    call = await notify.subscribe(subscriber="console")
    await notify.publish([scored(1), scored(2)])
    await notify.stop()
    assert [r.sequence async for r in call] == [1, 2]  # what was queued still arrives
    assert await call.code() == grpc.StatusCode.OK


async def test_health_reports_the_notify_service_serving(notify):
    health = health_pb2_grpc.HealthStub(notify.channel)
    response = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE.full_name))
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_python_m_notify_svc_serves_and_drains_on_sigterm(kafka):
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        **kafka.client_environment("admin"),
        "NOTIFY_JOURNAL_TOPIC": journal_topic(),
        "NOTIFY_LISTEN": f"127.0.0.1:{port}",
        "METRICS_PORT": str(metrics_port),
        "SHUTDOWN_GRACE_SECONDS": "5",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "notify_svc", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest(service=SERVICE.full_name)
            # NOT_SERVING until its journal is read back, which a busy machine makes take a while:
            # watched until it says SERVING (the deadline fails the test if it never does).
            async for check in health.Watch(request, wait_for_ready=True, timeout=30):
                if check.status == health_pb2.HealthCheckResponse.SERVING:
                    break
            assert await asyncio.to_thread(_metrics_served, metrics_port)
            stub = pb_grpc.NotifyServiceStub(channel)
            call = stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(subscriber="probe"))
            await asyncio.wait_for(call.initial_metadata(), 5)
            await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=[scored(1)]))
            assert (await read(call, 1))[0].decision.transaction.id == "t1"
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(call.code(), 10) == grpc.StatusCode.OK
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
        stderr = (await process.communicate())[1].decode()
    assert "serving fraud.v1.NotifyService" in stderr


def _metrics_served(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return 'fraudmesh_service_info{service="notify"}' in response.read().decode()


def _field_violations(error: grpc.aio.AioRpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    status = rpc_status.from_call(error)
    assert status is not None, "the error carries no google.rpc.Status details"
    violations = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            violations.extend(bad_request.field_violations)
    return violations


async def _until(condition, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
