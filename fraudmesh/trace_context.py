"""W3C trace context carried in Kafka record headers, and the trace id a decision reports.

Kafka clients (aiokafka) hand headers around as a list of `(str, bytes)` pairs; OpenTelemetry's
propagators speak string maps. The getter and setter below translate, so the configured
propagator (W3C `traceparent`/`tracestate` and baggage by default) does the actual work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter, Setter

KafkaHeaders = Sequence[tuple[str, bytes | None]]
_UNTRACED = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


def tracing_off(provider: trace.TracerProvider | None = None) -> bool:
    """True while no SDK provider is installed (by default: the process-wide one): spans would be
    non-recording stand-ins and injected headers empty, yet both cost work per call."""
    return isinstance(provider or trace.get_tracer_provider(), _UNTRACED)


class _HeaderListSetter(Setter[list[tuple[str, bytes]]]):
    def set(self, carrier: list[tuple[str, bytes]], key: str, value: str) -> None:
        carrier.append((key, value.encode("ascii")))


class _HeaderListGetter(Getter[KafkaHeaders]):
    def get(self, carrier: KafkaHeaders, key: str) -> list[str] | None:
        wanted = key.lower()
        values = [
            value.decode("ascii", errors="replace")
            for name, value in carrier
            if name.lower() == wanted and value is not None
        ]
        return values or None

    def keys(self, carrier: KafkaHeaders) -> list[str]:
        return [name for name, _ in carrier]


def inject_headers(context: Context | None = None) -> list[tuple[str, bytes]]:
    """Headers for a Kafka record that continue `context` (default: the current one).

    Empty when there is no valid span to continue, so untraced records carry nothing extra.
    """
    headers: list[tuple[str, bytes]] = []
    propagate.inject(headers, context=context, setter=_HeaderListSetter())
    return headers


def extract_context(headers: Iterable[tuple[str, bytes | None]] | None) -> Context:
    """The context a producer put in a record's headers; an empty context when there is none."""
    return propagate.extract(list(headers or ()), getter=_HeaderListGetter())


def span_link(headers: Iterable[tuple[str, bytes | None]] | None) -> trace.Link | None:
    """A link to the producer's span, for a batch span that covers many records; None if untraced."""
    span_context = trace.get_current_span(extract_context(headers)).get_span_context()
    return trace.Link(span_context) if span_context.is_valid else None


def current_trace_id_hex() -> str:
    """The current trace id as 32 hex digits, as Jaeger shows it; "" when no valid span is current."""
    span_context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(span_context.trace_id) if span_context.is_valid else ""
