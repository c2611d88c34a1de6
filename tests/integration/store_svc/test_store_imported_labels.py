"""An imported history's labels, fraud and legitimate, are announced on a real Kafka labels topic when
store takes its decisions (scoring's merchant fraud rates count both); unlabelled decisions are not."""

from __future__ import annotations

import uuid

from fraud.v1 import decision_pb2, store_service_pb2
from sqlalchemy.ext.asyncio import AsyncEngine
from store_testing import BASE_TIME, make_scored

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_topics import LABELS, ensure_topic
from store_svc.label_events import LabelEvents
from store_svc.repository import TransactionRepository
from store_svc.servicer import StoreServicer
from tests.kafka_reading import read_all


def imported(transaction_id: str, label: int) -> decision_pb2.ScoredTransaction:
    scored = make_scored(transaction_id)
    scored.label = label
    if label != decision_pb2.LABEL_UNSPECIFIED:
        scored.labelled_at.FromDatetime(BASE_TIME)
    return scored


async def test_an_imported_historys_fraud_and_legitimate_labels_are_announced(
    store_engine: AsyncEngine, kafka: KafkaBroker
):
    topic = f"labels-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, LABELS.partitions, security=kafka.admin_security)
    producer = AcknowledgedProducer(kafka.bootstrap_servers, security=kafka.admin_security)
    await producer.start()
    await producer.wait_connected(60)  # it connects in the background; a send before that is refused
    try:
        servicer = StoreServicer(TransactionRepository(store_engine), label_events=LabelEvents(producer, topic))
        run = uuid.uuid4().hex[:8]
        decisions = [
            imported(f"tx-fraud-{run}", decision_pb2.LABEL_FRAUD),
            imported(f"tx-legit-{run}", decision_pb2.LABEL_LEGITIMATE),
            imported(f"tx-open-{run}", decision_pb2.LABEL_UNSPECIFIED),
        ]
        response = await servicer.PutDecisions(
            store_service_pb2.PutDecisionsRequest(decisions=decisions),
            None,  # type: ignore[arg-type]  # PutDecisions reads nothing from its context
        )
        assert not response.refused
    finally:
        await producer.stop()
    announced = {
        (labelled := decision_pb2.ScoredTransaction.FromString(record.value)).transaction.id: labelled.label
        for record in await read_all(kafka, topic)
    }
    assert announced == {f"tx-fraud-{run}": decision_pb2.LABEL_FRAUD, f"tx-legit-{run}": decision_pb2.LABEL_LEGITIMATE}
