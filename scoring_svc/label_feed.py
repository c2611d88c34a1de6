"""Feeds labels (fraud and legitimate) from the labels topic into this instance's merchant risk state.

Every scoring instance reads every label (no consumer group) from the oldest the topic retains (35
days, longer than any merchant-risk window): a new or restarted instance rebuilds merchant risk from
them. Applying a label twice changes nothing, and a later verdict replaces an earlier one."""

from __future__ import annotations

import logging
from datetime import UTC

from aiokafka import AIOKafkaConsumer
from fraud.v1 import decision_pb2
from google.protobuf.message import DecodeError

from fraudmesh.conversions.money import DEFAULT_CURRENCY, to_major_units
from fraudmodel.serving.scorer import Scorer

log = logging.getLogger(__name__)


class LabelFeed:
    def __init__(self, consumer: AIOKafkaConsumer, scorer: Scorer):
        self.consumer = consumer
        self._scorer = scorer
        self.applied = 0

    def apply(self, value: bytes) -> bool:
        try:
            labelled = decision_pb2.ScoredTransaction.FromString(value)
        except DecodeError:
            log.error("skipping an undecodable label event")
            return False
        if labelled.label == decision_pb2.LABEL_UNSPECIFIED or not labelled.HasField("labelled_at"):
            return False
        inp = labelled.transaction.input
        self._scorer.record_label(
            labelled.transaction.id,
            inp.merchant_id,
            labelled.label == decision_pb2.LABEL_FRAUD,
            labelled.labelled_at.ToDatetime(tzinfo=UTC),
            to_major_units(inp.amount.minor_units, inp.amount.currency or DEFAULT_CURRENCY),
        )
        self.applied += 1
        return True

    async def run(self) -> None:
        async for record in self.consumer:
            self.apply(record.value)
