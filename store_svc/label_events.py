"""Announces labels on Kafka, so every scoring instance learns them (merchant risk): each analyst
label, and the labels (fraud and legitimate) of an imported history."""

from __future__ import annotations

from fraud.v1 import decision_pb2

from fraudmesh.kafka_producer import AcknowledgedProducer


class LabelEvents:
    def __init__(self, producer: AcknowledgedProducer, topic: str):
        self._producer = producer
        self._topic = topic

    async def announce(self, *labelled: decision_pb2.ScoredTransaction) -> None:
        """Raises Unavailable if Kafka does not take them; the labels are stored, and storing or
        labelling again is idempotent, so the caller's retry announces them then."""
        await self._producer.send(
            self._topic, [(scored.transaction.id.encode(), scored.SerializeToString()) for scored in labelled]
        )
