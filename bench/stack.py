"""The platform the benchmarks run against: either one of its own (Kafka, PostgreSQL, the model and the
five services on free loopback ports under a folder in /tmp, started by the same code as `fraudctl
up`), or one already running, named by flags. Also starts a second scoring_svc for the scale-out run."""

from __future__ import annotations

import logging
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from bench import procfs
from bench.attach import Attachment
from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.platform import REPO, Platform, PlatformConfig
from fraudctl.runtime.services import MODULES, ServicePorts, ServiceProcess, ServiceSupervisor, grpc_serving
from fraudctl.runtime.waiting import free_port, wait_until
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.settings import KafkaSettings

log = logging.getLogger(__name__)
SERVICES = ("ingest", "scoring", "store", "notify", "edge")


@dataclass
class Target:
    """Where the benchmarks send, and which processes to watch."""

    ports: ServicePorts
    bootstrap_servers: str
    database_url: str
    kafka_port: int
    postgres_port: int
    consumer_group: str = "scoring"
    topic: str = "transactions"
    supervisor: ServiceSupervisor | None = None  # None when attached to a platform we did not start
    extra_scoring: list[ServiceProcess] = field(default_factory=list)
    listening: procfs.ListeningPids = field(default_factory=procfs.ListeningPids)
    # How the benchmarks' own Kafka clients connect: our broker's admin user, or the environment's settings.
    kafka_security: KafkaSecurity = field(default_factory=lambda: KafkaSecurity.from_settings(KafkaSettings()))
    # A platform we did not start: what its data folder says (bench.attach); None for our own.
    attachment: Attachment | None = None
    # The API key the load and the harness's subscriber send ("": access control is off), and those the
    # WebSocket clients share out within the edge's cap per credential.
    credential: str = ""
    websocket_credentials: list[str] = field(default_factory=list)

    @property
    def client_certificate(self) -> IssuedCertificate | None:
        """The certificate our gRPC clients present (mutual TLS): our platform's operator certificate,
        or the one the attached platform's folder holds; None when it serves in plaintext."""
        if self.supervisor is not None:
            return self.supervisor.client_certificate
        return self.attachment.client_certificate if self.attachment is not None else None

    @property
    def client_tls(self) -> GrpcTls | None:
        issued = self.client_certificate
        return GrpcTls.from_files(issued.ca, issued.certificate, issued.key) if issued is not None else None

    def service_pids(self) -> dict[str, int]:
        """Python service processes by name (a second scoring instance as `scoring2`)."""
        pids: dict[str, int] = {}
        if self.supervisor is not None:
            pids = {name: service.process.pid for name, service in self.supervisor.running.items()}
        else:
            for name in SERVICES:
                pid = self.listening.pid(getattr(self.ports, name))
                if pid is not None:
                    pids[name] = pid
        for extra in self.extra_scoring:
            pids[extra.name] = extra.process.pid
        return pids

    def infrastructure_pids(self) -> dict[str, int]:
        found = {
            name: self.listening.pid(port)
            for name, port in (("kafka", self.kafka_port), ("postgres", self.postgres_port))
        }
        return {name: pid for name, pid in found.items() if pid is not None}


# The caches that are bounded by design, sized down on the harness's own platform so that they are
# full within the first minute of the steady run (at 300/s: notify's retained decisions in 33 s,
# ingest's idempotency keys, one request in three, in 50 s). A memory trend over the rest of the run
# then shows growth that is not theirs. With the defaults (100,000 and 200,000) that takes 6 and 33
# minutes at 300/s, which is why the defaults are not used here.
BOUNDED_CACHES = {"NOTIFY_RETAINED_DECISIONS": "10000", "IDEMPOTENCY_CACHE_SIZE": "5000"}


class OwnPlatform:
    """A private platform for one benchmark run; `stop()` removes its folder unless asked to keep it."""

    def __init__(
        self,
        keep_data: bool = False,
        log_level: str = "INFO",
        models_dir: pathlib.Path | None = None,
        access_control: bool = False,
    ):
        self.data_dir = pathlib.Path(tempfile.mkdtemp(prefix="fraudmesh-bench-"))
        self.data_dir.chmod(0o755)  # PostgreSQL runs as the postgres user and must reach its folder
        self.keep_data = keep_data
        # Without a folder named, a starter model trained here by the code being measured: a model
        # left in the repo's models/ may predate a change of the features and fail to load.
        models = models_dir or self.data_dir / "models"
        ports = ServicePorts(
            ingest=free_port(),
            scoring=free_port(),
            store=free_port(),
            notify=free_port(),
            edge=free_port(),
            metrics_base=free_port(),
        )
        self.config = PlatformConfig(
            data_dir=self.data_dir,
            models_dir=models,
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            postgres_port=free_port(),
            ports=ports,
            kafka_bootstrap_servers=None,  # ours, whatever the environment says
            database_url=None,
            extra_env={"LOG_LEVEL": log_level, **BOUNDED_CACHES},
            # Off for `make bench`, whose other parts' clients (ghz, wrk, the WebSocket fan-out, the
            # decision subscriber) send no key yet; bench.access_cost starts one platform each way.
            access_control=access_control,
        )
        self.platform = Platform(self.config)

    def start(self) -> Target:
        log.info("starting a private platform under %s", self.data_dir)
        try:
            self.platform.up()
        except BaseException:
            self.stop()
            raise
        return Target(
            ports=self.config.ports,
            bootstrap_servers=self.platform.bootstrap_servers,
            database_url=self.platform.database_url,
            kafka_port=self.config.kafka_port,
            postgres_port=self.config.postgres_port,
            supervisor=self.platform.services,
            kafka_security=self.platform.kafka_security,
        )

    def stop(self) -> None:
        self.platform.down()
        if self.keep_data:
            log.info("kept the benchmark platform's data and logs in %s", self.data_dir)
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def revive_dead_services(target: Target) -> list[str]:
    """Restarts any service of our own platform that has exited, and says which did and how: a
    benchmark part that killed a service must not pass it on to the next part unseen."""
    if target.supervisor is None:
        return []
    return [f"{name} {ending}" for name, ending in target.supervisor.restart_dead().items()]


def attached(ports: ServicePorts, bootstrap_servers: str, attachment: Attachment) -> Target:
    kafka_port = int(bootstrap_servers.split(",")[0].rsplit(":", 1)[1])
    return Target(
        ports,
        bootstrap_servers,
        attachment.database_url,
        kafka_port,
        attachment.postgres_port,
        kafka_security=attachment.kafka_security,
        attachment=attachment,
    )


def start_extra_scoring(
    target: Target, log_dir: pathlib.Path, label: str = "scoring2", timeout: float = 90
) -> ServiceProcess:
    """One more scoring_svc in the same consumer group, on its own gRPC and metrics ports: started by
    our platform's supervisor, or by hand beside a platform that is already running."""
    if target.supervisor is not None:
        service = target.supervisor.start("scoring", instance=label.removeprefix("scoring"))
        try:
            target.supervisor.wait_ready(service.name, timeout)
        except BaseException:
            target.supervisor.stop(service.name)
            raise
        target.extra_scoring.append(service)
        return service
    env = {**os.environ}
    listen = f"127.0.0.1:{free_port()}"
    env |= {
        "SCORING_LISTEN": listen,
        "METRICS_PORT": str(free_port()),
        "KAFKA_BOOTSTRAP_SERVERS": target.bootstrap_servers,
        "DATABASE_URL": target.database_url,
        "STORE_ADDRESS": target.ports.grpc_address("store"),
        "NOTIFY_ADDRESS": target.ports.grpc_address("notify"),
        "CONSUMER_GROUP": target.consumer_group,
        # Its key, Kafka user, certificate and database role, as `make up` gives the first instance.
        **(target.supervisor.per_service_env.get("scoring", {}) if target.supervisor is not None else {}),
        **(target.attachment.service_env("scoring") if target.attachment is not None else {}),
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{label}.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", MODULES["scoring"]],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = ServiceProcess(label, process, log_path)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{label} exited with {process.returncode}; see {log_path}")
        return grpc_serving(listen, tls=target.client_tls)

    try:
        wait_until(ready, timeout, label, str(service.log_path))
    except BaseException:
        service.stop()
        raise
    target.extra_scoring.append(service)
    return service


def stop_extra_scoring(target: Target) -> None:
    while target.extra_scoring:
        service = target.extra_scoring.pop()
        if target.supervisor is not None and service.name in target.supervisor.running:
            target.supervisor.stop(service.name)
        else:
            service.stop()


def all_scoring_alive(target: Target) -> bool:
    """Whether every scoring instance the harness started (the first one included, when ours) still runs."""
    first = target.supervisor.running.get("scoring") if target.supervisor is not None else None
    instances = [*([first] if first is not None else []), *target.extra_scoring]
    return all(instance.process.poll() is None for instance in instances)
