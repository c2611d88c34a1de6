"""notify_svc's parts wired together (journal, follower, hub, publisher, gRPC server), started in the
order that lets it say SERVING only once its journal is read back, and stopped in the order that
lets streams end cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import grpc

from fraudmesh.grpc_server import GrpcServer
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.kafka_topics import DECISIONS, ensure_if_reachable
from notify_svc.follower import JournalFollower
from notify_svc.hub import DecisionHub
from notify_svc.in_flight import InFlight
from notify_svc.journal_reader import JournalReader
from notify_svc.journal_source import JournalDecisions
from notify_svc.publisher import DecisionPublisher
from notify_svc.servicer import NotifyServicer
from notify_svc.settings import NotifySettings

log = logging.getLogger(__name__)


class NotifyServer:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        journal_topic: str,
        listen: str,
        retained: int,
        queue_size: int,
        journal_timeout_ms: int = 10_000,
        grace_seconds: float = 10.0,
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        max_subscribers: int | None = None,
        kafka_security: KafkaSecurity = PLAINTEXT,
        tls: GrpcTls | None = None,
    ):
        self._bootstrap_servers = bootstrap_servers
        self._kafka_security = kafka_security
        self._topic = journal_topic
        self._retained = retained
        self.hub = DecisionHub(retained, queue_size, self._journal_from, max_subscribers)
        in_flight = InFlight()
        self._producer = AcknowledgedProducer(
            bootstrap_servers, request_timeout_ms=journal_timeout_ms, security=kafka_security
        )
        self.follower = JournalFollower(
            JournalReader(bootstrap_servers, journal_topic, start_at_oldest_if_gone=False, security=kafka_security),
            self.hub,
            in_flight,
            retained,
            self._ensure_topic,
        )
        # Kafka's acknowledgement and the read back each get the timeout; the second is usually at once.
        self._publisher = DecisionPublisher(
            self.hub, in_flight, self._producer, journal_topic, journal_timeout_ms / 1000
        )
        servicer = NotifyServicer(self.hub, self._publisher)
        self.grpc = GrpcServer([servicer.registration()], listen, interceptors, grace_seconds=grace_seconds, tls=tls)
        self._serving_when_ready: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls, settings: NotifySettings, interceptors: Sequence[grpc.aio.ServerInterceptor] = ()
    ) -> NotifyServer:
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            journal_topic=settings.notify_journal_topic,
            listen=settings.notify_listen,
            retained=settings.notify_retained_decisions,
            queue_size=settings.notify_subscriber_queue_size,
            journal_timeout_ms=settings.notify_journal_timeout_ms,
            grace_seconds=settings.shutdown_grace_seconds,
            interceptors=interceptors,
            max_subscribers=settings.notify_max_subscribers,
            kafka_security=KafkaSecurity.from_settings(settings),
            tls=GrpcTls.from_settings(settings),
        )

    @property
    def port(self) -> int:
        return self.grpc.port

    def _journal_from(self, after_sequence: int) -> JournalDecisions:
        reader = JournalReader(
            self._bootstrap_servers, self._topic, start_at_oldest_if_gone=True, security=self._kafka_security
        )
        return JournalDecisions(reader, after_sequence, self._retained)

    async def _ensure_topic(self) -> None:
        await ensure_if_reachable(self._bootstrap_servers, DECISIONS, self._topic, self._kafka_security)

    async def start(self, on_failure: Callable[[BaseException], None]) -> None:
        """Serves at once, saying NOT_SERVING (and refusing calls with UNAVAILABLE) until the
        journal's tail is read back. `on_failure` hears if following the journal stops."""
        await self._producer.start()
        await self.grpc.start()
        await self.grpc.set_serving(False)  # no await in between suspends: nobody sees SERVING
        self.follower.start(on_failure)
        self._serving_when_ready = asyncio.create_task(self._serve_when_ready(), name="notify-ready")

    async def _serve_when_ready(self) -> None:
        # Ready means warm: the journal read back, and the producer connected, so that the first
        # publish is not refused.
        await self.hub.wait_ready()
        while not self._producer.connected:
            with contextlib.suppress(TimeoutError):
                await self._producer.wait_connected(timeout=60)
        await self.grpc.set_serving(True)
        log.info("ready: the last sequence is %d", self.hub.last_sequence)

    async def wait_ready(self, timeout: float) -> None:
        assert self._serving_when_ready is not None, "start() first"
        await asyncio.wait_for(asyncio.shield(self._serving_when_ready), timeout)

    async def stop(self) -> None:
        """Subscription streams never finish by themselves, so the hub ends them first (after what
        is queued for them); the drain then waits only for those last writes instead of the whole
        grace. Calls still waiting for the journal get UNAVAILABLE."""
        if self._serving_when_ready is not None:
            self._serving_when_ready.cancel()
        await self.grpc.set_serving(False)
        self.hub.close()
        self._publisher.close()
        await self.grpc.stop()
        await self.follower.stop()
        await self._producer.stop()
