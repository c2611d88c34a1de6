"""The trace UI that `make up OBSERVE=1` offers on this machine: Zipkin's own, fetched from Maven
Central and fed by the services' Zipkin exporter, shows a transaction's trace across services in a
real browser (the Go-built Jaeger has no UI; the console links every trace to Zipkin's page)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from fraudctl.runtime import zipkin
from fraudctl.runtime.waiting import free_port, stop_process
from fraudmesh.telemetry import setup_tracing, shutdown_tracing

pytestmark = pytest.mark.timeout(600)  # the first run downloads Zipkin's jar (135 MB)


@pytest.fixture(scope="module")
def zipkin_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    process = zipkin.start_zipkin(pathlib.Path(tmp_path_factory.mktemp("zipkin")), port)
    yield port
    stop_process(process)


def _send_trace(port: int) -> str:
    """A submission's trace as the services export it: ingest's span, scoring's child span with an
    attribute and an event. Returns the trace id."""
    providers = {
        name: setup_tracing(name, "", 1.0, zipkin_endpoint=zipkin.span_endpoint(port), set_global=False)
        for name in ("ingest_svc", "scoring_svc")
    }
    with providers["ingest_svc"].get_tracer("test").start_as_current_span("SubmitTransaction") as parent:
        with providers["scoring_svc"].get_tracer("test").start_as_current_span("score_batch") as child:
            child.set_attribute("fraudmesh.batch_size", 3)
            child.add_event("model scored")
    for provider in providers.values():
        shutdown_tracing(provider)  # flushes the batch to Zipkin
    return f"{parent.get_span_context().trace_id:032x}"


async def test_a_trace_across_services_reads_in_zipkins_ui(page: Page, zipkin_port: int):
    trace_id = _send_trace(zipkin_port)
    await page.goto(f"{zipkin.ui_url(zipkin_port)}/traces/{trace_id}")
    # Zipkin's trace page names each service and span of the trace.
    for text in ("ingest_svc", "scoring_svc", "submittransaction", "score_batch"):
        await expect(page.get_by_text(text, exact=False).first).to_be_visible()
