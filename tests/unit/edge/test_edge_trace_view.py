"""Jaeger's answer for a trace, made into the console's compact trace: spans placed from the trace's
start and ordered parent first, kinds and errors read from Jaeger's tags, events and links kept, and
the wait in Kafka found between a publish and its consumer."""

from __future__ import annotations

from edge.trace_view import trace_view

T0 = 1_700_000_000_000_000  # µs since the epoch, as Jaeger gives startTime


def jaeger_span(span_id: str, process: str, name: str, start: int, duration: int, parent: str = "", **extra) -> dict:
    span = {
        "traceID": "ab" * 16,
        "spanID": span_id,
        "operationName": name,
        "processID": process,
        "startTime": T0 + start,
        "duration": duration,
        "references": [{"refType": "CHILD_OF", "traceID": "ab" * 16, "spanID": parent}] if parent else [],
        "tags": extra.pop("tags", []),
        "logs": extra.pop("logs", []),
    }
    return span | extra


ANSWER = {
    "data": [
        {
            "processes": {
                "p1": {"serviceName": "edge"},
                "p2": {"serviceName": "ingest"},
                "p3": {"serviceName": "scoring"},
            },
            # Out of order on purpose: Jaeger does not sort them.
            "spans": [
                jaeger_span(
                    "c",
                    "p3",
                    "score transaction",
                    7_000,
                    2_000,
                    parent="b",
                    tags=[
                        {"key": "span.kind", "type": "string", "value": "consumer"},
                        {"key": "otel.status_code", "type": "string", "value": "ERROR"},
                        {"key": "otel.status_description", "type": "string", "value": "ValueError: bad"},
                        {"key": "messaging.kafka.offset", "type": "int64", "value": 42},
                    ],
                    logs=[
                        {
                            "timestamp": T0 + 8_000,
                            "fields": [
                                {"key": "event", "type": "string", "value": "exception"},
                                {"key": "exception.type", "type": "string", "value": "ValueError"},
                            ],
                        }
                    ],
                ),
                jaeger_span("a", "p1", "POST /api/transaction", 0, 10_000),
                jaeger_span(
                    "b",
                    "p2",
                    "transactions publish",
                    1_000,
                    3_000,
                    parent="a",
                    tags=[
                        {"key": "span.kind", "type": "string", "value": "producer"},
                        {"key": "messaging.destination.name", "type": "string", "value": "transactions"},
                    ],
                ),
                jaeger_span(
                    "d",
                    "p3",
                    "store decision",
                    8_500,
                    100,
                    parent="c",
                    references=[
                        {"refType": "CHILD_OF", "traceID": "ab" * 16, "spanID": "c"},
                        {"refType": "FOLLOWS_FROM", "traceID": "cd" * 16, "spanID": "e"},
                    ],
                ),
            ],
        }
    ]
}


def test_spans_are_placed_from_the_traces_start_parent_first_with_their_services():
    trace = trace_view("ab" * 16, ANSWER)
    assert trace is not None
    assert [(s.span_id, s.parent_span_id, s.service, s.start_us) for s in trace.spans] == [
        ("a", None, "edge", 0),
        ("b", "a", "ingest", 1_000),
        ("c", "b", "scoring", 7_000),
        ("d", "c", "scoring", 8_500),
    ]
    assert trace.duration_us == 10_000
    assert trace.services == ["edge", "ingest", "scoring"]
    assert trace.started_at.startswith("2023-11-14T22:13:20")


def test_kind_and_error_come_from_jaegers_tags_and_events_and_links_are_kept():
    trace = trace_view("ab" * 16, ANSWER)
    assert trace is not None
    consumer = next(s for s in trace.spans if s.span_id == "c")
    assert (consumer.kind, consumer.error, consumer.status_message) == ("consumer", True, "ValueError: bad")
    assert consumer.attributes == {"messaging.kafka.offset": 42}  # span.kind and the status are not repeated
    [event] = consumer.events
    assert (event.name, event.offset_us, event.attributes) == ("exception", 8_000, {"exception.type": "ValueError"})
    stored = next(s for s in trace.spans if s.span_id == "d")
    assert [(link.trace_id, link.span_id) for link in stored.links] == [("cd" * 16, "e")]
    assert not any(s.error for s in trace.spans if s.span_id != "c")


def test_the_wait_in_kafka_runs_from_the_publishs_end_to_its_consumers_start():
    trace = trace_view("ab" * 16, ANSWER)
    assert trace is not None
    [wait] = trace.kafka_waits
    assert (wait.topic, wait.producer_span_id, wait.consumer_span_id) == ("transactions", "b", "c")
    assert (wait.start_us, wait.duration_us) == (4_000, 3_000)


def test_a_span_whose_parent_is_not_exported_yet_is_shown_as_a_root_and_no_span_is_no_trace():
    half = {
        "data": [
            {"processes": {"p": {"serviceName": "scoring"}}, "spans": [jaeger_span("x", "p", "late", 0, 5, "gone")]}
        ]
    }
    trace = trace_view("ab" * 16, half)
    assert trace is not None and [s.span_id for s in trace.spans] == ["x"]
    assert trace_view("ab" * 16, {"data": []}) is None
