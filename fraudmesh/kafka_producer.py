"""A Kafka producer that says the truth: `send` returns only once the broker has acknowledged every
record (acks=all, idempotent producer), and otherwise raises Unavailable, which callers pass on as a
retryable error. It connects in the background, so a service can start before Kafka does.

librdkafka (confluent-kafka) does the work: it builds batches, partitions, sends, retries and reads
acknowledgements on its own threads, off the event loop and without the GIL, where a pure-Python
client (aiokafka) would do all of that on the loop, per record. A thread serves librdkafka's
delivery reports and hands them to the loop in bunches."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Sequence
from typing import cast

import confluent_kafka

from fraudmesh.errors import Unavailable
from fraudmesh.kafka_connect import start_when_reachable
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity

log = logging.getLogger(__name__)

Record = tuple[bytes, bytes]  # key, value
_POLL_SECONDS = 0.1
_WATCHDOG_SECONDS = 0.5


class AcknowledgedProducer:
    def __init__(
        self,
        bootstrap_servers: str,
        linger_ms: int = 1,
        request_timeout_ms: int = 10_000,
        security: KafkaSecurity = PLAINTEXT,
    ):
        self._timeout = request_timeout_ms / 1000
        self._config = {
            "bootstrap.servers": bootstrap_servers,
            **security.confluent(),
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": linger_ms,
            # Java's partitioner (murmur2), which aiokafka used too: a user's records keep going to
            # the partition they always went to, so their order and scoring's per-user state hold.
            "partitioner": "murmur2_random",
            # A record not acknowledged in this time is reported failed (the caller gets UNAVAILABLE),
            # whether the broker is slow, down or was never reachable.
            "message.timeout.ms": request_timeout_ms,
            "request.timeout.ms": min(request_timeout_ms, 30_000),
            "message.max.bytes": 1024 * 1024,
            "logger": log,
        }
        self._producer: confluent_kafka.Producer | None = None
        self._started = asyncio.Event()
        self._connector: asyncio.Task[None] | None = None
        self._poller: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Delivery reports from librdkafka's callbacks (any thread), resolved on the loop in bunches.
        self._reports: collections.deque[tuple[asyncio.Future[None], confluent_kafka.KafkaError | None]] = (
            collections.deque()
        )
        self._resolve_scheduled = False
        # (deadline, waiter) in send order. librdkafka reports every record within
        # message.timeout.ms; should a report never come, the watchdog fails the waiter a second
        # later, so no caller hangs. One shared check instead of a timer per call, which would be
        # scheduled and cancelled on every send.
        self._deadlines: collections.deque[tuple[float, asyncio.Future[None]]] = collections.deque()
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._started.is_set()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._producer = confluent_kafka.Producer(self._config)
        self._poller = threading.Thread(target=self._serve_delivery_reports, name="kafka-delivery-reports", daemon=True)
        self._poller.start()
        self._connector = asyncio.create_task(self._connect())
        self._watchdog = asyncio.create_task(self._fail_overdue())

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._started.wait(), timeout)

    async def _connect(self) -> None:
        # librdkafka connects by itself; a metadata answer says the broker is there.
        producer = self._producer
        assert producer is not None
        await start_when_reachable(
            lambda: asyncio.to_thread(producer.list_topics, timeout=5), retry_on=(confluent_kafka.KafkaException,)
        )
        self._started.set()
        log.info("connected to Kafka")

    async def send(self, topic: str, records: Sequence[Record], headers: list[tuple[str, bytes]] | None = None) -> None:
        """Returns once the broker has every record; raises Unavailable if it does not have them all."""
        for error in await self.send_each(topic, records, headers):
            if error is not None:
                raise error

    async def send_each(
        self, topic: str, records: Sequence[Record], headers: list[tuple[str, bytes]] | None = None
    ) -> list[Unavailable | None]:
        """Produces every record and answers for each once the broker has acknowledged it (None) or
        refused it (Unavailable): one record's failure is not the others'."""
        if not self._started.is_set():
            return [Unavailable("Kafka is not reachable; retry later")] * len(records)
        assert self._producer is not None and self._loop is not None
        create_future = self._loop.create_future
        deadline = time.monotonic() + self._timeout + 1
        waiters: list[asyncio.Future[None]] = []
        refused: Unavailable | None = None
        for key, value in records:
            waiter = create_future()
            try:
                # confluent-kafka's stub types `headers` as a list of (str, str | bytes | None), and a list is
                # invariant; produce only reads it, so a list of (str, bytes) is as good.
                self._producer.produce(
                    topic,
                    value,
                    key,
                    headers=headers or None,  # type: ignore[arg-type]
                    on_delivery=functools.partial(self._delivered, waiter),
                )
            except (BufferError, confluent_kafka.KafkaException) as error:
                # Records queued before the failure still go out; the rest are refused and retried
                # by their callers (ids are stable).
                refused = Unavailable(f"Kafka producer refused the write ({error}); retry later")
                break
            waiters.append(waiter)
            self._deadlines.append((deadline, waiter))
        if len(waiters) == 1:
            try:
                await waiters[0]
                outcomes: list[Unavailable | None] = [None]
            except Unavailable as error:
                outcomes = [error]
        else:
            # A waiter fails only with Unavailable (delivery report or watchdog); none is cancelled.
            outcomes = cast("list[Unavailable | None]", list(await asyncio.gather(*waiters, return_exceptions=True)))
        return outcomes + [refused] * (len(records) - len(waiters))

    async def _fail_overdue(self) -> None:
        deadlines = self._deadlines
        while True:
            await asyncio.sleep(_WATCHDOG_SECONDS)
            now = time.monotonic()
            while deadlines and deadlines[0][0] <= now:
                _, waiter = deadlines.popleft()
                if not waiter.done():
                    waiter.set_exception(Unavailable("Kafka did not acknowledge the write in time; retry later"))
            # Answered waiters are dropped from the front too, so the queue holds about a timeout's worth.
            while deadlines and deadlines[0][1].done():
                deadlines.popleft()

    def _delivered(
        self, waiter: asyncio.Future[None], error: confluent_kafka.KafkaError | None, _message: object
    ) -> None:
        """librdkafka's delivery callback, on whichever thread served it (poller, flush)."""
        self._reports.append((waiter, error))
        if not self._resolve_scheduled:
            self._resolve_scheduled = True
            loop = self._loop
            assert loop is not None  # set by start(), before any record is produced
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(self._resolve_reports)

    def _resolve_reports(self) -> None:
        self._resolve_scheduled = False  # before draining: a report appended from now on schedules again
        reports = self._reports
        while reports:
            waiter, error = reports.popleft()
            if waiter.done():  # the caller gave up (timeout, cancelled)
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(
                    Unavailable(f"Kafka did not acknowledge the write ({error.name()}: {error.str()}); retry later")
                )

    def _serve_delivery_reports(self) -> None:
        producer = self._producer
        assert producer is not None
        while not self._stopping.is_set():
            try:
                producer.poll(_POLL_SECONDS)
            except Exception:  # a callback failed; the thread must go on serving the others
                log.exception("serving Kafka delivery reports failed")

    async def stop(self) -> None:
        for task in (self._connector, self._watchdog):
            if task:
                task.cancel()
        producer = self._producer
        if producer is None:
            return
        # Flushing waits for what is in flight; with the broker gone that would take until every
        # record times out. What is still unacknowledged afterwards is purged and reported failed,
        # so its callers get UNAVAILABLE: giving up here loses no success.
        remaining = await asyncio.to_thread(producer.flush, self._timeout)
        if remaining:
            log.warning(
                "Kafka producer did not flush within %.0f s; %d unacknowledged records were refused",
                self._timeout,
                remaining,
            )
            producer.purge()
            await asyncio.to_thread(producer.flush, 0)
        self._stopping.set()
        if self._poller is not None:
            await asyncio.to_thread(self._poller.join)
        self._resolve_reports()
        for _, waiter in self._deadlines:
            if not waiter.done():
                waiter.set_exception(Unavailable("Kafka producer stopped before the write was acknowledged"))
        self._deadlines.clear()
