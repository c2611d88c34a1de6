"""The Go tool cache and Jaeger v2: built once, found again, started and answering."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import uuid

import pytest

from fraudctl.devtools import tools
from fraudctl.runtime.waiting import free_port
from fraudmesh.telemetry import setup_tracing, shutdown_tracing

# On a machine that has not built the Go tools yet, the first test to need one builds it (minutes
# on two cores); warm the cache first with `python -m fraudctl.devtools.tools install promtool jaeger`.
pytestmark = pytest.mark.timeout(2400)


def test_promtool_is_built_once_and_found_again(promtool):
    assert tools.promtool() == promtool == tools.tool_path(tools.PROMTOOL)
    assert subprocess.run([str(promtool), "--version"], capture_output=True, timeout=30).returncode == 0
    # `go install` stamps no version into --version; the build info names the module version built.
    build_info = subprocess.run(["go", "version", "-m", str(promtool)], capture_output=True, text=True, timeout=30)
    assert f"mod\t{tools.PROMTOOL.package.split('/cmd/')[0]}\t{tools.PROMTOOL.version}" in build_info.stdout


def test_a_failed_build_names_the_command_and_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv(tools.GO_CACHE_ENV, str(tmp_path))
    monkeypatch.setenv("GOPROXY", "off")  # fail fast and offline: the module cannot be fetched
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    missing = tools.GoTool(
        "nothing", "example.com/fraudmesh/nothing", "example.com/fraudmesh/nothing/cmd/nothing", "v0.0.1"
    )
    with pytest.raises(RuntimeError, match=r"go install example.com/fraudmesh/nothing/cmd/nothing@v0.0.1"):
        tools.ensure_tool(missing)
    assert not tools.tool_path(missing).exists()


@pytest.fixture
def jaeger_ports() -> tools.JaegerPorts:
    return tools.JaegerPorts(
        otlp_grpc=free_port(), otlp_http=free_port(), query_http=free_port(), query_grpc=free_port(), health=free_port()
    )


def _find_trace(query_port: int, service: str, timeout: float = 30.0) -> list[dict]:
    url = f"http://127.0.0.1:{query_port}/api/traces?service={service}&limit=5"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=5) as response:
            traces = json.load(response)["data"] or []
        if traces:
            return traces
        time.sleep(0.3)
    raise AssertionError(f"no trace of {service} in Jaeger after {timeout:.0f} s")


def test_jaeger_v2_stores_a_trace_sent_over_otlp_and_serves_it_back(tmp_path, jaeger_ports):
    process = tools.start_jaeger(tmp_path / "jaeger", jaeger_ports)
    try:
        service = f"fraudmesh-test-{uuid.uuid4().hex[:8]}"
        provider = setup_tracing(service, f"http://127.0.0.1:{jaeger_ports.otlp_grpc}", 1.0, set_global=False)
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("submit") as parent:
            with tracer.start_as_current_span("produce"):
                pass
        shutdown_tracing(provider)
        [found] = _find_trace(jaeger_ports.query_http, service)
    finally:
        tools.stop_jaeger(process)
    assert process.returncode == 0
    spans = {span["operationName"]: span for span in found["spans"]}
    assert set(spans) == {"submit", "produce"}
    assert found["traceID"] == f"{parent.get_span_context().trace_id:032x}"
    [reference] = spans["produce"]["references"]
    assert reference["refType"] == "CHILD_OF" and reference["spanID"] == spans["submit"]["spanID"]
    assert (tmp_path / "jaeger" / "badger").is_dir()  # traces were kept in the data folder given
