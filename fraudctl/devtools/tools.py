"""Go-built tools the tests and the local stack use: `promtool`, Jaeger v2, (for `make chaos`) toxiproxy,
and (for `make lint-deploy`) compose-config (compose-go's loader), helm and kubeconform.

They are built with `go install` from the Go module proxy into a cache outside the repository
(`~/.cache/fraudmesh/go/<tool>-<version>/bin`, or under `$FRAUDMESH_GO_CACHE`), once per version;
later calls find the binary and return at once. The first build takes minutes on two cores, so a
lock file keeps two test processes from building the same tool at the same time.

    python -m fraudctl.devtools.tools install promtool jaeger   # warm the cache
    python -m fraudctl.devtools.tools path promtool
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap

from fraudctl.runtime.waiting import stop_process, wait_healthy

GO_CACHE_ENV = "FRAUDMESH_GO_CACHE"


@dataclasses.dataclass(frozen=True)
class GoTool:
    name: str
    module: str
    package: str
    version: str
    # `go install pkg@version` refuses a module whose go.mod has replace directives; such a tool is
    # built inside a throw-away main module that repeats them, which is what its own build does.
    needs_module_replaces: bool = False
    # The file `go install` writes, when it is not the tool's name (it is the package's last element).
    binary: str = ""
    # A main package of ours (a folder beside this file) built against `module@version`, for a tool
    # the module has no command for: `package` is then unused.
    main_source: str = ""

    @property
    def executable(self) -> str:
        return self.binary or self.name


# Prometheus tags its Go module v0.3xx.y for release 3.xx.y: v0.316.0 is Prometheus 3.16.0.
PROMTOOL = GoTool(
    "promtool", "github.com/prometheus/prometheus", "github.com/prometheus/prometheus/cmd/promtool", "v0.316.0"
)
# The server itself, from the same module, for `fraudctl up --observe`: built on demand only
# (`install prometheus`); without the `builtinassets` tag it serves its API but not its UI.
PROMETHEUS = GoTool(
    "prometheus", "github.com/prometheus/prometheus", "github.com/prometheus/prometheus/cmd/prometheus", "v0.316.0"
)
# Jaeger v2 lives in the v1-numbered Go module: module v1.75.0 is Jaeger v2.12.0 (binary `jaeger`), the
# newest release the module proxy here approves (v1.76.0 is served but not an approved release).
JAEGER = GoTool(
    "jaeger",
    "github.com/jaegertracing/jaeger",
    "github.com/jaegertracing/jaeger/cmd/jaeger",
    "v1.75.0",
    needs_module_replaces=True,
)
# Toxiproxy's server, for the chaos suite (bench/chaos): its package is cmd/server, hence its file name.
TOXIPROXY = GoTool(
    "toxiproxy-server",
    "github.com/Shopify/toxiproxy/v2",
    "github.com/Shopify/toxiproxy/v2/cmd/server",
    "v2.12.0",
    binary="server",
)
# The deployment checks of `make lint-deploy`. compose-go is the loader `docker compose config` runs
# (interpolation, normalisation, consistency checks); compose_config/main.go calls it as that command does.
COMPOSE_CONFIG = GoTool(
    "compose-config",
    "github.com/compose-spec/compose-go/v2",
    "",
    "v2.16.2",
    main_source="compose_config",
)
HELM = GoTool("helm", "helm.sh/helm/v4", "helm.sh/helm/v4/cmd/helm", "v4.3.2")
KUBECONFORM = GoTool(
    "kubeconform", "github.com/yannh/kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform", "v0.8.0"
)
TOOLS = {tool.name: tool for tool in (PROMTOOL, PROMETHEUS, JAEGER, TOXIPROXY, COMPOSE_CONFIG, HELM, KUBECONFORM)}


def cache_root() -> pathlib.Path:
    configured = os.environ.get(GO_CACHE_ENV)
    return pathlib.Path(configured) if configured else pathlib.Path.home() / ".cache" / "fraudmesh" / "go"


def tool_path(tool: GoTool) -> pathlib.Path:
    return cache_root() / f"{tool.name}-{_build_version(tool)}" / "bin" / tool.executable


def _build_version(tool: GoTool) -> str:
    """The module's version, and for a main package of ours a digest of its source too, so a change
    to that source builds the tool again instead of reusing the cached binary."""
    if not tool.main_source:
        return tool.version
    digest = hashlib.sha256()
    for source in sorted((pathlib.Path(__file__).parent / tool.main_source).glob("*.go")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"{tool.version}-{digest.hexdigest()[:12]}"


@contextlib.contextmanager
def _build_lock(tool: GoTool):
    lock_file = cache_root() / f".{tool.name}-{_build_version(tool)}.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_tool(tool: GoTool) -> pathlib.Path:
    """Path of the cached binary of `tool`, building it first if it is not there yet."""
    target = tool_path(tool)
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise RuntimeError(f"building {tool.name} needs the Go toolchain (`go`) on PATH")
    with _build_lock(tool):
        if target.exists():  # another process built it while we waited for the lock
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        # Build into a scratch folder and rename, so a half-written binary is never found later.
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            built = pathlib.Path(scratch) / tool.executable
            # GOTOOLCHAIN=local: build with the Go on PATH, never fetch another toolchain.
            env = dict(os.environ, GOBIN=scratch, CGO_ENABLED="0", GOTOOLCHAIN="local")
            if tool.main_source:
                _build_own_main(go, tool, built, env)
            elif tool.needs_module_replaces:
                _build_in_wrapper_module(go, tool, built, env)
            else:
                _go(go, ["install", f"{tool.package}@{tool.version}"], env, scratch)
            os.replace(built, target)
    return target


def _go(go: str, args: list[str], env: dict[str, str], cwd: str | os.PathLike[str]) -> str:
    result = subprocess.run([go, *args], env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"`go {' '.join(args)}` failed with exit code {result.returncode}:\n{result.stderr[-4000:]}")
    return result.stdout


def _build_in_wrapper_module(go: str, tool: GoTool, output: pathlib.Path, env: dict[str, str]) -> None:
    """Builds `tool.package` from a main module that requires the tool's module and its replaces."""
    source = json.loads(_go(go, ["mod", "download", "-json", f"{tool.module}@{tool.version}"], env, output.parent))
    declared = json.loads(_go(go, ["mod", "edit", "-json", source["GoMod"]], env, output.parent))
    wrapper = output.parent / "wrapper"
    wrapper.mkdir()
    _go(go, ["mod", "init", f"fraudmesh.invalid/build/{tool.name}"], env, wrapper)
    edits = [f"-require={tool.module}@{tool.version}"]
    for replace in declared.get("Replace") or []:
        old, new = replace["Old"], replace["New"]
        old_spec = old["Path"] + (f"@{old['Version']}" if old.get("Version") else "")
        if new.get("Version"):
            new_spec = f"{new['Path']}@{new['Version']}"
        else:  # a folder inside the tool's own module: point at it in the module cache
            new_spec = str((pathlib.Path(source["Dir"]) / new["Path"]).resolve())
        edits.append(f"-replace={old_spec}={new_spec}")
    _go(go, ["mod", "edit", *edits], env, wrapper)
    _go(go, ["build", "-mod=mod", "-trimpath", "-o", str(output), tool.package], env, wrapper)


def _build_own_main(go: str, tool: GoTool, output: pathlib.Path, env: dict[str, str]) -> None:
    """Builds the main package in `tool.main_source` inside a throw-away module requiring the tool's module."""
    wrapper = output.parent / "wrapper"
    wrapper.mkdir()
    for source in (pathlib.Path(__file__).parent / tool.main_source).glob("*.go"):
        shutil.copy(source, wrapper / source.name)
    _go(go, ["mod", "init", f"fraudmesh.invalid/build/{tool.name}"], env, wrapper)
    _go(go, ["mod", "edit", f"-require={tool.module}@{tool.version}"], env, wrapper)
    _go(go, ["mod", "tidy"], env, wrapper)
    _go(go, ["build", "-mod=mod", "-trimpath", "-o", str(output), "."], env, wrapper)


def promtool() -> pathlib.Path:
    return ensure_tool(PROMTOOL)


def jaeger() -> pathlib.Path:
    return ensure_tool(JAEGER)


def toxiproxy() -> pathlib.Path:
    return ensure_tool(TOXIPROXY)


@dataclasses.dataclass(frozen=True)
class JaegerPorts:
    otlp_grpc: int = 4317
    otlp_http: int = 4318
    query_http: int = 16686
    query_grpc: int = 16685
    health: int = 13133


def jaeger_config(data_dir: pathlib.Path, ports: JaegerPorts, host: str = "127.0.0.1") -> str:
    """Jaeger v2 configuration: OTLP in, Badger storage in `data_dir`, query API and health check."""
    keys, values = data_dir / "badger" / "keys", data_dir / "badger" / "values"
    return textwrap.dedent(f"""\
        service:
          extensions: [jaeger_storage, jaeger_query, healthcheckv2]
          pipelines:
            traces:
              receivers: [otlp]
              processors: [batch]
              exporters: [jaeger_storage_exporter]
          telemetry:
            resource:
              service.name: jaeger
            metrics:
              level: none
            logs:
              level: info

        extensions:
          healthcheckv2:
            use_v2: true
            http:
              endpoint: {host}:{ports.health}
          jaeger_query:
            # Tracing its own queries would send them to 127.0.0.1:4317, into the traces under test,
            # and with nothing listening there it stalls shutdown for 10 s.
            enable_tracing: false
            storage:
              traces: traces_store
            http:
              endpoint: {host}:{ports.query_http}
            grpc:
              endpoint: {host}:{ports.query_grpc}
          jaeger_storage:
            backends:
              traces_store:
                badger:
                  directories:
                    keys: {keys}
                    values: {values}
                  ephemeral: false
                  ttl:
                    spans: 168h

        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: {host}:{ports.otlp_grpc}
              http:
                endpoint: {host}:{ports.otlp_http}

        processors:
          batch: {{}}

        exporters:
          jaeger_storage_exporter:
            trace_storage: traces_store
        """)


def start_jaeger(
    data_dir: str | os.PathLike[str],
    ports: JaegerPorts = JaegerPorts(),
    *,
    ready_timeout: float = 60.0,
) -> subprocess.Popen[bytes]:
    """Starts Jaeger v2 in the background, storing traces in `data_dir`; returns once it is healthy.

    The caller owns the process and ends it with `stop_jaeger(process)`. Output goes to
    `data_dir/jaeger.log`. Raises with the log's tail if Jaeger exits or is not healthy in time.
    Built with `go install`, the binary serves the query API (/api/traces...) but a placeholder
    page instead of the UI: the UI's assets are compiled into release builds only.
    """
    data = pathlib.Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    config = data / "jaeger.yaml"
    config.write_text(jaeger_config(data, ports))
    log_path = data / "jaeger.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(jaeger()), "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    wait_healthy(process, "jaeger", f"http://127.0.0.1:{ports.health}/status", log_path, ready_timeout, signal.SIGINT)
    return process


def stop_jaeger(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Stops Jaeger cleanly (SIGINT, as Ctrl-C would), killing it if it hangs past `timeout`."""
    stop_process(process, timeout, signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fraudctl.devtools.tools", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("install", "path"))
    parser.add_argument("tools", nargs="+", choices=sorted(TOOLS))
    args = parser.parse_args(argv)
    for name in args.tools:
        tool = TOOLS[name]
        if args.action == "install":
            print(ensure_tool(tool))
        else:
            path = tool_path(tool)
            print(path if path.exists() else f"{name}: not built yet (run `install {name}`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
