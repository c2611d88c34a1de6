"""Spans that put a batched hop back into each transaction's own trace.

Scoring, store and notify handle decisions in batches, yet a reader of a trace wants to follow
one transaction. Scoring writes the W3C traceparent of its per-transaction span into each
`ScoredTransaction.traceparent`; the services after it start one child span per decision from
it. Those spans are linked to the span current where they start (the batch's RPC), so the batch's
own trace and each transaction's trace lead to one another.

When tracing is off (no SDK tracer provider installed) or a decision carries no traceparent,
nothing is parsed or started: the hot path pays one check per batch or decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fraud.v1 import decision_pb2
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace.status import Status, StatusCode

from fraudmesh.trace_context import tracing_off

# Only the traceparent travels in the message: parse it with the W3C propagator itself, whatever
# propagators the process has configured for its headers.
_W3C = TraceContextTextMapPropagator()


def transaction_context(scored: decision_pb2.ScoredTransaction) -> Context | None:
    """The context of the scoring span `scored.traceparent` names; None when it names none."""
    if not scored.traceparent:
        return None
    context = _W3C.extract({"traceparent": scored.traceparent})
    return context if trace.get_current_span(context).get_span_context().is_valid else None


class TransactionSpans:
    """Starts per-transaction spans named after the hop, e.g. "store decision".

    `tracer_provider` None means the process-wide provider, looked up at each call, so a hub built
    before `setup_tracing` still traces once it has run.
    """

    def __init__(self, instrumentation: str, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._instrumentation = instrumentation
        self._provider = tracer_provider
        self._tracer: trace.Tracer | None = None
        self._tracer_of: trace.TracerProvider | None = None

    def _active_tracer(self) -> trace.Tracer | None:
        provider = self._provider or trace.get_tracer_provider()
        if tracing_off(provider):
            return None
        if provider is not self._tracer_of:
            self._tracer, self._tracer_of = provider.get_tracer(self._instrumentation), provider
        return self._tracer

    @contextmanager
    def each(
        self,
        name: str,
        decisions: Sequence[decision_pb2.ScoredTransaction],
        kind: trace.SpanKind = trace.SpanKind.CONSUMER,
    ) -> Iterator[list[trace.Span]]:
        """One span per traced decision, open while the block runs (the batch's work is theirs).

        Each is a child of its decision's scoring span and linked to the current span. An
        exception leaving the block is recorded on every one of them, then re-raised.
        """
        tracer = self._active_tracer()
        if tracer is None:
            yield []
            return
        current = trace.get_current_span().get_span_context()
        # An unsampled batch span is in no trace store: a link to it would lead nowhere.
        links = [trace.Link(current)] if current.is_valid and current.trace_flags.sampled else None
        spans = []
        for scored in decisions:
            parent = transaction_context(scored)
            if parent is not None:
                spans.append(
                    tracer.start_span(
                        name,
                        context=parent,
                        kind=kind,
                        links=links,
                        attributes={"transaction.id": scored.transaction.id, "batch.size": len(decisions)},
                    )
                )
        try:
            yield spans
        except BaseException as error:
            for span in spans:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            for span in spans:
                span.end()

    @contextmanager
    def one(
        self,
        name: str,
        scored: decision_pb2.ScoredTransaction,
        kind: trace.SpanKind = trace.SpanKind.PRODUCER,
    ) -> Iterator[trace.Span]:
        """A span for one decision, child of its scoring span; a non-recording stand-in when untraced,
        so the block may set attributes either way."""
        tracer = self._active_tracer()
        parent = transaction_context(scored) if tracer is not None else None
        if tracer is None or parent is None:
            yield trace.INVALID_SPAN
            return
        with tracer.start_as_current_span(
            name, context=parent, kind=kind, attributes={"transaction.id": scored.transaction.id}
        ) as span:
            yield span
