"""Each service's image holds only what that service imports, and holds all of it.

An image installs the base dependencies of pyproject.toml and its service's extra (its Dockerfile's
`uv sync --extra <service>`) and copies only the packages it runs. Here each service is imported,
and its main objects are built and used where that is cheap, in a fresh interpreter that can import
no more than that image holds: a distribution outside the closure of base + extra in uv.lock, or a
package of ours the Dockerfile does not copy, is not found there, and importlib.metadata does not
list it. So a service that needs something its image lacks fails here as it would in its container;
and a heavy library loaded by a service that does not need it fails too. No Kafka or PostgreSQL is
needed: nothing connects.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tomllib
from typing import Any

import pytest
from packaging.markers import Marker

from .conftest import APP_SERVICES, ROOT
from .dockerfiles import copied_paths, read_stages, synced_extras
from .tiny_model import write_tiny_model

PACKAGES = {
    "ingest": "ingest_svc",
    "scoring": "scoring_svc",
    "store": "store_svc",
    "notify": "notify_svc",
    "edge": "edge",
}

# Large libraries (or ones that pull large ones in), and the services that need each.
HEAVY = {
    "numba", "sklearn", "scipy", "pandas", "pyarrow", "matplotlib", "onnxruntime", "onnx", "skl2onnx",
    "sqlalchemy", "asyncpg", "alembic", "fastapi", "starlette", "uvicorn", "confluent_kafka", "aiokafka",
}  # fmt: skip
NEEDS_HEAVY = {
    "ingest": {"confluent_kafka", "aiokafka", "asyncpg"},  # produces; creates its topic; idempotency keys
    # Every service reads the valid API keys from PostgreSQL with asyncpg (fraudmesh.access).
    "scoring": {"numba", "onnxruntime", "aiokafka", "confluent_kafka", "asyncpg"},  # kernel, model, group; dead letters
    "store": {"sqlalchemy", "asyncpg", "alembic", "confluent_kafka", "aiokafka"},  # PostgreSQL; label announcements
    "notify": {"confluent_kafka", "aiokafka", "asyncpg"},  # the decisions journal; creates its topic at start
    "edge": {"fastapi", "starlette", "uvicorn", "asyncpg"},
}

# Modules a library imports only if they are installed, and goes on without: the images lack them
# and lose nothing. Any other import refused in a service's image fails the test, since a library
# that silently falls back (uvicorn without uvloop or httptools, say) would run worse there.
OPTIONAL_IMPORTS = {
    "grpc_tools": "grpcio looks for protoc's tools to load .proto files at run time; only `make proto` uses them",
    "scipy": "numba checks SciPy's version when SciPy is installed",
    "yaml": "numba reads an optional .numba_config.yaml with PyYAML",
    "pygments": "Mako (Alembic's templates) colours template tracebacks with Pygments",
    "orjson": "FastAPI offers ORJSONResponse when orjson is installed; the edge does not use it",
}

SAMPLE_TRANSACTION = """\
from fraud.v1 import transaction_pb2
txn = transaction_pb2.TransactionInput(
    user_id="alice", merchant_id="m-42", channel=transaction_pb2.CHANNEL_CARD_NOT_PRESENT,
    amount=transaction_pb2.Money(minor_units=12990, currency="EUR"),
    location=transaction_pb2.Location(city="Paris", country="FR"),
)
"""

# Run in the namespace of `<package>.__main__`, after importing it: builds what main() builds
# without binding a port or connecting, and does a little of the service's work.
BUILD = {
    "ingest": """
settings = IngestSettings()
telemetry = ServiceTelemetry.start(settings, IngestMetrics(), serve_metrics=False)
publisher = KafkaTransactionPublisher(
    settings.kafka_bootstrap_servers, settings.transactions_topic, settings.producer_linger_ms,
    settings.producer_request_timeout_ms, telemetry.metrics,
)
durable_keys = IdempotencyStore(settings.database_url, settings.idempotency())
ingestor = Ingestor(publisher, IdempotencyCache(settings.idempotency_cache_size), durable_keys=durable_keys)
servicer = IngestServicer(ingestor, telemetry.metrics)
server = GrpcServer(
    [servicer.registration()],
    settings.ingest_listen, telemetry.server_interceptors(), grace_seconds=settings.shutdown_grace_seconds,
)
from fraudmesh.transaction_rules import normalise
from fraudmesh.validation import validate
from fraud.v1 import ingest_service_pb2
validate(ingest_service_pb2.SubmitTransactionRequest(transaction=txn))
assert normalise(txn, "transaction.") == []
BrokerCheck(settings.kafka_bootstrap_servers, settings.transactions_topic, lambda: publisher.connected)
telemetry.stop()
""",
    "scoring": """
settings = ScoringSettings()
telemetry = ServiceTelemetry.start(settings, ScoringMetrics(), serve_metrics=False)
registry = ModelRegistry(settings.models_dir, settings.active_model_version, settings.shadow_model_version)
scorer = Scorer(registry, settings.review_threshold, settings.decline_threshold)
scorer.prepare()
from fraudmodel.events import event_from_proto
from fraudmodel.serving.decision_message import scored_transaction
import datetime
transaction = transaction_pb2.Transaction(id="t-1", input=txn)
transaction.received_at.GetCurrentTime()
(result,) = scorer.score([event_from_proto(transaction)])
assert result.decision != "APPROVE" and result.reasons, result  # the test model flags everything
scored_transaction(transaction, result, datetime.datetime.now(datetime.UTC))
telemetry.stop()
""",
    "store": """
settings = StoreSettings()
telemetry = ServiceTelemetry.start(settings, ServiceMetrics("store"), serve_metrics=False)
engine = create_engine(settings)
servicer = StoreServicer(
    TransactionRepository(engine),
    TransactionSpans("store_svc", telemetry.tracer_provider),
    LabelEvents(AcknowledgedProducer(settings.kafka_bootstrap_servers), settings.labels_topic),
)
server = GrpcServer(
    services=[servicer.registration()], address=settings.store_listen,
    interceptors=telemetry.server_interceptors(), grace_seconds=settings.shutdown_grace_seconds,
)
from alembic.script import ScriptDirectory
from store_svc.migrate import alembic_config
assert ScriptDirectory.from_config(alembic_config()).get_revisions("heads")  # loads every migration
telemetry.stop()
""",
    "notify": """
settings = NotifySettings()
telemetry = ServiceTelemetry.start(settings, ServiceMetrics("notify"), serve_metrics=False)
server = NotifyServer.from_settings(settings, telemetry.server_interceptors())
telemetry.stop()
""",
    "edge": """
settings = EdgeSettings()
telemetry = ServiceTelemetry.start(settings, EdgeMetrics(), serve_metrics=False)
interceptors = telemetry.client_interceptors()
upstreams = Upstreams(UpstreamAddresses.from_settings(settings), interceptors)
app = create_app(settings, upstreams, telemetry.metrics, telemetry.tracer_provider)
assert app.openapi()["paths"]
host, port = settings.listen_host_port()
# What uvicorn.run would pick (event loop, HTTP and WebSocket protocols), without binding the port.
config = uvicorn.Config(app, host=host, port=port, ws_per_message_deflate=settings.websocket_compression)
config.load()
telemetry.stop()
""",
}

# The fresh interpreter. argv[1]: {"root", "distributions", "packages", "main", "build"}. Prints one
# JSON line after RESULT: what it loaded and what it was refused.
CHILD = r"""
import importlib, importlib.abc, importlib.machinery, importlib.metadata, json, os, re, sys, sysconfig

config = json.loads(sys.argv[1])
ROOT = os.path.realpath(config["root"])
VENV = os.path.join(ROOT, ".venv")
ALLOWED_DISTRIBUTIONS = set(config["distributions"])
ALLOWED_PACKAGES = set(config["packages"])
STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


OWNER = {}  # installed module file -> its distribution (paths as sys.path spells them, like origins)
for dist in importlib.metadata.distributions():
    name = normalise(dist.metadata["Name"])
    for file in dist.files or ():
        if file.suffix in (".py", ".so", ".pyc", ".pyd"):
            OWNER[os.path.normpath(dist.locate_file(file))] = name


def owner(origin):
    if os.path.normpath(origin) in OWNER:
        return "distribution", OWNER[os.path.normpath(origin)]
    path = os.path.realpath(origin)
    if path.startswith(ROOT + os.sep) and not path.startswith(VENV + os.sep):
        return "package", os.path.relpath(path, ROOT).split(os.sep)[0]
    if path.startswith(STDLIB + os.sep) and "site-packages" not in path.split(os.sep):
        return "stdlib", None
    return "unknown", path


def where(filename, line):
    path = os.path.realpath(filename)
    if path.startswith(ROOT + os.sep) and not path.startswith(VENV + os.sep):
        path = os.path.relpath(path, ROOT)
    elif "site-packages" in path:
        path = path.split("site-packages" + os.sep, 1)[1]
    return f"{path}:{line}"


def importer():
    frame = sys._getframe(2)
    while frame is not None and ("importlib" in frame.f_code.co_filename or frame.f_code.co_filename.startswith("<")):
        frame = frame.f_back
    return where(frame.f_code.co_filename, frame.f_lineno) if frame is not None else "?"


REFUSED = []


def allowed(kind, who):
    if kind == "distribution":
        return who in ALLOWED_DISTRIBUTIONS
    if kind == "package":
        return who in ALLOWED_PACKAGES
    return kind == "stdlib"


class ImageOnly(importlib.abc.MetaPathFinder):
    # Stands in for PathFinder: finds what it finds, but only what the image holds.
    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.origin is None or not spec.has_location:
            return spec  # not found, or a namespace package (its portions are checked one by one)
        kind, who = owner(spec.origin)
        if allowed(kind, who):
            return spec
        REFUSED.append({"module": name, "owner": who, "importer": importer()})
        return None

    def find_distributions(self, context=importlib.metadata.DistributionFinder.Context()):
        for dist in importlib.machinery.PathFinder.find_distributions(context):
            if normalise(dist.metadata["Name"]) in ALLOWED_DISTRIBUTIONS:
                yield dist

    def invalidate_caches(self):
        importlib.machinery.PathFinder.invalidate_caches()


sys.meta_path[sys.meta_path.index(importlib.machinery.PathFinder)] = ImageOnly()
before = set(sys.modules)
error = None
try:
    importlib.import_module("fraudmesh.healthcheck")  # every image's HEALTHCHECK runs it
    main = importlib.import_module(config["main"])
    exec(config["build"], vars(main))
except BaseException as exc:  # reported to the test with what was refused
    import traceback
    error = "".join(traceback.format_exception(exc))

modules, distributions, packages, unknown = set(), set(), set(), set()
for name, module in list(sys.modules.items()):
    if name in before:
        continue
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or getattr(module, "__file__", None)
    if not origin or not os.path.isabs(origin):
        continue
    kind, who = owner(origin)
    if kind != "stdlib":
        modules.add(name.split(".")[0])
    {"distribution": distributions, "package": packages, "unknown": unknown}.get(kind, set()).add(who)
result = {"modules": modules, "distributions": distributions, "packages": packages, "unknown": unknown}
result = {key: sorted(value) for key, value in result.items()}
print("RESULT " + json.dumps(result | {"refused": REFUSED, "error": error}))
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def lock() -> dict[str, Any]:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def applies(dependency: dict[str, Any]) -> bool:
    """Whether a locked dependency is installed on the images' platform (Linux, CPython 3.11, as here)."""
    marker = dependency.get("marker")
    return marker is None or Marker(marker).evaluate({"extra": ""})


def closure(extras: tuple[str, ...] = (), groups: tuple[str, ...] = (), every_platform: bool = False) -> set[str]:
    """The distributions `uv sync --frozen --no-install-project --extra ...` installs: the project's
    dependencies, those of the extras and groups named, and theirs, following extras such as
    `sqlalchemy[asyncio]`; on the images' platform, or on `every_platform`."""
    packages = {package["name"]: package for package in lock()["package"]}
    project = packages["fraudmesh"]
    todo = list(project.get("dependencies", []))
    for extra in extras:
        todo += project.get("optional-dependencies", {}).get(extra, [])
    for group in groups:
        todo += project.get("dev-dependencies", {}).get(group, [])
    found: set[str] = set()
    done: set[tuple[str, str | None]] = set()
    while todo:
        dependency = todo.pop()
        if not (every_platform or applies(dependency)):
            continue
        name = dependency["name"]
        for extra in [None, *dependency.get("extra", [])]:
            if (name, extra) in done:
                continue
            done.add((name, extra))
            package = packages[name]
            found.add(name)
            todo += package.get("dependencies", []) if extra is None else package["optional-dependencies"][extra]
    return found - {"fraudmesh"}


def image(service: str) -> tuple[list[str], list[str]]:
    """The extras the service's image installs and our packages it copies, as its Dockerfile says."""
    stages = read_stages(ROOT / "deploy" / "docker" / f"{service}.Dockerfile")
    packages = [path for path in copied_paths(stages[-1]) if (ROOT / path / "__init__.py").is_file()]
    return synced_extras(stages), packages


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory):
    return write_tiny_model(tmp_path_factory.mktemp("models"))


@functools.cache
def probe(service: str, models: str) -> dict[str, Any]:
    extras, packages = image(service)
    config = {
        "root": str(ROOT),
        "distributions": sorted(closure(tuple(extras))),
        "packages": packages,
        "main": f"{PACKAGES[service]}.__main__",
        "build": SAMPLE_TRANSACTION + BUILD[service],
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "OTEL_")) and key not in {"MODELS_DIR", "METRICS_PORT"}
    }
    # Tracing on (nothing is exported: no span is made), so its exporter's imports are exercised too.
    env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "MODELS_DIR": models}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, f"the probe of {service} crashed:\n{result.stdout}\n{result.stderr}"
    return json.loads(lines[-1].removeprefix("RESULT ")) | {"extras": extras, "packages_copied": packages}


def built(service: str, models_dir) -> dict[str, Any]:
    outcome = probe(service, str(models_dir))
    if outcome["error"] is not None:
        pytest.skip(f"{service} could not be built: see test_service_starts_with_only_what_its_image_installs")
    return outcome


def _refusals(outcome: dict[str, Any]) -> str:
    return "\n".join(f"  {r['module']} ({r['owner']}), imported at {r['importer']}" for r in outcome["refused"])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_service_starts_with_only_what_its_image_installs(service, models_dir):
    outcome = probe(service, str(models_dir))
    extras = ", ".join(outcome["extras"]) or "none"
    assert outcome["error"] is None, (
        f"{service} cannot be imported and built with the base and its extra(s) ({extras}) and the packages "
        f"its Dockerfile copies ({', '.join(outcome['packages_copied'])}).\nRefused:\n{_refusals(outcome)}\n{outcome['error']}"
    )
    unexpected = [r for r in outcome["refused"] if r["module"] not in OPTIONAL_IMPORTS]
    assert not unexpected, (
        f"{service} went on without modules its image lacks; add their distribution to the `{service}` extra, or "
        f"to OPTIONAL_IMPORTS with the reason it does not matter:\n{_refusals({'refused': unexpected})}"
    )


@pytest.mark.parametrize("service", APP_SERVICES)
def test_service_loads_no_heavy_library_it_does_not_need(service, models_dir):
    outcome = built(service, models_dir)
    heavy = set(outcome["modules"]) & HEAVY
    assert heavy <= NEEDS_HEAVY[service], f"{service} loads {sorted(heavy - NEEDS_HEAVY[service])}"
    outside = set(outcome["distributions"]) - closure(tuple(outcome["extras"]))
    assert not outside, f"{service} loaded modules of distributions its image does not install: {sorted(outside)}"
    assert not outcome["unknown"], f"{service} loaded modules of no known distribution: {outcome['unknown']}"
    assert set(outcome["packages"]) <= set(outcome["packages_copied"]), outcome["packages"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_everything_an_image_adds_is_imported_by_its_service(service, models_dir):
    """The other half of "only what it imports": no library stays in a service's extra, and no package
    of ours in its image, after the service stopped importing it."""
    outcome = built(service, models_dir)
    used = set(outcome["distributions"])
    for extra in outcome["extras"]:
        named = {normalise(d["name"]) for d in lock_project()["optional-dependencies"].get(extra, [])}
        unused = named - used
        assert not unused, f"the `{extra}` extra names {sorted(unused)}, which {service} does not import"
    unused_packages = set(outcome["packages_copied"]) - set(outcome["packages"])
    assert not unused_packages, (
        f"{service}.Dockerfile copies {sorted(unused_packages)}, which {service} does not import"
    )


def lock_project() -> dict[str, Any]:
    return next(package for package in lock()["package"] if package["name"] == "fraudmesh")


def test_the_walk_of_uv_lock_reaches_every_locked_package():
    """The closure above follows uv.lock as uv does: all extras and the dev group reach every package,
    and the base alone reaches none of the heavy libraries."""
    every = {package["name"] for package in lock()["package"]} - {"fraudmesh"}
    extras = tuple(lock_project().get("optional-dependencies", {}))
    assert closure(extras, ("dev",), every_platform=True) == every
    base = closure()
    assert "grpcio" in base and "opentelemetry-sdk" in base
    heavy = {"numba", "scikit-learn", "scipy", "pandas", "pyarrow", "matplotlib", "onnxruntime", "onnx", "sqlalchemy"}
    assert not base & heavy, base & heavy
