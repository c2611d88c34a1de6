"""A single-node Apache Kafka in KRaft mode, run from Apache's own jars on the installed JDK.

The jars are `org.apache.kafka:kafka_2.13` and its dependencies, fetched once from Maven Central by
the machine's Maven (deploy/kafka/pom.xml) into a cache outside the repo.
"""

from __future__ import annotations

import base64
import os
import pathlib
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass

from fraudctl.runtime.probes import how_it_ended, kafka_answers
from fraudctl.runtime.waiting import port_open, wait_until

REPO = pathlib.Path(__file__).resolve().parents[2]
POM = REPO / "deploy" / "kafka" / "pom.xml"
LOG_CONFIG = REPO / "deploy" / "kafka" / "log4j2.properties"
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

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> pathlib.Path:
        return self.data_dir / "server.log"

    def ended(self) -> str | None:
        """None while the broker we started runs (or we started none); else how it ended, naming its log."""
        if self.process is None or self.process.poll() is None:
            return None
        return how_it_ended(f"exited with {self.process.returncode}", self.log_path)

    def answers(self, timeout: float = 2.0) -> bool:
        return kafka_answers(self.bootstrap_servers, timeout)

    def _write_config(self) -> pathlib.Path:
        config = self.data_dir / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
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

    def start(self, timeout: float = 90) -> None:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: is another Kafka running? (`fraudctl down`)")
        libs = ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.data_dir / "log" / "meta.properties").exists():
            subprocess.run(
                self._java(libs, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)),
                check=True,
                capture_output=True,
            )
        with open(self.data_dir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                self._java(libs, "kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._ready, timeout, "Kafka", str(self.log_path))

    def _ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise RuntimeError(f"Kafka exited with {self.process.returncode}; see {self.log_path}")
        # An open port is not yet a broker that serves: after an unclean stop it recovers its logs
        # and elects itself controller first. A metadata answer is.
        return port_open("127.0.0.1", self.port) and self.answers(timeout=1.0)

    def stop(self, timeout: float = 30) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
