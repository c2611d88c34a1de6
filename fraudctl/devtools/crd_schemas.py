"""Makes the JSON schemas kubeconform checks the Helm chart's rendered manifests against, offline, into
deploy/helm/schemas/<group>/<kind>_<version>.json (kubeconform's `-schema-location` template
`{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`; the core group is `v1`).

Sources, all from registries this machine reaches, pinned below:
- Kubernetes' own kinds: the OpenAPI v3 documents in the k8s.io/kubernetes Go module
  (api/openapi-spec/v3), turned into standalone schemas (every reference resolved into `definitions`);
- KEDA's ScaledObject and TriggerAuthentication, the Prometheus operator's ServiceMonitor and
  PodMonitor: the CRDs in their Go modules;
- Strimzi and CloudNativePG publish their CRDs in no registry reachable here (their Go modules are
  refused by the proxy; Strimzi's Maven jars carry Java classes, not CRDs), so partial CRDs kept in
  deploy/helm/schemas/partial-crds/ stand in: each lists the fields of the real CRD the chart uses (or
  may use soon). Run with `--crd FILE` on the operators' own CRD YAML (`kubectl get crd NAME -o yaml`
  on a cluster that has them) to replace them with the full schemas.

Every object schema that lists its properties and neither names `additionalProperties` nor keeps
unknown fields is closed (`additionalProperties: false`): that is what kubeconform's `-strict` needs,
and why a misspelt field fails `make lint`.

    python -m fraudctl.devtools.crd_schemas            # regenerate every schema
    python -m fraudctl.devtools.crd_schemas --crd kafkas.kafka.strimzi.io.yaml
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs and types-PyYAML is not locked

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "deploy" / "helm" / "schemas"
PARTIAL_CRDS = SCHEMAS / "partial-crds"

KUBERNETES = ("k8s.io/kubernetes", "v1.36.3")
# (module, version, CRD files inside it)
CRD_MODULES = (
    (
        "github.com/kedacore/keda/v2",
        "v2.20.2",
        ("config/crd/bases/keda.sh_scaledobjects.yaml", "config/crd/bases/keda.sh_triggerauthentications.yaml"),
    ),
    (
        "github.com/prometheus-operator/prometheus-operator",
        "v0.85.0",
        (
            "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
            "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
        ),
    ),
)
# The Kubernetes kinds the chart renders, or may: (OpenAPI document, schema name).
KUBERNETES_KINDS = (
    ("api__v1_openapi.json", "io.k8s.api.core.v1.Service"),
    ("api__v1_openapi.json", "io.k8s.api.core.v1.ConfigMap"),
    ("api__v1_openapi.json", "io.k8s.api.core.v1.Secret"),
    ("api__v1_openapi.json", "io.k8s.api.core.v1.ServiceAccount"),
    ("api__v1_openapi.json", "io.k8s.api.core.v1.PersistentVolumeClaim"),
    ("apis__apps__v1_openapi.json", "io.k8s.api.apps.v1.Deployment"),
    ("apis__batch__v1_openapi.json", "io.k8s.api.batch.v1.Job"),
    ("apis__policy__v1_openapi.json", "io.k8s.api.policy.v1.PodDisruptionBudget"),
    ("apis__networking.k8s.io__v1_openapi.json", "io.k8s.api.networking.v1.NetworkPolicy"),
    ("apis__networking.k8s.io__v1_openapi.json", "io.k8s.api.networking.v1.Ingress"),
    ("apis__rbac.authorization.k8s.io__v1_openapi.json", "io.k8s.api.rbac.v1.Role"),
    ("apis__rbac.authorization.k8s.io__v1_openapi.json", "io.k8s.api.rbac.v1.RoleBinding"),
)


def module_dir(module: str, version: str) -> pathlib.Path:
    """The module's files, from the Go module proxy through the module cache (`go mod download`)."""
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod")
    result = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"], env=env, capture_output=True, text=True
    )
    info = json.loads(result.stdout or "{}")
    if info.get("Dir"):
        return pathlib.Path(info["Dir"])
    raise RuntimeError(f"go mod download {module}@{version}: {info.get('Error') or result.stderr}")


def write(group: str, kind: str, version: str, schema: dict[str, Any]) -> pathlib.Path:
    path = SCHEMAS / group / f"{kind.lower()}_{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    return path


def close_objects(node: Any) -> Any:
    """The schema with every object closed to unknown properties, as `-strict` needs; Kubernetes'
    extensions turned into plain JSON Schema; descriptions dropped (they make up most of the size)."""
    if isinstance(node, list):
        return [close_objects(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: close_objects(value) for key, value in node.items() if key != "description"}
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node.setdefault("oneOf", [{"type": "integer"}, {"type": "string"}])
    keeps_unknown = node.pop("x-kubernetes-preserve-unknown-fields", False)
    for key in [key for key in node if key.startswith("x-kubernetes-")]:
        del node[key]
    if "properties" in node and "additionalProperties" not in node and not keeps_unknown:
        node["additionalProperties"] = False
    if node.get("nullable"):  # OpenAPI 3.0's way of saying null is allowed
        del node["nullable"]
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
    return node


def _references(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            yield reference.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _local_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: ("#/definitions/" + value.rsplit("/", 1)[-1] if key == "$ref" else _local_refs(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_local_refs(value) for value in node]
    return node


def kubernetes_schema(components: dict[str, Any], name: str) -> tuple[str, str, str, dict[str, Any]]:
    """(group, kind, version, standalone schema) of one Kubernetes kind from its OpenAPI v3 components."""
    needed, todo = {}, [name]
    while todo:
        current = todo.pop()
        if current in needed:
            continue
        needed[current] = components[current]
        todo.extend(_references(components[current]))
    root = _local_refs(components[name])
    definitions = {key: _local_refs(value) for key, value in needed.items() if key != name}
    gvk = components[name]["x-kubernetes-group-version-kind"][0]
    schema = close_objects(root) | {"definitions": close_objects(definitions)}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return gvk["group"] or "v1", gvk["kind"], gvk["version"], schema


def crd_schemas(crd: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(group, kind, version, schema) of every served version of a CustomResourceDefinition."""
    spec = crd["spec"]
    found = []
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
        properties = schema.setdefault("properties", {})
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        # The API server checks metadata itself; the CRD's schema leaves it open.
        properties["metadata"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        schema = close_objects(schema)
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        found.append((spec["group"], spec["names"]["kind"], version["name"], schema))
    return found


def crds_in(path: pathlib.Path) -> list[dict[str, Any]]:
    return [
        doc for doc in yaml.safe_load_all(path.read_text()) if doc and doc.get("kind") == "CustomResourceDefinition"
    ]


def generate(extra_crds: list[pathlib.Path]) -> list[pathlib.Path]:
    written = []
    kubernetes = module_dir(*KUBERNETES) / "api" / "openapi-spec" / "v3"
    documents: dict[str, dict[str, Any]] = {}
    for document, name in KUBERNETES_KINDS:
        if document not in documents:
            documents[document] = json.loads((kubernetes / document).read_text())["components"]["schemas"]
        written.append(write(*kubernetes_schema(documents[document], name)))
    crd_files = [module_dir(module, version) / file for module, version, files in CRD_MODULES for file in files]
    crd_files += sorted(PARTIAL_CRDS.glob("*.yaml"))
    crd_files += extra_crds  # last, so an operator's own CRD replaces the partial one
    for path in crd_files:
        for crd in crds_in(path):
            for group, kind, version, schema in crd_schemas(crd):
                written.append(write(group, kind, version, schema))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fraudctl.devtools.crd_schemas", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--crd", type=pathlib.Path, action="append", default=[], help="a CRD YAML file to add")
    parser.add_argument("--clean", action="store_true", help="remove the generated schemas first")
    args = parser.parse_args(argv)
    if shutil.which("go") is None:
        print("needs the Go toolchain (`go`) on PATH to fetch the modules", file=sys.stderr)
        return 1
    if args.clean:
        for folder in SCHEMAS.iterdir():
            if folder.is_dir() and folder != PARTIAL_CRDS:
                shutil.rmtree(folder)
    for path in generate(args.crd):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
