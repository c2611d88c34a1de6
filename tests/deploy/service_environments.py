"""What a deployment gives each service as its environment, read from docker-compose.yml and from the
Helm chart's rendered Deployments, and the check of it against the service's settings class.

A setting is *needed* in a deployment when the service cannot work there on its default: a field with
no default, one whose default points at this machine's loopback (Kafka, PostgreSQL, a peer: in a
container that is the container itself), SERVICE_API_KEY while access control is on (every call
between services carries it), and the GRPC_TLS_*_FILE settings while gRPC runs over mutual TLS (the
default; a service without its files fails at start). *Unknown* is a variable that is no setting of the class: a typo the
service would silently ignore (its settings ignore extra variables).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import shlex
from typing import Any

from pydantic_settings import BaseSettings

from fraudmesh.settings import ServiceSettings

PACKAGES = {
    "ingest": "ingest_svc",
    "scoring": "scoring_svc",
    "store": "store_svc",
    "notify": "notify_svc",
    "edge": "edge",
}
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
# Where compose's services read their API key from (the `keys` job writes it there).
KEY_FILE = "/run/fraudmesh/keys/{service}.key"
# `sh -c 'NAME="$(cat FILE)" exec python -m package'`: variables set from files just before the exec.
_FROM_FILE = re.compile(r'(?P<name>[A-Z_][A-Z0-9_]*)="\$\(cat (?P<file>[^)\s]+)\)"')
# ... or from one of the container's own variables (`NAME="$HOSTNAME"`).
_FROM_VARIABLE = re.compile(r'(?P<name>[A-Z_][A-Z0-9_]*)="\$(?P<variable>[A-Z_][A-Z0-9_]*)"')
# Kubernetes' dependent variables: $(NAME) in a value is replaced by an earlier variable's value.
_DEPENDENT = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def settings_class(service: str) -> type[BaseSettings]:
    """The service's own settings (`<package>.settings`)."""
    module_name = f"{PACKAGES[service]}.settings"
    module = importlib.import_module(module_name)
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value.__module__ == module_name
    ]
    assert len(own) == 1, f"{module_name} should define one ServiceSettings subclass, found {own}"
    return own[0]


TLS_FILES = ("GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE")


def _on(environment: dict[str, str], name: str, default: object) -> bool:
    value = environment.get(name.upper())
    return bool(default) if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def needed_settings(service: str, environment: dict[str, str] | None = None) -> set[str]:
    """What `service` needs set in a deployment, given what `environment` switches on or off."""
    environment = environment or {}
    fields = settings_class(service).model_fields
    needed = {
        name.upper()
        for name, field in fields.items()
        if field.is_required() or (isinstance(field.default, str) and any(host in field.default for host in LOOPBACK))
    }
    if "service_api_key" in fields and _on(environment, "access_control", fields["access_control"].default):
        needed.add("SERVICE_API_KEY")
    if "grpc_tls" in fields and _on(environment, "grpc_tls", fields["grpc_tls"].default):
        needed.update(TLS_FILES)
    return needed


@dataclasses.dataclass
class Environment:
    """A service's variables as a deployment sets them: value, or a stand-in for a secret's."""

    values: dict[str, str]
    # Variables that exist only to be spliced into others ($(NAME) in Kubernetes): not settings.
    helpers: set[str] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Problems:
    missing: list[str]
    unknown: list[str]

    def __bool__(self) -> bool:
        return bool(self.missing or self.unknown)

    def __str__(self) -> str:
        return f"missing settings {self.missing}, unknown variables {self.unknown}"


def check(service: str, environment: Environment) -> Problems:
    fields = {name.upper() for name in settings_class(service).model_fields}
    given = set(environment.values) - environment.helpers
    return Problems(
        missing=sorted(needed_settings(service, environment.values) - given),
        unknown=sorted(given - fields),
    )


def compose_environment(compose: dict[str, Any], service: str) -> Environment:
    """`environment`, plus what the command sets from a file before it execs the service."""
    declared = compose["services"][service]
    values = {key: str(value) for key, value in (declared.get("environment") or {}).items()}
    command = declared.get("command")
    if isinstance(command, list) and command[:2] == ["sh", "-c"]:
        script = command[2]
        words = shlex.split(script.replace("$$", "$"))
        assert words[-4:] == ["exec", "python", "-m", PACKAGES[service]], f"{service} runs {script!r}"
        for match in _FROM_FILE.finditer(script.replace("$$", "$")):
            values[match.group("name")] = f"<contents of {match.group('file')}>"
        for match in _FROM_VARIABLE.finditer(script.replace("$$", "$")):
            values[match.group("name")] = f"<the container's {match.group('variable')}>"
    return Environment(values)


def kubernetes_environment(container: dict[str, Any]) -> Environment:
    """A container's `env`, secrets standing in as `<secret NAME/KEY>`, $(NAME) references expanded."""
    values: dict[str, str] = {}
    referenced: set[str] = set()
    for variable in container.get("env", []):
        if "value" in variable:
            value = str(variable["value"])
            referenced.update(_DEPENDENT.findall(value))
            value = _DEPENDENT.sub(lambda m: values.get(m.group(1), m.group(0)), value)
        elif "fieldRef" in variable["valueFrom"]:
            value = f"<the pod's {variable['valueFrom']['fieldRef']['fieldPath']}>"
        else:
            source = variable["valueFrom"]["secretKeyRef"]
            value = f"<secret {source['name']}/{source['key']}>"
        values[variable["name"]] = value
    return Environment(values, helpers=referenced)


def rendered_deployments(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The service container of each Deployment, by the service's name (app.kubernetes.io/name)."""
    found = {}
    for manifest in manifests:
        if manifest and manifest.get("kind") == "Deployment":
            name = manifest["metadata"]["labels"]["app.kubernetes.io/name"]
            containers = manifest["spec"]["template"]["spec"]["containers"]
            found[name] = next(c for c in containers if c["name"] == name)
    return found
