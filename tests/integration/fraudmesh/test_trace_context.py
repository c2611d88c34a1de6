"""W3C trace context in Kafka record headers: what ingest writes, scoring reads back."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from fraudmesh.trace_context import current_trace_id_hex, extract_context, inject_headers, span_link


@pytest.fixture
def tracer():
    # A provider of our own: spans record, and the process-wide provider stays untouched.
    provider = TracerProvider()
    yield provider.get_tracer("test")
    provider.shutdown()


def _span_context_of(context):
    return trace.get_current_span(context).get_span_context()


def test_untraced_code_writes_no_headers_and_has_no_trace_id():
    assert inject_headers() == []
    assert current_trace_id_hex() == ""


def test_headers_carry_the_current_span_as_w3c_traceparent(tracer):
    with tracer.start_as_current_span("produce") as span:
        headers = inject_headers()
        trace_id = current_trace_id_hex()
    ctx = span.get_span_context()
    assert trace_id == f"{ctx.trace_id:032x}"
    version, trace_hex, span_hex, flags = dict(headers)["traceparent"].decode().split("-")
    assert (version, trace_hex, span_hex) == ("00", f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}")
    assert int(flags, 16) & 0x01  # sampled, so every service after this one records its spans too
    assert all(isinstance(name, str) and isinstance(value, bytes) for name, value in headers)


def test_extracted_context_continues_the_producers_trace(tracer):
    with tracer.start_as_current_span("produce") as producer:
        headers = inject_headers()
    with tracer.start_as_current_span("consume", context=extract_context(headers)) as consumer:
        assert current_trace_id_hex() == f"{producer.get_span_context().trace_id:032x}"
    assert consumer.parent.span_id == producer.get_span_context().span_id


def test_extract_tolerates_missing_foreign_and_broken_headers():
    for headers in (None, [], [("other", b"x"), ("key-without-value", None)], [("traceparent", b"garbage")]):
        assert not _span_context_of(extract_context(headers)).is_valid
        assert span_link(headers) is None


def test_span_link_points_at_the_producers_span(tracer):
    with tracer.start_as_current_span("produce") as producer:
        headers = inject_headers()
    link = span_link(headers)
    assert link is not None and link.context.span_id == producer.get_span_context().span_id


async def test_trace_context_survives_a_round_trip_through_kafka(kafka, tracer):
    topic = f"trace-context-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, **kafka.admin_security.aiokafka())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, **kafka.admin_security.aiokafka())
    await producer.start()
    try:
        with tracer.start_as_current_span("ingest produce") as produce_span:
            await producer.send_and_wait(topic, b"payload", key=b"user-1", headers=inject_headers())
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
        **kafka.admin_security.aiokafka(),
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    received = _span_context_of(extract_context(record.headers))
    assert received.trace_id == produce_span.get_span_context().trace_id
    assert received.span_id == produce_span.get_span_context().span_id
    assert received.is_remote
