"""notify_svc wired as in server.py, with Kafka's part played by a list: records get consecutive
offsets as they are acknowledged, retention can drop the oldest, and a restart builds a new notify
on the same journal. The publisher, follower, hub and journal source are the real ones."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fraud.v1 import decision_pb2

from fraudmesh.errors import Unavailable
from notify_svc.follower import JournalFollower
from notify_svc.hub import DecisionHub
from notify_svc.in_flight import InFlight
from notify_svc.journal_reader import JournalRecord, JournalRewound
from notify_svc.journal_source import JournalDecisions
from notify_svc.publisher import DecisionPublisher, PublishOutcome

TOPIC = "decisions"


class MemoryJournal:
    def __init__(self) -> None:
        self.records: list[JournalRecord] = []
        self.oldest = 0  # retention dropped the records before this offset
        self.refuse_next: set[bytes] = set()  # keys whose next write Kafka refuses
        self.written = asyncio.Condition()

    @property
    def end(self) -> int:
        return len(self.records)

    async def send_each(self, topic: str, records: Sequence[tuple[bytes, bytes]]) -> list[Unavailable | None]:
        outcomes: list[Unavailable | None] = []
        for key, value in records:
            if key in self.refuse_next:
                self.refuse_next.discard(key)
                outcomes.append(Unavailable("broker refused the record"))
                continue
            self.records.append((self.end, key, value))
            outcomes.append(None)
        async with self.written:
            self.written.notify_all()
        return outcomes

    def write_directly(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> None:
        """Records another writer put there (a notify that died before reading them back)."""
        for decision in decisions:
            self.records.append((self.end, decision.transaction.id.encode(), decision.SerializeToString()))

    def drop_before(self, offset: int) -> None:
        self.oldest = offset


class MemoryReader:
    """JournalReader's calls over a MemoryJournal."""

    topic = TOPIC

    def __init__(self, journal: MemoryJournal, start_at_oldest_if_gone: bool):
        self._journal = journal
        self._start_at_oldest = start_at_oldest_if_gone
        self._next = 0

    async def bounds(self) -> tuple[int, int]:
        return self._journal.oldest, self._journal.end

    async def start_at(self, offset: int) -> None:
        self._next = offset

    async def read(self, max_records: int, wait_seconds: float) -> list[JournalRecord]:
        journal = self._journal
        if self._next > journal.end:  # as Kafka's offset out of range
            raise JournalRewound(f"offset {self._next} is beyond the journal's end {journal.end}")
        if self._next < journal.oldest:
            if not self._start_at_oldest:
                raise JournalRewound(f"offset {self._next} is gone")
            self._next = journal.oldest
        if self._next >= journal.end:
            try:
                async with journal.written:
                    await asyncio.wait_for(journal.written.wait_for(lambda: self._next < journal.end), wait_seconds)
            except TimeoutError:
                return []
        records = journal.records[self._next : self._next + max_records]
        self._next += len(records)
        return records

    def close(self) -> None:
        pass


class MemoryNotify:
    def __init__(self, journal: MemoryJournal, retained: int, queue_size: int):
        self.journal = journal
        self.retained = retained
        self.hub = DecisionHub(retained, queue_size, self._journal_from)
        in_flight = InFlight()
        self.follower = JournalFollower(
            MemoryReader(journal, start_at_oldest_if_gone=False),  # type: ignore[arg-type]
            self.hub,
            in_flight,
            retained,
            self._ensure_topic,
        )
        self.publisher = DecisionPublisher(self.hub, in_flight, journal, TOPIC, timeout_seconds=5)
        self.failures: list[BaseException] = []

    def _journal_from(self, after_sequence: int) -> JournalDecisions:
        return JournalDecisions(MemoryReader(self.journal, start_at_oldest_if_gone=True), after_sequence, self.retained)  # type: ignore[arg-type]

    async def _ensure_topic(self) -> None:
        pass

    async def start(self) -> MemoryNotify:
        self.follower.start(self.failures.append)
        await asyncio.wait_for(self.hub.wait_ready(), 5)
        return self

    async def publish_outcome(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> PublishOutcome:
        return await self.publisher.publish(decisions, {})

    async def publish(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> int:
        """The last sequence, as PublishDecisions answers."""
        return (await self.publish_outcome(decisions)).last_sequence

    async def stop(self) -> None:
        self.hub.close()
        self.publisher.close()
        await self.follower.stop()


async def started(retained: int = 100, queue_size: int = 100, journal: MemoryJournal | None = None) -> MemoryNotify:
    return await MemoryNotify(journal or MemoryJournal(), retained, queue_size).start()
