"""A single-node Apache Kafka in KRaft mode, run from Apache's own jars on the installed JDK.

The jars are `org.apache.kafka:kafka_2.13` and its dependencies, fetched once from Maven Central by
the machine's Maven (deploy/kafka/pom.xml) into a cache outside the repo.

Secured as `make up` runs it: clients connect over SASL_SSL with SCRAM-SHA-512, each service as its
own user (kafka_credentials) with only the ACLs it needs (kafka_acls), the broker and the operator's
admin user as super users, and anyone else refused (StandardAuthorizer, no ACL found = denied).
The controller listener is on loopback and speaks TLS with client certificates: KRaft cannot check
SCRAM on it (the SCRAM credentials live in the metadata the controller serves), so the broker proves
itself there with its certificate, whose common name "kafka" maps to the same principal as its SCRAM
user. Inter-broker traffic (a single node has little: it is its own peer) uses the client listener as
the broker's own SCRAM user.
"""

from __future__ import annotations

import base64
import os
import pathlib
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)

from fraudctl.runtime.certificates import ensure_certificate
from fraudctl.runtime.kafka_acls import apply_grants
from fraudctl.runtime.kafka_credentials import (
    ADMIN_USER,
    ALL_USERS,
    BROKER_USER,
    MECHANISM,
    SUPER_USERS,
    KafkaCredentials,
)
from fraudctl.runtime.probes import how_it_ended, kafka_answers
from fraudctl.runtime.waiting import port_open, wait_until
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity

REPO = pathlib.Path(__file__).resolve().parents[2]
POM = REPO / "deploy" / "kafka" / "pom.xml"
LOG_CONFIG = REPO / "deploy" / "kafka" / "log4j2.properties"
# As kafka-storage's --add-scram makes them (SCRAM-SHA-512, 4096 iterations), for users added later.
SCRAM_INFO = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)
CACHE = pathlib.Path(os.environ.get("FRAUDMESH_CACHE", pathlib.Path.home() / ".cache" / "fraudmesh"))


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    assert match, f"{POM} names no kafka.version"
    return match.group(1)


def ensure_jars() -> pathlib.Path:
    """Returns the folder of Kafka's jars, fetching them with Maven the first time."""
    libs = CACHE / f"kafka-{kafka_version()}" / "libs"
    done = libs / ".complete"
    if done.exists():
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Apache Kafka's jars: apt-get install maven")
    libs.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={libs}"],
        check=True,
    )
    done.touch()
    return libs


def _cluster_id() -> str:
    """Kafka's cluster ids are 16 random bytes in unpadded URL-safe base64, not the dashed UUID form.
    One starting with '-' would be read as an option by the format tool, so such ids are drawn again."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass
class KafkaBroker:
    data_dir: pathlib.Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    process: subprocess.Popen | None = None
    # The platform's data folder, whose credentials/ and certificates/ the broker shares with the
    # rest of the platform; by default the folder above the broker's own.
    platform_dir: pathlib.Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def _platform_dir(self) -> pathlib.Path:
        return self.platform_dir or self.data_dir.parent

    @property
    def _certificates_dir(self) -> pathlib.Path:
        return self._platform_dir / "certificates"

    @property
    def credentials(self) -> KafkaCredentials:
        # The authority's file, which ensure_certificate (at start) writes there.
        return KafkaCredentials(self._platform_dir / "credentials" / "kafka", self._certificates_dir / "ca.crt")

    @property
    def admin_security(self) -> KafkaSecurity:
        """How the operator, fraudctl and the tests' own clients connect: the admin user, a super user."""
        return self.credentials.security(ADMIN_USER)

    def client_environment(self, user: str) -> dict[str, str]:
        """The KAFKA_* settings a service process connects to this broker as `user` with."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers, **self.credentials.environment(user)}

    @property
    def log_path(self) -> pathlib.Path:
        return self.data_dir / "server.log"

    def ended(self) -> str | None:
        """None while the broker we started runs (or we started none); else how it ended, naming its log."""
        if self.process is None or self.process.poll() is None:
            return None
        return how_it_ended(f"exited with {self.process.returncode}", self.log_path)

    def answers(self, timeout: float = 5.0) -> bool:
        if not self.credentials.has_passwords():
            return False  # never started: nobody could sign in to it
        return kafka_answers(self.bootstrap_servers, timeout, self.admin_security)

    def _key_store(self) -> pathlib.Path:
        """The broker's key and certificate in one PEM file, the form Kafka's PEM key store reads."""
        issued = ensure_certificate(self._certificates_dir, BROKER_USER)
        path = self.data_dir / "broker-keystore.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(issued.key.read_bytes() + issued.certificate.read_bytes())
        return path

    def _security_config(self) -> list[str]:
        scram_login = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{BROKER_USER}" password="{self.credentials.password(BROKER_USER)}";'
        )
        return [
            f"listeners=CLIENTS://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=CLIENTS://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CLIENTS:SASL_SSL,CONTROLLER:SSL",
            "inter.broker.listener.name=CLIENTS",
            f"sasl.enabled.mechanisms={MECHANISM}",
            f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
            f"listener.name.clients.{MECHANISM.lower()}.sasl.jaas.config={scram_login}",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self._key_store()}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.credentials.ca_file}",
            # Only the broker itself, with its certificate, gets onto the controller listener.
            "listener.name.controller.ssl.client.auth=required",
            "ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found=false",
            "super.users=" + ";".join(f"User:{user}" for user in SUPER_USERS),
        ]

    def _open_config(self) -> list[str]:
        """How the broker ran before it had users: only to give an old data folder its users."""
        return [
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        ]

    def _write_config(self, secured: bool) -> pathlib.Path:
        config = self.data_dir / "server.properties"
        # It holds the broker's own password: readable by its owner only, from before the first byte.
        descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(config, 0o600)  # an older file kept the mode it was made with
        with os.fdopen(descriptor, "w") as file:
            file.write(
                "\n".join(
                    [
                        "process.roles=broker,controller",
                        "node.id=1",
                        f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                        *(self._security_config() if secured else self._open_config()),
                        f"log.dirs={self.data_dir / 'log'}",
                        "num.partitions=6",
                        "offsets.topic.replication.factor=1",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        # One machine, one broker: a rebalance need not wait for more members to join.
                        "group.initial.rebalance.delay.ms=0",
                        # Offset commits are written at once, not gathered for 5 ms (the default): scoring's
                        # consumer loop waits for each commit it makes.
                        "group.coordinator.append.linger.ms=0",
                        "auto.create.topics.enable=false",
                    ]
                )
                + "\n"
            )
        return config

    def _java(self, libs: pathlib.Path, *args: str) -> list[str]:
        return [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            f"-Dlog4j2.configurationFile={LOG_CONFIG}",
            f"-Dkafka.log.dir={self.data_dir}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def start(self, timeout: float = 180) -> None:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: is another Kafka running? (`fraudctl down`)")
        libs = ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.credentials.ensure()
        users_added = self.data_dir / "scram-users-added"
        if not (self.data_dir / "log" / "meta.properties").exists():
            self._format(libs, self._write_config(secured=True))
            users_added.touch()
        elif not users_added.exists():
            self._add_users_to_an_open_broker(libs, timeout)
            users_added.touch()
        self._run(libs, self._write_config(secured=True), timeout, self.admin_security)
        self._grant()

    def _run(self, libs: pathlib.Path, config: pathlib.Path, timeout: float, security: KafkaSecurity) -> None:
        with open(self.data_dir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                self._java(libs, "kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready() -> bool:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"Kafka exited with {self.process.returncode}; see {self.log_path}")
            # An open port is not yet a broker that serves: after an unclean stop it recovers its logs
            # and elects itself controller first. A metadata answer is.
            # Each probe is a new client: TLS and a SCRAM exchange before the answer, slow on a busy machine.
            return port_open("127.0.0.1", self.port) and kafka_answers(self.bootstrap_servers, 5.0, security)

        wait_until(ready, timeout, "Kafka", str(self.log_path))

    def _add_users_to_an_open_broker(self, libs: pathlib.Path, timeout: float) -> None:
        """A data folder formatted before the platform had Kafka users: the broker is started once as
        it was then (plaintext, on loopback, no authorizer), given every user's credential, and
        stopped; from then on it runs secured."""
        self._run(libs, self._write_config(secured=False), timeout, PLAINTEXT)
        try:
            self._add_users(AdminClient({"bootstrap.servers": self.bootstrap_servers}), ALL_USERS)
        finally:
            self.stop()

    def _add_users(self, admin: AdminClient, users: Sequence[str]) -> None:
        credentials = self.credentials
        upserts: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(user, SCRAM_INFO, credentials.password(user).encode()) for user in users
        ]
        for future in admin.alter_user_scram_credentials(upserts, request_timeout=30).values():
            future.result()

    def _format(self, libs: pathlib.Path, config: pathlib.Path) -> None:
        # Every user's SCRAM credential goes into the first metadata, so the broker can check them at once.
        format_command = (
            self._java(libs, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config))
            + self.credentials.scram_arguments()
        )
        formatted = subprocess.run(format_command, check=False, capture_output=True, text=True)
        if formatted.returncode != 0:
            # Not CalledProcessError: its message would carry the command line, passwords and all.
            raise RuntimeError(f"formatting Kafka's storage failed: {formatted.stderr.strip()[-2000:]}")

    def _admin_client(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.bootstrap_servers, **self.admin_security.confluent()})

    def _grant(self) -> None:
        """Users added since the broker was formatted get their credential, and every user its ACLs."""
        admin = self._admin_client()
        known = admin.describe_user_scram_credentials(list(ALL_USERS), request_timeout=30)
        assert isinstance(known, dict)  # one answer per user named (with none named, one for all)
        missing = []
        for user, future in known.items():
            try:
                future.result()
            except Exception:  # ResourceNotFound: no credential for this user yet
                missing.append(user)
        if missing:
            self._add_users(admin, missing)
        apply_grants(admin)

    def stop(self, timeout: float = 30) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
