"""Traces and metrics for `fraudctl up --observe` (`make up OBSERVE=1`): Jaeger v2 (the Go build of
fraudctl/devtools/tools.py, whose query API feeds the console's trace view; it has no UI of its own)
and, when one is at hand (on PATH, or built by `python -m fraudctl.devtools.tools install prometheus`),
Prometheus with deploy/prometheus/prometheus.local.yml and its alert rules. The services are pointed
at them through the environment (`service_env`)."""

from __future__ import annotations

import logging
import pathlib
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from fraudctl.devtools import tools

log = logging.getLogger(__name__)
REPO = pathlib.Path(__file__).resolve().parents[2]
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.local.yml"


@dataclass(frozen=True)
class ObservabilityPorts:
    # Jaeger's own defaults (OTLP 4317/4318, query 16686) and Prometheus's (9090), which the
    # scrape configuration in prometheus.local.yml names too.
    jaeger: tools.JaegerPorts = field(default_factory=tools.JaegerPorts)
    prometheus: int = 9090


class Observability:
    def __init__(self, data_dir: pathlib.Path, ports: ObservabilityPorts | None = None):
        self.data_dir = data_dir
        self.ports = ports or ObservabilityPorts()
        self.jaeger: subprocess.Popen[bytes] | None = None
        self.prometheus: subprocess.Popen[bytes] | None = None
        self.prometheus_missing = ""  # why Prometheus is not running, for the announcement

    @property
    def jaeger_query_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.jaeger.query_http}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.prometheus}"

    def start(self) -> None:
        """Jaeger first (the services export to it from their first span), then Prometheus if one is at
        hand; a missing Prometheus is reported, not fatal: traces are what --observe is mostly for."""
        log.info("starting Jaeger (OTLP :%d, query API :%d)", self.ports.jaeger.otlp_grpc, self.ports.jaeger.query_http)
        self.jaeger = tools.start_jaeger(self.data_dir / "jaeger", self.ports.jaeger)
        binary = prometheus_binary()
        if binary is None:
            self.prometheus_missing = (
                "not started: no prometheus on PATH nor built (`apt-get install prometheus`, or "
                "`.venv/bin/python -m fraudctl.devtools.tools install prometheus`, a Go build of many minutes)"
            )
            log.warning("Prometheus %s", self.prometheus_missing)
            return
        self.prometheus = start_prometheus(binary, self.data_dir / "prometheus", self.ports.prometheus)

    def service_env(self) -> dict[str, str]:
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.ports.jaeger.otlp_grpc}",
            "JAEGER_QUERY_URL": self.jaeger_query_url,
        }

    def announcement(self, edge_url: str) -> str:
        lines = [
            f"  traces                {edge_url}/#/traces/<trace id> (the console's trace view; every transaction links there)",
            f"  Jaeger query API      {self.jaeger_query_url}/api/traces/<trace id> (OTLP in on :{self.ports.jaeger.otlp_grpc})",
        ]
        if self.prometheus is not None:
            lines.append(f"  Prometheus            {self.prometheus_url} (API: /api/v1/query, /api/v1/alerts)")
        else:
            lines.append(f"  Prometheus            {self.prometheus_missing or 'not started'}")
        return "".join(line + "\n" for line in lines)

    def stop(self) -> None:
        if self.prometheus is not None:
            _stop(self.prometheus)
            self.prometheus = None
        if self.jaeger is not None:
            tools.stop_jaeger(self.jaeger)
            self.jaeger = None


def prometheus_binary() -> pathlib.Path | None:
    """A Prometheus already at hand: on PATH (Debian's package), or built before into the tools' cache.
    Never built here: its build takes far longer than anyone waits for `make up`."""
    on_path = shutil.which("prometheus")
    if on_path:
        return pathlib.Path(on_path)
    built = tools.tool_path(tools.PROMETHEUS)
    return built if built.exists() else None


def start_prometheus(
    binary: pathlib.Path, data_dir: pathlib.Path, port: int, ready_timeout: float = 60.0
) -> subprocess.Popen[bytes]:
    """Prometheus on 127.0.0.1:`port` with the local scrape configuration and the alert rules, its
    data in `data_dir`; returns once /-/ready answers. Its log is `data_dir/prometheus.log`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "prometheus.log"
    with open(log_path, "ab") as output:
        process = subprocess.Popen(
            [
                str(binary),
                f"--config.file={PROMETHEUS_CONFIG}",
                f"--storage.tsdb.path={data_dir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by us, in order, not by the terminal's Ctrl-C
        )
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited with code {process.returncode}; see {log_path}")
        if _ready(f"http://127.0.0.1:{port}/-/ready"):
            return process
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError(f"prometheus was not ready on :{port} within {ready_timeout:.0f} s; see {log_path}")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
