"""Jaeger's query API answer (GET /api/traces/{id}, the JSON its UI reads) turned into the compact
trace the console draws. Pure: a test can hand it any answer."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from edge.trace_models import (
    AttributeValue,
    KafkaWaitOut,
    SpanKind,
    TraceEventOut,
    TraceLinkOut,
    TraceOut,
    TraceSpanOut,
)

_KINDS: dict[str, SpanKind] = {
    "server": "server",
    "client": "client",
    "producer": "producer",
    "consumer": "consumer",
    "internal": "internal",
}
# Tags Jaeger derives from the span's kind and status: shown as the span's kind and error, not as attributes.
_DERIVED_TAGS = {"span.kind", "otel.status_code", "otel.status_description", "error"}


def _value(tag: Mapping[str, Any]) -> AttributeValue:
    value = tag.get("value")
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _tags(tags: list[Mapping[str, Any]] | None) -> dict[str, AttributeValue]:
    return {str(tag["key"]): _value(tag) for tag in tags or []}


def _span(raw: Mapping[str, Any], services: Mapping[str, str], origin_us: int) -> TraceSpanOut:
    tags = _tags(raw.get("tags"))
    references = raw.get("references") or []
    parents = [r["spanID"] for r in references if r.get("refType") == "CHILD_OF"]
    error = tags.get("otel.status_code") == "ERROR" or tags.get("error") is True
    events = []
    for log in raw.get("logs") or []:
        fields = _tags(log.get("fields"))
        name = str(fields.pop("event", "event"))
        events.append(TraceEventOut(name=name, offset_us=int(log["timestamp"]) - origin_us, attributes=fields))
    return TraceSpanOut(
        span_id=raw["spanID"],
        parent_span_id=parents[0] if parents else None,
        service=services.get(raw.get("processID", ""), "unknown"),
        name=raw.get("operationName", ""),
        kind=_KINDS.get(str(tags.get("span.kind", "")), "internal"),
        start_us=int(raw["startTime"]) - origin_us,
        duration_us=int(raw.get("duration", 0)),
        error=error,
        status_message=str(tags.get("otel.status_description", "")),
        attributes={key: value for key, value in tags.items() if key not in _DERIVED_TAGS},
        events=events,
        links=[
            TraceLinkOut(trace_id=r["traceID"], span_id=r["spanID"])
            for r in references
            if r.get("refType") == "FOLLOWS_FROM"
        ],
    )


def _depth_first(spans: list[TraceSpanOut]) -> list[TraceSpanOut]:
    """Each span right after its parent, siblings by start; a span whose parent is not (yet) in the
    trace is shown as a root, so a half-exported trace still draws."""
    ids = {span.span_id for span in spans}
    children: dict[str | None, list[TraceSpanOut]] = {}
    for span in spans:
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda span: (span.start_us, span.name))
    ordered: list[TraceSpanOut] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        span = stack.pop()
        ordered.append(span)
        stack.extend(reversed(children.get(span.span_id, [])))
    return ordered


def _kafka_waits(spans: list[TraceSpanOut]) -> list[KafkaWaitOut]:
    """A consumer span whose parent is a publish span: the record waited in Kafka in between."""
    by_id = {span.span_id: span for span in spans}
    waits = []
    for consumer in spans:
        producer = by_id.get(consumer.parent_span_id or "")
        if consumer.kind != "consumer" or producer is None or producer.kind != "producer":
            continue
        published = producer.start_us + producer.duration_us
        waits.append(
            KafkaWaitOut(
                topic=str(producer.attributes.get("messaging.destination.name", "")),
                producer_span_id=producer.span_id,
                consumer_span_id=consumer.span_id,
                start_us=published,
                duration_us=max(0, consumer.start_us - published),
            )
        )
    return waits


def trace_view(trace_id: str, answer: Mapping[str, Any]) -> TraceOut | None:
    """The compact trace, or None when the answer holds no span of it."""
    raw_spans: list[Mapping[str, Any]] = []
    services: dict[str, str] = {}
    for trace in answer.get("data") or []:
        raw_spans.extend(trace.get("spans") or [])
        services |= {
            pid: process.get("serviceName", "unknown") for pid, process in (trace.get("processes") or {}).items()
        }
    if not raw_spans:
        return None
    origin = min(int(span["startTime"]) for span in raw_spans)
    spans = _depth_first([_span(span, services, origin) for span in raw_spans])
    end = max(span.start_us + span.duration_us for span in spans)
    first_seen: dict[str, None] = {}
    for span in sorted(spans, key=lambda span: span.start_us):
        first_seen.setdefault(span.service, None)
    return TraceOut(
        trace_id=trace_id,
        started_at=datetime.datetime.fromtimestamp(origin / 1e6, datetime.UTC).isoformat(),
        duration_us=end,
        services=list(first_seen),
        spans=spans,
        kafka_waits=_kafka_waits(spans),
    )
