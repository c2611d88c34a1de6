"""Kafka records as scoring reads them, for the unit tests of its batches."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from fraud.v1 import transaction_pb2

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def raw_record(value: bytes, offset: int, partition: int = 4) -> ConsumerRecord:
    return ConsumerRecord(
        topic="transactions",
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"user",
        value=value,
        checksum=None,
        serialized_key_size=4,
        serialized_value_size=len(value),
        headers=[("traceparent", TRACEPARENT.encode())],
    )


def record_of(transaction: transaction_pb2.Transaction, offset: int, partition: int = 4) -> ConsumerRecord:
    return raw_record(transaction.SerializeToString(), offset, partition)
