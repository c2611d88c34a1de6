"""Spans for a scored batch: one batch span linked to every transaction's trace, and one span per
transaction inside its own trace, whose traceparent travels on to store and notify."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import ConsumerRecord
from opentelemetry import propagate, trace

from fraudmesh.trace_context import extract_context, span_link, tracing_off

tracer = trace.get_tracer("scoring_svc")


def batch_span(records: Sequence[ConsumerRecord]) -> trace.Span:
    """Started, not current: it ends when the batch is delivered, after the loop has moved on."""
    if tracing_off():  # no span to link, so no record's trace context is read: that is work on every record
        return trace.INVALID_SPAN
    links = [link for link in (span_link(record.headers) for record in records) if link is not None]
    return tracer.start_span("score batch", links=links, attributes={"batch.size": len(records)})


def transaction_spans(records: Sequence[ConsumerRecord], ids: Sequence[str]) -> list[trace.Span]:
    if tracing_off():
        return [trace.INVALID_SPAN] * len(ids)
    return [
        tracer.start_span(
            "score transaction",
            context=extract_context(record.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "transaction.id": transaction_id,
                "messaging.kafka.partition": record.partition,
                "messaging.kafka.offset": record.offset,
            },
        )
        for record, transaction_id in zip(records, ids, strict=True)
    ]


def traceparent_of(span: trace.Span) -> tuple[str, str]:
    """(trace id hex, W3C traceparent) of a span, or ("", "") when it is not recorded."""
    context = span.get_span_context()
    if not context.is_valid:
        return "", ""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return format(context.trace_id, "032x"), carrier.get("traceparent", "")
