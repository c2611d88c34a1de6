"""The compact trace the console draws (GET /api/traces/{trace_id}): spans placed in time from the
trace's start, and the waits in Kafka between a publish and its consumer, which no span covers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AttributeValue = str | int | float | bool
SpanKind = Literal["server", "client", "producer", "consumer", "internal"]


class TraceEventOut(BaseModel):
    name: str
    offset_us: int = Field(description="Microseconds from the trace's start.")
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


class TraceLinkOut(BaseModel):
    trace_id: str
    span_id: str


class TraceSpanOut(BaseModel):
    span_id: str
    parent_span_id: str | None = Field(description="The parent span in this trace; null for the root.")
    service: str = Field(description="service.name of the process that recorded it (edge, ingest, ...).")
    name: str
    kind: SpanKind
    start_us: int = Field(description="Microseconds from the trace's start.")
    duration_us: int
    error: bool = Field(description="The span ended with an error status.")
    status_message: str = ""
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    events: list[TraceEventOut] = Field(default_factory=list)
    links: list[TraceLinkOut] = Field(default_factory=list, description="Spans of other traces (e.g. a batch's).")


class KafkaWaitOut(BaseModel):
    topic: str
    producer_span_id: str = Field(description="The publish span; the wait starts when it ends.")
    consumer_span_id: str = Field(description="The consuming span; the wait ends when it starts.")
    start_us: int = Field(description="Microseconds from the trace's start.")
    duration_us: int = Field(description="Time between the publish's end and the consumer's start (0 if overlapping).")


class TraceOut(BaseModel):
    trace_id: str
    started_at: str = Field(description="ISO 8601 time of the earliest span's start (UTC).")
    duration_us: int = Field(description="From the earliest start to the latest end.")
    services: list[str] = Field(description="Services in the order they first appear.")
    spans: list[TraceSpanOut] = Field(description="Ordered depth first: each span after its parent, siblings by start.")
    kafka_waits: list[KafkaWaitOut]
