"""Traces and metrics for `fraudctl up --observe` (`make up OBSERVE=1`): Jaeger v2 (the Go build of
fraudctl/devtools/tools.py, whose query API feeds the console's trace view; it has no UI of its own),
Zipkin's server with its UI holding the same traces (fraudctl/runtime/zipkin.py), and, when one is
at hand (on PATH, or built by `python -m fraudctl.devtools.tools install prometheus`), Prometheus
with deploy/prometheus/prometheus.local.yml and its alert rules. The services are pointed
at them through the environment (`service_env`)."""

from __future__ import annotations

import logging
import pathlib
import shutil
import subprocess
from dataclasses import dataclass, field

from fraudctl.devtools import tools
from fraudctl.runtime import zipkin
from fraudctl.runtime.waiting import stop_process, wait_healthy

log = logging.getLogger(__name__)
REPO = pathlib.Path(__file__).resolve().parents[2]
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.local.yml"


@dataclass(frozen=True)
class ObservabilityPorts:
    # Jaeger's own defaults (OTLP 4317/4318, query 16686), Zipkin's (9411) and Prometheus's (9090),
    # which the scrape configuration in prometheus.local.yml names too.
    jaeger: tools.JaegerPorts = field(default_factory=tools.JaegerPorts)
    zipkin: int = 9411
    prometheus: int = 9090


class Observability:
    def __init__(self, data_dir: pathlib.Path, ports: ObservabilityPorts | None = None):
        self.data_dir = data_dir
        self.ports = ports or ObservabilityPorts()
        self.jaeger: subprocess.Popen[bytes] | None = None
        self.zipkin: subprocess.Popen[bytes] | None = None
        self.zipkin_missing = ""  # why Zipkin is not running, for the announcement
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
        hand; Zipkin is launched and left starting (its JVM is slow to serve: `wait_for_zipkin` before
        the services start). Only Jaeger is required (the console's trace view reads it): a Zipkin that
        cannot be fetched or started, or a missing Prometheus, is reported in the announcement."""
        log.info("starting Zipkin (UI and span API :%d)", self.ports.zipkin)
        try:
            self.zipkin = zipkin.launch_zipkin(self.data_dir / "zipkin", self.ports.zipkin)
        except (OSError, RuntimeError) as error:
            self._zipkin_failed(error)
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

    def wait_for_zipkin(self) -> None:
        """Returns once the Zipkin launched by `start` serves, or has been given up (and reported)."""
        if self.zipkin is None:
            return
        try:
            zipkin.wait_until_healthy(self.zipkin, self.data_dir / "zipkin", self.ports.zipkin)
        except RuntimeError as error:
            self.zipkin = None
            self._zipkin_failed(error)

    def _zipkin_failed(self, error: Exception) -> None:
        self.zipkin_missing = f"not started: {error}"
        log.warning("Zipkin %s", self.zipkin_missing)

    def service_env(self) -> dict[str, str]:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.ports.jaeger.otlp_grpc}",
            "JAEGER_QUERY_URL": self.jaeger_query_url,
        }
        if self.zipkin is not None:
            env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"] = zipkin.span_endpoint(self.ports.zipkin)
            env["ZIPKIN_UI_URL"] = zipkin.ui_url(self.ports.zipkin)  # the console links every trace there
        return env

    def announcement(self, edge_url: str) -> str:
        lines = [
            f"  traces                {edge_url}/#/traces/<trace id> (the console's trace view; every transaction links there)",
            f"  Jaeger query API      {self.jaeger_query_url}/api/traces/<trace id> (OTLP in on :{self.ports.jaeger.otlp_grpc})",
        ]
        if self.zipkin is not None:
            lines.append(
                f"  Zipkin UI             {zipkin.ui_url(self.ports.zipkin)}/traces/<trace id> (search at /zipkin/)"
            )
        else:
            lines.append(f"  Zipkin UI             {self.zipkin_missing or 'not started'}")
        if self.prometheus is not None:
            lines.append(f"  Prometheus            {self.prometheus_url} (API: /api/v1/query, /api/v1/alerts)")
        else:
            lines.append(f"  Prometheus            {self.prometheus_missing or 'not started'}")
        return "".join(line + "\n" for line in lines)

    def stop(self) -> None:
        if self.prometheus is not None:
            stop_process(self.prometheus)
            self.prometheus = None
        if self.zipkin is not None:
            stop_process(self.zipkin)
            self.zipkin = None
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
    wait_healthy(process, "prometheus", f"http://127.0.0.1:{port}/-/ready", log_path, ready_timeout)
    return process
