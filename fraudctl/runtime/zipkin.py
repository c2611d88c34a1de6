"""A Zipkin server on 127.0.0.1 for `fraudctl up --observe`: a trace UI that installs here.

The Jaeger built from the Go module proxy has no UI (its web assets are not in the module), while
Zipkin's server (`io.zipkin:zipkin-server`, an executable jar on Maven Central) ships its own. It is
fetched once into the cache, checked against Maven Central's SHA-1, and run on the platform's JDK
with its in-memory store, bounded in spans. The services send it their spans beside the OTLP copy
for Jaeger (OTEL_EXPORTER_ZIPKIN_ENDPOINT), so both hold every trace.
"""

from __future__ import annotations

import pathlib
import subprocess

from fraudctl.runtime.downloads import cache_lock, download_checked
from fraudctl.runtime.kafka_broker import CACHE
from fraudctl.runtime.waiting import wait_healthy

ZIPKIN_VERSION = "3.6.1"
JAR_URL = (
    f"https://repo1.maven.org/maven2/io/zipkin/zipkin-server/{ZIPKIN_VERSION}/zipkin-server-{ZIPKIN_VERSION}-exec.jar"
)
# In-memory spans kept before the oldest traces are dropped: hours of a developer's traffic, a bounded heap.
MAX_SPANS = 200_000


def ensure_jar() -> pathlib.Path:
    """Zipkin's executable jar (135 MB), downloaded the first time."""
    jar = CACHE / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
    if jar.exists():
        return jar
    with cache_lock(f"zipkin-{ZIPKIN_VERSION}"):
        if not jar.exists():  # another session may have fetched it while we waited
            download_checked(JAR_URL, jar)
    return jar


def span_endpoint(port: int) -> str:
    """Where the services post their spans (Zipkin's v2 JSON API)."""
    return f"http://127.0.0.1:{port}/api/v2/spans"


def ui_url(port: int) -> str:
    """The UI's base: a trace is at `<base>/traces/<trace id>`."""
    return f"http://127.0.0.1:{port}/zipkin"


def start_zipkin(data_dir: pathlib.Path, port: int, ready_timeout: float = 120.0) -> subprocess.Popen[bytes]:
    """Zipkin on 127.0.0.1:`port`, its log in `data_dir/zipkin.log`; returns once /health says UP.
    The caller stops it with `stop_process`."""
    process = launch_zipkin(data_dir, port)
    wait_until_healthy(process, data_dir, port, ready_timeout)
    return process


def launch_zipkin(data_dir: pathlib.Path, port: int) -> subprocess.Popen[bytes]:
    """Zipkin starting on 127.0.0.1:`port` (its JVM takes seconds to tens of seconds to serve: wait with
    `wait_until_healthy`, meanwhile doing something else)."""
    jar = ensure_jar()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "zipkin.log"
    with open(log_path, "ab") as output:
        process = subprocess.Popen(
            [
                "java",
                # Only the quick JIT compiler and a small heap: a development UI beside the platform on
                # shared cores, not a production collector.
                "-XX:TieredStopAtLevel=1",
                "-Xmx384m",
                "-jar",
                str(jar),
                "--armeria.ports[0].ip=127.0.0.1",
                f"--armeria.ports[0].port={port}",
                "--armeria.ports[0].protocols[0]=http",
                f"--zipkin.storage.mem.max-spans={MAX_SPANS}",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by us, in order, not by the terminal's Ctrl-C
        )
    return process


def wait_until_healthy(
    process: subprocess.Popen[bytes], data_dir: pathlib.Path, port: int, ready_timeout: float = 120.0
) -> None:
    """Returns once Zipkin's /health says UP; stops it and raises, naming its log, if it exits or
    is not healthy in time."""
    wait_healthy(process, "zipkin", f"http://127.0.0.1:{port}/health", data_dir / "zipkin.log", ready_timeout)
