"""ghz (a Go gRPC load tool) against IngestService.SubmitTransaction, and the same run against a bare
grpc.aio server of the same messages that does nothing, over the same transport: how much CPU per call
ingest spends beyond the gRPC stack's own.

ghz is built from the Go module proxy into the cache the other Go tools use (fraudctl.devtools).
It reads the contract from a descriptor set written from the generated code: Python's reflection
service cannot resolve a method's full name, which is what ghz asks it for."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fraud.v1 import ingest_service_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor

from bench.measured_run import run_measured
from bench.payloads import Payment, grpc_json
from fraudctl.devtools.tools import GoTool, ensure_tool
from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.database_passwords import write_secret
from fraudctl.runtime.platform import REPO
from fraudctl.runtime.waiting import free_port, port_open, wait_until
from fraudmesh.access.caller_credentials import bearer

log = logging.getLogger(__name__)
# v0.121.0 (December 2025) is the newest release; its go.mod asks for go 1.23, so go1.26 builds it.
GHZ = GoTool("ghz", "github.com/bojand/ghz", "github.com/bojand/ghz/cmd/ghz", "v0.121.0")
METHOD = "fraud.v1.IngestService.SubmitTransaction"


@dataclass(frozen=True)
class GhzResult:
    target: str
    seconds: float
    concurrency: int
    requests: int
    ok: int
    errors: dict[str, int]  # by gRPC status name
    per_second: float  # ghz's rps: every answered request over the run's duration
    latency_ms: dict[str, float]  # ghz's percentiles (p10..p99) plus mean, fastest and slowest


def descriptor_set(file: FileDescriptor) -> descriptor_pb2.FileDescriptorSet:
    """`file` and everything it imports, dependencies first, as protoc's --descriptor_set_out writes."""
    result = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(descriptor: FileDescriptor) -> None:
        if descriptor.name in seen:
            return
        seen.add(descriptor.name)
        for dependency in descriptor.dependencies:
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor.CopyToProto(proto)
        result.file.append(proto)

    add(file)
    return result


def parse_report(report: dict, target: str, concurrency: int) -> GhzResult:
    """ghz's JSON report (durations in nanoseconds) as milliseconds and counts."""
    statuses = dict(report.get("statusCodeDistribution") or {})
    ok = statuses.pop("OK", 0)
    latency = {f"p{entry['percentage']}": entry["latency"] / 1e6 for entry in report.get("latencyDistribution") or []}
    latency |= {"mean": report["average"] / 1e6, "fastest": report["fastest"] / 1e6, "slowest": report["slowest"] / 1e6}
    return GhzResult(
        target=target,
        seconds=report["total"] / 1e9,
        concurrency=concurrency,
        requests=ok + sum(statuses.values()),
        ok=ok,
        errors=statuses,
        per_second=report["rps"],
        latency_ms=latency,
    )


class GhzRunner:
    """`credential`: the API key every call carries in its `authorization` metadata ("": none). ghz
    reads it from a file of the run's folder (mode 0600), not from its command line, which `ps` shows."""

    def __init__(
        self,
        work_dir: pathlib.Path,
        payments: Sequence[Payment],
        concurrency: int,
        seconds: float,
        credential: str = "",
    ):
        self.binary = ensure_tool(GHZ)
        self.work_dir = work_dir
        self.concurrency = concurrency
        self.seconds = seconds
        work_dir.mkdir(parents=True, exist_ok=True)
        self.protoset = work_dir / "ingest.protoset"
        self.protoset.write_bytes(descriptor_set(ingest_service_pb2.DESCRIPTOR).SerializeToString())
        # ghz sends the array's elements in turn: varied users, amounts, places, channels.
        self.data_file = work_dir / "ghz-requests.json"
        self.data_file.write_text(json.dumps([grpc_json(p) for p in payments]))
        self.payloads = len(payments)
        self.metadata_file: pathlib.Path | None = None
        if credential:
            self.metadata_file = work_dir / "ghz-metadata.json"
            write_secret(self.metadata_file, json.dumps({"authorization": bearer(credential)}))

    def forget_credential(self) -> None:
        if self.metadata_file is not None:
            self.metadata_file.unlink(missing_ok=True)
            self.metadata_file = None

    def run(
        self, address: str, target: str, seconds: float | None = None, certificate: IssuedCertificate | None = None
    ) -> tuple[GhzResult, float]:
        """ghz's figures against `address`, and the CPU seconds ghz itself used (it shares the cores).
        With `certificate`, over mutual TLS presenting it, as the platform's own clients call."""
        seconds = seconds or self.seconds
        if certificate is None:
            transport = ["--insecure"]
        else:
            transport = ["--cacert", str(certificate.ca), "--cert", str(certificate.certificate)]
            transport += ["--key", str(certificate.key)]
        if self.metadata_file is not None:
            transport += ["--metadata-file", str(self.metadata_file)]
        command = [
            str(self.binary),
            *transport,
            "--protoset",
            str(self.protoset),
            "--call",
            METHOD,
            "--data-file",
            str(self.data_file),
            "--concurrency",
            str(self.concurrency),
            "--connections",
            "1",
            "--duration",
            f"{seconds:g}s",
            "--duration-stop",
            "ignore",  # calls in flight at the end are not counted
            "--format",
            "json",
            address,
        ]
        log.info("ghz: %s at concurrency %d for %g s", target, self.concurrency, seconds)
        stderr_file = self.work_dir / f"ghz-{target}.stderr"
        stdout, returncode, cpu_seconds = run_measured(command, seconds + 120, stderr_file)
        if returncode != 0 and not stdout.strip():
            raise RuntimeError(f"ghz against {target} failed ({returncode}): {stderr_file.read_text()[-2000:]}")
        report = json.loads(stdout)
        report.pop("details", None)  # one entry per request: large and not needed
        (self.work_dir / f"ghz-{target}.json").write_text(json.dumps(report, indent=1))
        return parse_report(report, target, self.concurrency), cpu_seconds


def ingest_like_certificate(client: IssuedCertificate) -> IssuedCertificate:
    """The certificate the bare server serves with so that ghz reaches it as it reaches ingest:
    ingest's own, from the folder of the client's authority (`make up` and the bench's platform
    keep every party's there), else the client's, from the same authority and of the same kind of
    key (each is good for both ends of a link)."""
    folder = client.ca.parent
    ingest = IssuedCertificate(client.ca, folder / "ingest.crt", folder / "ingest.key")
    readable = all(path.is_file() and os.access(path, os.R_OK) for path in (ingest.certificate, ingest.key))
    return ingest if readable else client


@contextlib.contextmanager
def bare_ingest_server(
    log_dir: pathlib.Path, certificate: IssuedCertificate | None = None
) -> Iterator[tuple[str, int]]:
    """`python -m bench.bare_ingest` on a free port for the duration of the block, over mutual TLS
    serving `certificate` (None: plaintext); yields its address and process id."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    tls = []
    if certificate is not None:
        tls = ["--tls-ca", str(certificate.ca), "--tls-cert", str(certificate.certificate)]
        tls += ["--tls-key", str(certificate.key)]
    with open(log_dir / "bare_ingest.log", "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_ingest", "--port", str(port), *tls],
            cwd=REPO,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(
                    f"bench.bare_ingest exited with {process.returncode}; see {log_dir / 'bare_ingest.log'}"
                )
            return port_open("127.0.0.1", port)

        wait_until(ready, 30, "bare IngestService")
        yield f"127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
