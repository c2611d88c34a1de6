"""Announces each analyst label on Kafka, so every scoring instance learns it (merchant risk)."""

from __future__ import annotations

from fraud.v1 import decision_pb2

from fraudmesh.kafka_producer import AcknowledgedProducer


class LabelEvents:
    def __init__(self, producer: AcknowledgedProducer, topic: str):
        self._producer = producer
        self._topic = topic

    async def announce(self, labelled: decision_pb2.ScoredTransaction) -> None:
        """Raises Unavailable if Kafka does not take it; the label is stored, and labelling again is
        idempotent, so the caller's retry announces it then."""
        await self._producer.send(self._topic, [(labelled.transaction.id.encode(), labelled.SerializeToString())])
