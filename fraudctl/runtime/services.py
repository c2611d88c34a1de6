"""Runs the five services as child processes and waits until each reports SERVING."""

from __future__ import annotations

import functools
import os
import pathlib
import signal
import subprocess
import sys
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.keeping import RestartBook, start_with_backoff
from fraudctl.runtime.probes import how_it_ended
from fraudctl.runtime.waiting import free_port, http_ok, log_tail, wait_until
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.healthcheck import sync_channel

REPO = pathlib.Path(__file__).resolve().parents[2]
# Start order: each service's peers are up before it.
SERVICE_ORDER = ("store", "notify", "scoring", "ingest", "edge")
MODULES = {name: f"{name}_svc" if name != "edge" else "edge" for name in SERVICE_ORDER}
# ServicePorts.metrics_base + this index is each service's first instance's metrics port.
SERVICE_ORDER_FOR_METRICS = ("ingest", "scoring", "store", "notify", "edge")


def grpc_serving(address: str, timeout: float = 1.0, tls: GrpcTls | None = None) -> bool:
    """Whether `address` reports SERVING, asked over mutual TLS with `tls` (plaintext when None)."""
    with sync_channel(address, tls) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


@dataclass
class ServicePorts:
    ingest: int = 50051
    scoring: int = 50052
    store: int = 50053
    notify: int = 50054
    edge: int = 8000
    metrics_base: int = 9101  # ingest, scoring, store, notify, edge in that order

    def grpc_address(self, name: str) -> str:
        return f"127.0.0.1:{getattr(self, name)}"

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.edge}"


@dataclass
class ServiceProcess:
    name: str  # the label: the service's name, then the instance's ("scoring", "scoring2")
    process: subprocess.Popen
    log_path: pathlib.Path
    service: str = ""  # the service's own name ("scoring")
    instance: str = ""
    listen_port: int = 0
    metrics_port: int = 0

    def how_it_ended(self) -> str:
        return how_it_ended(f"exited with {self.process.poll()}", self.log_path)

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class ServiceSupervisor:
    ports: ServicePorts
    log_dir: pathlib.Path
    # Environments and the admin key carry secrets (API keys, database and Kafka passwords): kept out
    # of the repr, which pytest prints when a test using the platform fails.
    base_env: dict[str, str] = field(repr=False)
    running: dict[str, ServiceProcess] = field(default_factory=dict)
    # Shared with the Platform that runs Kafka and PostgreSQL beside these, so one policy keeps all up.
    book: RestartBook = field(default_factory=RestartBook)
    extra_ports: dict[str, tuple[int, int]] = field(default_factory=dict)  # by label: listen, metrics
    per_service_env: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # by service
    # An admin API key of this platform, for the operator's tools and the tests' clients ("": none).
    admin_credential: str = field(default="", repr=False)
    # The certificate those same clients and the health probes present when the services serve over
    # mutual TLS (fraudctl.runtime.service_certificates); None when they serve in plaintext.
    client_certificate: IssuedCertificate | None = None

    @functools.cached_property
    def client_tls(self) -> GrpcTls | None:
        if self.client_certificate is None:
            return None
        issued = self.client_certificate
        return GrpcTls.from_files(issued.ca, issued.certificate, issued.key)

    def instance_ports(self, name: str, instance: str = "") -> tuple[int, int]:
        """The listening and metrics ports of one instance. The first instance of each service has
        the configured ones; another (`instance` "2", say) gets free ports of its own, kept for its
        restarts, so several can run beside each other (scoring instances share the consumer group)."""
        if not instance:
            return getattr(self.ports, name), self.ports.metrics_base + SERVICE_ORDER_FOR_METRICS.index(name)
        label = f"{name}{instance}"
        if label not in self.extra_ports:
            self.extra_ports[label] = (free_port(), free_port())
        return self.extra_ports[label]

    def environment(self, name: str, instance: str = "") -> dict[str, str]:
        listen_port, metrics_port = self.instance_ports(name, instance)
        env = {
            **os.environ,
            **self.base_env,
            **self.per_service_env.get(name, {}),
            "INGEST_ADDRESS": self.ports.grpc_address("ingest"),
            "SCORING_ADDRESS": self.ports.grpc_address("scoring"),
            "STORE_ADDRESS": self.ports.grpc_address("store"),
            "NOTIFY_ADDRESS": self.ports.grpc_address("notify"),
            "METRICS_PORT": str(metrics_port),
            "PYTHONUNBUFFERED": "1",
        }
        # A service restarted after a crash must serve again within seconds, and compiling its
        # modules from source is the largest part of its start: with bytecode never written
        # (PYTHONDONTWRITEBYTECODE in the caller's environment, as on many CI and container hosts)
        # every restart would compile them again. The bytecode goes under __pycache__, ignored by git.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        listen_key = "EDGE_LISTEN" if name == "edge" else f"{name.upper()}_LISTEN"
        env[listen_key] = f"127.0.0.1:{listen_port}"
        if name == "scoring":
            # Its label, the same at every restart and unique here: a static member of the consumer
            # group, which a restarted instance rejoins with its partitions at once (scoring_svc.group_membership).
            env["CONSUMER_INSTANCE_ID"] = f"{name}{instance}"
        return env

    def start(self, name: str, instance: str = "") -> ServiceProcess:
        label = f"{name}{instance}"
        listen_port, metrics_port = self.instance_ports(name, instance)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{label}.log"
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", MODULES[name]],
                cwd=REPO,
                env=self.environment(name, instance),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches fraudctl, which stops children in order
            )
        service = ServiceProcess(label, process, log_path, name, instance, listen_port, metrics_port)
        self.running[label] = service
        return service

    def wait_ready(self, label: str, timeout: float = 60) -> None:
        """Waits until the instance `label` ("scoring", "scoring2") answers its health check."""
        service = self.running[label]

        def ready() -> bool:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{label} exited with {service.process.returncode}; last lines of {service.log_path}:\n"
                    + "\n".join(log_tail(service.log_path, 20))
                )
            if service.service == "edge":
                return http_ok(f"http://127.0.0.1:{service.listen_port}/api/health")
            return grpc_serving(f"127.0.0.1:{service.listen_port}", tls=self.client_tls)

        wait_until(ready, timeout, label, str(service.log_path))

    def start_all(self, timeout: float = 90) -> None:
        for name in SERVICE_ORDER:
            self.start(name)
            self.wait_ready(name, timeout)

    def restart_dead(self) -> dict[str, str]:
        """Starts again each service whose process ended on its own, as a supervisor should: a
        scoring instance that stops itself after a failure is meant to be restarted (its uncommitted
        batches are re-read). Answers how each restarted one had ended, by name. A service that
        stops again soon waits longer each time (`book`'s policy); one that cannot come back or
        keeps stopping raises CannotKeepUp naming its log."""
        restarted = {}
        for name, service in list(self.running.items()):
            if service.process.poll() is None or not self.book.due(name):
                continue
            ending = service.how_it_ended()
            self.book.note(name, ending, service.log_path)
            start_with_backoff(
                name,
                functools.partial(self._start_ready, service.service, service.instance),
                service.log_path,
                self.book.policy,
            )
            restarted[name] = ending
        return restarted

    def _start_ready(self, name: str, instance: str) -> None:
        """One attempt: starts the instance and waits for SERVING; one that does not get there is stopped."""
        service = self.start(name, instance)
        try:
            self.wait_ready(service.name)
        except BaseException:
            service.stop()
            raise

    def stop(self, name: str) -> None:
        self.running.pop(name).stop()

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)

    def health(self) -> dict[str, bool]:
        status = {
            name: grpc_serving(self.ports.grpc_address(name), tls=self.client_tls)
            for name in SERVICE_ORDER
            if name != "edge"
        }
        status["edge"] = http_ok(f"{self.ports.edge_url}/api/health")
        return status
