"""A Keycloak on 127.0.0.1 for development and tests, with the realm of deploy/keycloak/realm-fraudmesh.json.

Keycloak's own distribution (`org.keycloak:keycloak-quarkus-dist`, a zip on Maven Central) is
fetched once into the cache, built once there (`kc.sh build`: half a minute on an idle machine,
two and more on a busy one) and run on a JDK 21 or later. It runs built, in production mode
(`start --optimized`) with the embedded file database and plain HTTP on loopback, rather than in
`start-dev`: development mode cannot be built ahead (Keycloak refuses `build` for it), so each
fresh home would rebuild it at every start. Each server gets a home of its own under its data
folder: the small parts of the distribution copied, the 170 MB of jars linked, its database and
transaction log in its own `data/`.

No password or secret is committed: the bootstrap administrator, the realm's users and its
confidential clients get random ones at each start, set through the admin REST API and held here.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Any

from fraudctl.runtime.downloads import cache_lock, download_checked
from fraudctl.runtime.kafka_broker import CACHE, REPO
from fraudctl.runtime.probes import how_it_ended
from fraudctl.runtime.waiting import port_open, wait_until

KEYCLOAK_VERSION = "26.7.3"
DISTRIBUTION_URL = (
    "https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/"
    f"{KEYCLOAK_VERSION}/keycloak-quarkus-dist-{KEYCLOAK_VERSION}.zip"
)
REALM_FILE = REPO / "deploy" / "keycloak" / "realm-fraudmesh.json"
REALM = "fraudmesh"
# Keycloak 26 needs Java 21 or later; the platform's own JDK is 17.
DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"


def ensure_distribution() -> pathlib.Path:
    """Returns Keycloak's distribution, unpacked and built, downloading it (177 MB) the first time."""
    home = CACHE / f"keycloak-{KEYCLOAK_VERSION}"
    if (home / ".built").exists():
        return home
    with cache_lock(f"keycloak-{KEYCLOAK_VERSION}"):
        if (home / ".built").exists():  # another session fetched it while we waited
            return home
        archive = CACHE / f"keycloak-quarkus-dist-{KEYCLOAK_VERSION}.zip"
        if not archive.exists():
            download_checked(DISTRIBUTION_URL, archive)
        shutil.rmtree(home, ignore_errors=True)
        unpacking = CACHE / f"keycloak-{KEYCLOAK_VERSION}.unpacking"
        shutil.rmtree(unpacking, ignore_errors=True)
        with zipfile.ZipFile(archive) as dist:
            dist.extractall(unpacking)
        unpacked = unpacking / f"keycloak-{KEYCLOAK_VERSION}"
        for script in (unpacked / "bin").glob("*.sh"):  # zipfile does not keep the executable bits
            script.chmod(0o755)
        build_log = CACHE / f"keycloak-{KEYCLOAK_VERSION}-build.log"
        with open(build_log, "wb") as out:
            built = subprocess.run(
                [str(unpacked / "bin" / "kc.sh"), "build", "--db=dev-file"],
                env=_java_environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if built.returncode != 0:
            raise RuntimeError(how_it_ended(f"kc.sh build exited with {built.returncode}", build_log))
        unpacked.rename(home)
        shutil.rmtree(unpacking)
        archive.unlink()
        (home / ".built").touch()
    return home


def java_home() -> str:
    path = os.environ.get("KEYCLOAK_JAVA_HOME", DEFAULT_JAVA_HOME)
    if not (pathlib.Path(path) / "bin" / "java").exists():
        raise RuntimeError(f"Keycloak needs a JDK 21 or later: none at {path} (set KEYCLOAK_JAVA_HOME)")
    return path


def _java_environment() -> dict[str, str]:
    return {
        **os.environ,
        "JAVA_HOME": java_home(),
        # Only the quick JIT compiler: starting runs most code once, and the optimising one competed
        # for the two cores (58 CPU-seconds to ready with it, 31 without, measured here).
        "JAVA_OPTS_APPEND": "-XX:TieredStopAtLevel=1",
    }


def _request(
    method: str, url: str, *, token: str = "", form: dict[str, str] | None = None, body: Any = None, host: str = ""
) -> Any:
    """One HTTP call to Keycloak; returns the JSON answer (None when empty). `host` replaces the Host
    header: in development mode Keycloak names its issuer after the address it was asked at."""
    headers = {"Accept": "application/json"}
    if host:
        headers["Host"] = host
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer = response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {url}: {error.code} {error.read()[:300]!r}") from None
    return json.loads(answer) if answer else None


@dataclass
class KeycloakServer:
    data_dir: pathlib.Path
    port: int
    management_port: int
    process: subprocess.Popen[bytes] | None = None
    admin_username: str = field(default_factory=lambda: f"admin-{secrets.token_hex(4)}")
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    passwords: dict[str, str] = field(default_factory=dict)  # realm user -> the password set at start
    client_secrets: dict[str, str] = field(default_factory=dict)  # confidential client -> its secret
    started_in: float = 0.0  # seconds from launch to ready, for the record

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The realm's issuer as tokens name it when asked for at this address."""
        return f"{self.url}/realms/{REALM}"

    @property
    def log_path(self) -> pathlib.Path:
        return self.data_dir / "keycloak.log"

    def ended(self) -> str | None:
        if self.process is None or self.process.poll() is None:
            return None
        return how_it_ended(f"exited with {self.process.returncode}", self.log_path)

    def start(self, timeout: float = 480) -> None:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken")
        dist = ensure_distribution()
        home = self._make_home(dist)
        environment = {
            **_java_environment(),
            "KC_BOOTSTRAP_ADMIN_USERNAME": self.admin_username,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
            # Keycloak's default heap is a share of the machine's memory; a test realm needs little.
            "JAVA_OPTS_KC_HEAP": "-Xms128m -Xmx768m",
        }
        command = [
            str(home / "bin" / "kc.sh"),
            "start",
            "--optimized",
            "--http-enabled=true",
            "--http-host=127.0.0.1",
            f"--http-port={self.port}",
            f"--http-management-port={self.management_port}",
            # The issuer follows the address a client asks at, as in development mode.
            "--hostname-strict=false",
            # One node: a local cache, not a cluster looking for its peers on the network.
            "--cache=local",
            "--import-realm",
        ]
        launched = time.monotonic()
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True
            )
        wait_until(self._ready, timeout, "Keycloak", str(self.log_path))
        self.started_in = time.monotonic() - launched
        self._set_credentials()

    def _make_home(self, dist: pathlib.Path) -> pathlib.Path:
        home = self.data_dir / "home"
        shutil.rmtree(home, ignore_errors=True)
        (home / "lib").mkdir(parents=True)
        for part in ("bin", "conf", "providers", "themes", "lib/app"):
            shutil.copytree(dist / part, home / part)
        shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib")
        (home / "lib" / "lib").symlink_to(dist / "lib" / "lib")
        shutil.copytree(dist / "lib" / "quarkus", home / "lib" / "quarkus")
        (home / "data" / "import").mkdir(parents=True)
        shutil.copy2(REALM_FILE, home / "data" / "import")
        return home

    def _ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise RuntimeError(self.ended())
        try:
            _request("GET", f"{self.issuer}/.well-known/openid-configuration")
        except (OSError, RuntimeError):
            return False
        return True

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # kc.sh forwards SIGTERM to its java; the group also takes any relaunched java along.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    # The admin REST API, as the bootstrap administrator.

    def admin_token(self) -> str:
        # Tokens of the master realm live a minute: one per use is simplest and cheap.
        answer = _request(
            "POST",
            f"{self.url}/realms/master/protocol/openid-connect/token",
            form={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": self.admin_username,
                "password": self.admin_password,
            },
        )
        return str(answer["access_token"])

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Calls /admin/realms/fraudmesh/`path` (an absolute /admin/... path is used as it is)."""
        url = f"{self.url}{path}" if path.startswith("/admin/") else f"{self.url}/admin/realms/{REALM}/{path}"
        return _request(method, url, token=self.admin_token(), body=body)

    def client_uuid(self, client_id: str) -> str:
        return str(self.admin("GET", f"clients?clientId={urllib.parse.quote(client_id)}")[0]["id"])

    def _set_credentials(self) -> None:
        realm = json.loads(REALM_FILE.read_text())
        for user in realm["users"]:
            if "serviceAccountClientId" in user:
                continue
            username = user["username"]
            (found,) = self.admin("GET", f"users?exact=true&username={urllib.parse.quote(username)}")
            password = secrets.token_urlsafe(18)
            self.admin(
                "PUT",
                f"users/{found['id']}/reset-password",
                {"type": "password", "value": password, "temporary": False},
            )
            self.passwords[username] = password
        for client in realm["clients"]:
            if not client.get("publicClient"):
                answer = self.admin("POST", f"clients/{self.client_uuid(client['clientId'])}/client-secret")
                self.client_secrets[client["clientId"]] = str(answer["value"])

    # Tokens, as the platform's callers get them.

    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    def password_token(self, username: str, client_id: str = "fraudmesh-service") -> str:
        answer = _request(
            "POST",
            self.token_endpoint(),
            form={
                "grant_type": "password",
                "client_id": client_id,
                "client_secret": self.client_secrets[client_id],
                "username": username,
                "password": self.passwords[username],
                "scope": "openid",
            },
        )
        return str(answer["access_token"])

    def client_token(self, client_id: str = "fraudmesh-service", host: str = "") -> str:
        """A token by client credentials; asked at `host` (e.g. localhost:PORT) it names that issuer."""
        answer = _request(
            "POST",
            self.token_endpoint(),
            form={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": self.client_secrets[client_id],
            },
            host=host,
        )
        return str(answer["access_token"])

    def add_service_client(self, client_id: str, realm_roles: list[str], **representation: Any) -> None:
        """A confidential client with a service account holding `realm_roles`; `representation`
        adds to (or replaces) the fields of Keycloak's ClientRepresentation."""
        self.admin(
            "POST",
            "clients",
            {
                "clientId": client_id,
                "publicClient": False,
                "standardFlowEnabled": False,
                "serviceAccountsEnabled": True,
                **representation,
            },
        )
        uuid = self.client_uuid(client_id)
        account = self.admin("GET", f"clients/{uuid}/service-account-user")
        roles = [self.admin("GET", f"roles/{role}") for role in realm_roles]
        self.admin("POST", f"users/{account['id']}/role-mappings/realm", roles)
        self.client_secrets[client_id] = str(self.admin("POST", f"clients/{uuid}/client-secret")["value"])
