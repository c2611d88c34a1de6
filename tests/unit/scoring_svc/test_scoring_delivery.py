"""Delivering a scored batch (scoring_svc.delivery): what store or notify refuses goes to the
dead-letter topic with the peer's reason, the original bytes and where the record was read, and the
rest goes on; a step that fails transiently is tried again from where it stopped, so nothing is
skipped, stored twice, or set aside twice. Store, notify and Kafka are small stand-ins here."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fraud.v1 import dead_letter_pb2, transaction_pb2
from google.rpc import status_pb2
from opentelemetry import trace
from scoring_records import NOW, TRACE_ID, record_of

from fraudmesh.dead_letters import DeadLetterProducer
from fraudmesh.errors import Unavailable
from scoring_svc.delivery import BatchDelivery
from scoring_svc.failures import PeerUnavailable, Refusal
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import DecisionBatch
from scoring_svc.scored_batch import ScoredBatch

BAD_CITY = status_pb2.Status(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message="city: must not contain NUL")


class Kafka:
    """AcknowledgedProducer's send_each: takes every record while up, none while down."""

    def __init__(self) -> None:
        self.up = True
        self.letters: list[tuple[bytes, dead_letter_pb2.DeadLetter]] = []

    async def send_each(self, topic: str, records, headers=None) -> list[Unavailable | None]:
        if not self.up:
            return [Unavailable("Kafka is not reachable")] * len(records)
        self.letters += [(key, dead_letter_pb2.DeadLetter.FromString(value)) for key, value in records]
        return [None] * len(records)


class Peer:
    """StorePeer.store or NotifyPeer.publish: answers from a script (refusals, or an exception)."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.took: list[list[str]] = []
        self.called = asyncio.Event()

    async def _take(self, batch: DecisionBatch) -> list[Refusal]:
        self.called.set()
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, BaseException):
            raise answer
        self.took.append([decision.transaction.id for decision in batch.decisions])
        return answer

    store = publish = _take


def scored_batch(count: int, offset: int = 100) -> ScoredBatch:
    records = [record_of(transaction_pb2.Transaction(id=f"t{i}"), offset + i) for i in range(count)]
    decisions = DecisionBatch()
    for record in records:
        decisions.decisions.add().transaction.ParseFromString(record.value)
    return ScoredBatch(records, decisions, [trace.INVALID_SPAN] * count)


def delivery(batch: ScoredBatch, store: Peer, notify: Peer, kafka: Kafka, metrics=None, previous=None) -> BatchDelivery:
    letters = DeadLetterProducer(kafka, "dead-letters", metrics)  # type: ignore[arg-type]
    return BatchDelivery(batch, store, notify, letters, previous, lambda: NOW, metrics)  # type: ignore[arg-type]


async def test_a_decision_store_refuses_is_set_aside_and_not_published():
    batch, store, notify, kafka, metrics = (
        scored_batch(3),
        Peer([Refusal(1, BAD_CITY, 2)]),
        Peer(),
        Kafka(),
        ScoringMetrics(),
    )
    await delivery(batch, store, notify, kafka, metrics).attempt()

    assert store.took == [["t0", "t1", "t2"]] and notify.took == [["t0", "t2"]]
    [(key, letter)] = kafka.letters
    assert key == b"t1"
    assert (letter.hop, letter.reason, letter.error, letter.attempts) == ("scoring", "store_refused", BAD_CITY, 2)
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("transactions", 4, 101)
    assert letter.transaction_id == "t1" and letter.trace_id == TRACE_ID
    assert transaction_pb2.Transaction.FromString(letter.payload).id == "t1"  # the bytes as they were read
    assert letter.failed_at.ToDatetime(tzinfo=NOW.tzinfo) == NOW
    value = metrics.registry.get_sample_value
    assert value("fraudmesh_dead_letters_total", {"hop": "scoring", "reason": "store_refused"}) == 1
    assert value("fraudmesh_transactions_failed_total", {"stage": "store"}) == 1


async def test_a_decision_notify_refuses_is_set_aside_and_the_rest_is_published():
    batch, store, notify, kafka = scored_batch(2), Peer(), Peer([Refusal(0, BAD_CITY, 1)]), Kafka()
    await delivery(batch, store, notify, kafka).attempt()
    assert store.took == [["t0", "t1"]] and notify.took == [["t0", "t1"]]
    assert [(letter.transaction_id, letter.reason) for _, letter in kafka.letters] == [("t0", "notify_refused")]


async def test_a_batch_store_refuses_entirely_is_not_published_at_all():
    batch, store, notify, kafka = (
        scored_batch(2),
        Peer([Refusal(0, BAD_CITY, 1), Refusal(1, BAD_CITY, 1)]),
        Peer(),
        Kafka(),
    )
    await delivery(batch, store, notify, kafka).attempt()
    assert notify.took == [] and len(kafka.letters) == 2


async def test_while_store_is_away_nothing_goes_on_and_the_next_try_delivers_everything():
    batch, kafka = scored_batch(2), Kafka()
    store, notify = Peer(PeerUnavailable("storing: UNAVAILABLE"), []), Peer()
    attempt = delivery(batch, store, notify, kafka)
    with pytest.raises(PeerUnavailable):
        await attempt.attempt()
    assert notify.took == []
    await attempt.attempt()
    assert store.took == [["t0", "t1"]] and notify.took == [["t0", "t1"]]


async def test_when_kafka_cannot_take_a_letter_the_batch_waits_and_is_not_stored_twice():
    batch, store, notify, kafka = scored_batch(2), Peer([Refusal(0, BAD_CITY, 1)]), Peer(), Kafka()
    kafka.up = False
    attempt = delivery(batch, store, notify, kafka)
    with pytest.raises(Unavailable):
        await attempt.attempt()
    assert notify.took == []  # the refused record is not skipped: its letter comes first
    kafka.up = True
    await attempt.attempt()
    assert store.took == [["t0", "t1"]] and notify.took == [["t1"]]
    assert [letter.transaction_id for _, letter in kafka.letters] == ["t0"]


async def test_letters_of_a_record_read_again_keep_their_id_and_other_records_get_others():
    first, again, kafka = scored_batch(1), scored_batch(1), Kafka()
    other = scored_batch(1, offset=200)
    for batch in (first, again, other):
        await delivery(batch, Peer([Refusal(0, BAD_CITY, 1)]), Peer(), kafka).attempt()
    ids = [letter.id for _, letter in kafka.letters]
    assert ids[0] == ids[1] != ids[2]


async def test_a_batch_is_published_only_after_the_batch_before_it():
    before = asyncio.Event()
    previous = asyncio.create_task(before.wait())
    store, notify = Peer(), Peer()
    attempt = asyncio.create_task(delivery(scored_batch(1), store, notify, Kafka(), previous=previous).attempt())
    await store.called.wait()
    assert notify.took == []
    before.set()
    await attempt
    assert notify.took == [["t0"]]
