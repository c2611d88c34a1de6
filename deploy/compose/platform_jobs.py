"""The one-shot jobs that prepare the platform before its services start, in containers (compose's
`migrate`, `topics`, `model` and `keys` services; the Helm chart's Jobs). Each is idempotent: run again,
it finds its work done and exits 0. Settings come from the environment, as the services read them.

    python platform_jobs.py migrate   # Alembic migrations (DATABASE_URL)
    python platform_jobs.py topics    # every platform topic (KAFKA_BOOTSTRAP_SERVERS, TRANSACTIONS_PARTITIONS,
                                      # TRANSACTIONS_TOPIC, LABELS_TOPIC, KAFKA_SECURITY_PROTOCOL and KAFKA_SASL_*)
    python platform_jobs.py model     # trains the starter model into MODELS_DIR when it holds none
    python platform_jobs.py keys      # one API key per service and the admin's, as files in KEYS_DIR
    python platform_jobs.py keys-secret  # the same, kept in Kubernetes Secrets (the Helm chart's hook)
    python platform_jobs.py certificates  # mutual TLS: an authority and one certificate per service
    python platform_jobs.py database-roles  # one PostgreSQL login role per service, its URL in DATABASE_DIR

Kafka SASL credentials are not made here yet (docs/deploy.md, "What is still off").
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import pathlib
import sys


def migrate() -> None:
    from store_svc.migrate import upgrade

    asyncio.run(upgrade(os.environ["DATABASE_URL"]))


def topics() -> None:
    from fraudmesh import kafka_topics
    from fraudmesh.kafka_security import KafkaSecurity
    from fraudmesh.settings import KafkaSettings, LabelsTopicSettings, TransactionsTopicSettings

    settings = KafkaSettings()
    bootstrap = settings.kafka_bootstrap_servers
    # As a user allowed to create topics when the broker authenticates (KAFKA_SECURITY_PROTOCOL,
    # KAFKA_SASL_*, KAFKA_SSL_CA_FILE: the services' own settings); plaintext otherwise.
    security = KafkaSecurity.from_settings(settings)
    # The two topics a deployment may rename, under the names the services are given.
    renamed = {
        kafka_topics.TRANSACTIONS.name: TransactionsTopicSettings().transactions_topic,
        kafka_topics.LABELS.name: LabelsTopicSettings().labels_topic,
    }
    # The transactions topic's partitions bound how many scoring instances share the work.
    partitions = int(os.environ.get("TRANSACTIONS_PARTITIONS", kafka_topics.TRANSACTIONS.partitions))

    async def create_all() -> None:
        for topic in kafka_topics.PLATFORM_TOPICS:
            if topic.name == kafka_topics.TRANSACTIONS.name:
                topic = dataclasses.replace(topic, partitions=partitions)
            await kafka_topics.ensure(bootstrap, topic, renamed.get(topic.name), security)

    asyncio.run(create_all())


def model() -> None:
    from fraudmodel.serving.registry import ensure_starter_model

    print(ensure_starter_model(pathlib.Path(os.environ.get("MODELS_DIR", "/models"))))


def keys() -> None:
    from fraudctl.runtime.credentials import ensure_platform_keys

    folder = pathlib.Path(os.environ.get("KEYS_DIR", "/run/fraudmesh/keys"))
    made = ensure_platform_keys(os.environ["DATABASE_URL"], folder)
    # The admin key is printed once, when this run made it; afterwards it is read from the volume.
    if made.admin_created:
        print(f"admin API key (also in {folder}/admin.key): {made.admin}")


def certificates() -> None:
    """Mutual TLS for compose's gRPC links, with the code `make up` uses (fraudctl.runtime.certificates):
    the authority, kept in AUTHORITY_DIR (which only this job mounts), signs one certificate per
    service, its common name the service's name (what the peers' guards check) and its subject names
    the service's compose host plus loopback (what the container's own health probe calls). The
    services get the authority's certificate and their own, as `<service>.crt`/`<service>.key`, in
    TLS_DIR. The operator's ("admin") stays in AUTHORITY_DIR: a service must not be able to present
    it. Kept while valid, so a second run changes nothing."""
    from fraudctl.runtime.certificates import LOCAL_HOSTS, ensure_certificate
    from fraudctl.runtime.credentials import ADMIN, SERVICES

    authority = pathlib.Path(os.environ.get("AUTHORITY_DIR", "/run/fraudmesh/authority"))
    shared = pathlib.Path(os.environ.get("TLS_DIR", "/run/fraudmesh/tls"))
    shared.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        issued = ensure_certificate(authority, name, hosts=(name, *LOCAL_HOSTS))
        _copy_private(issued.certificate, shared / f"{name}.crt")
        _copy_private(issued.key, shared / f"{name}.key")
    ensure_certificate(authority, ADMIN)
    _copy_private(authority / "ca.crt", shared / "ca.crt")
    print(f"certificates for {', '.join(SERVICES)} in {shared}; the operator's in {authority}")


def _copy_private(source: pathlib.Path, target: pathlib.Path) -> None:
    """Copied only when changed (a rerun leaves the files alone), readable by their owner only."""
    _write_private(target, source.read_bytes())


def database_roles() -> None:
    """One PostgreSQL login role per service, with the code `make up` uses
    (fraudctl.runtime.database_roles): each in the group role migration 0005 grants what that service
    needs, its password kept under DATABASE_DIR/passwords (made once, set again at every run), and its
    DATABASE_URL written to DATABASE_DIR/<service>.url, which the service reads at start. Runs as the
    owner (DATABASE_URL), after the migrations."""
    from fraudctl.runtime.database_roles import ensure_service_roles

    folder = pathlib.Path(os.environ.get("DATABASE_DIR", "/run/fraudmesh/database"))
    roles = ensure_service_roles(os.environ["DATABASE_URL"], folder / "passwords")
    for service, url in roles.urls.items():
        _write_private(folder / f"{service}.url", url.encode())
    print(f"a login role and a DATABASE_URL for {', '.join(roles.urls)} in {folder}")


def _write_private(target: pathlib.Path, data: bytes) -> None:
    if target.exists() and target.read_bytes() == data:
        return
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def keys_secret() -> None:
    """`keys` for Kubernetes: the keys live in the Secret KEYS_SECRET (one entry per service), which
    the services reference, and the admin's in ADMIN_KEY_SECRET. Keys still valid are kept; a missing
    or revoked one is made again, and only then is the Secret written. Talks to the API server as the
    pod's service account (KUBERNETES_API_URL overrides the in-cluster address)."""
    import tempfile

    from fraudctl.runtime.credentials import ADMIN, SERVICES, ensure_platform_keys

    api = KubernetesSecrets.in_cluster()
    services_secret, admin_secret = os.environ["KEYS_SECRET"], os.environ["ADMIN_KEY_SECRET"]
    saved = api.read(services_secret) | {ADMIN: api.read(admin_secret).get(ADMIN, "")}
    with tempfile.TemporaryDirectory() as scratch:
        folder = pathlib.Path(scratch) / "keys"
        folder.mkdir(mode=0o700)
        for name, key in saved.items():
            if key:
                (folder / f"{name}.key").write_text(key)
        made = ensure_platform_keys(os.environ["DATABASE_URL"], folder)
    if made.by_service != {name: saved.get(name) for name in SERVICES}:
        api.write(services_secret, made.by_service)
        print(f"wrote the services' keys into Secret {services_secret}")
    if made.admin != saved[ADMIN]:
        api.write(admin_secret, {ADMIN: made.admin})
        print(f"wrote the admin's key into Secret {admin_secret}")


@dataclasses.dataclass
class KubernetesSecrets:
    """Reads and writes the Opaque Secrets of one namespace through the Kubernetes API."""

    base_url: str
    namespace: str
    token: str
    ca_file: str | None

    ACCOUNT = pathlib.Path("/var/run/secrets/kubernetes.io/serviceaccount")

    @classmethod
    def in_cluster(cls) -> KubernetesSecrets:
        account = pathlib.Path(os.environ.get("KUBERNETES_ACCOUNT_DIR", cls.ACCOUNT))
        default_url = f"https://{os.environ.get('KUBERNETES_SERVICE_HOST')}:{os.environ.get('KUBERNETES_SERVICE_PORT')}"
        ca_file = account / "ca.crt"
        return cls(
            base_url=os.environ.get("KUBERNETES_API_URL", default_url),
            namespace=(account / "namespace").read_text().strip(),
            token=(account / "token").read_text().strip(),
            ca_file=str(ca_file) if ca_file.exists() else None,
        )

    def _call(self, method: str, path: str, body: dict | None = None) -> dict | None:
        import json
        import ssl
        import urllib.error
        import urllib.request

        url = f"{self.base_url}/api/v1/namespaces/{self.namespace}/secrets{path}"
        request = urllib.request.Request(  # noqa: S310 (the API server's address, http(s) only)
            url,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        context = ssl.create_default_context(cafile=self.ca_file) if url.startswith("https:") else None
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404 and method == "GET":
                return None
            raise RuntimeError(f"{method} {url}: {error.code} {error.read().decode(errors='replace')}") from None

    def read(self, name: str) -> dict[str, str]:
        import base64

        found = self._call("GET", f"/{name}")
        data = (found or {}).get("data") or {}
        return {key: base64.b64decode(value).decode() for key, value in data.items()}

    def write(self, name: str, values: dict[str, str]) -> None:
        import base64

        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "fraudmesh"}},
            "type": "Opaque",
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()},
        }
        if self._call("GET", f"/{name}") is None:
            self._call("POST", "", secret)
        else:
            self._call("PUT", f"/{name}", secret)


JOBS = {
    "migrate": migrate,
    "topics": topics,
    "model": model,
    "keys": keys,
    "keys-secret": keys_secret,
    "certificates": certificates,
    "database-roles": database_roles,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job", choices=sorted(JOBS))
    JOBS[parser.parse_args(argv).job]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
