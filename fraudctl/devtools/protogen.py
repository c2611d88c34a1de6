"""Regenerates the Python code for `proto/` into `fraudmesh/_generated`, or checks that it is current.

The contract imports `buf/validate/validate.proto`, `google/api/annotations.proto` and
`google/rpc/status.proto`. All come from packages we already depend on, so nothing reaches the Buf
Schema Registry (unreachable here): validate.proto from the source distribution of the same
protovalidate release the services run with, the google files from googleapis-common-protos. They
land in `build/proto-deps`, which is also a module of the buf workspace so that `buf lint` resolves
the imports.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import importlib.metadata
import pathlib
import shutil
import subprocess
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"
DEPS_DIR = ROOT / "build" / "proto-deps"
OUT_DIR = ROOT / "fraudmesh" / "_generated"
CACHE_DIR = pathlib.Path.home() / ".cache" / "fraudmesh"
VALIDATE_PROTO = "buf/validate/validate.proto"
GOOGLE_PROTOS = ("google/api/annotations.proto", "google/api/http.proto", "google/rpc/status.proto")


def fetch_validate_proto() -> None:
    version = importlib.metadata.version("protovalidate")
    target = DEPS_DIR / VALIDATE_PROTO
    cached = CACHE_DIR / f"protovalidate-{version}" / VALIDATE_PROTO
    if not cached.exists():
        with tempfile.TemporaryDirectory() as tmp:
            uv = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]
            subprocess.run(  # uv has no `download`; pip does, run from uv's tool cache
                [
                    *uv,
                    "tool",
                    "run",
                    "--from",
                    "pip",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    # The sdist of protovalidate alone: `:all:` would build its build backend's own
                    # dependencies from source too (a Rust compile of many minutes).
                    "--no-binary",
                    "protovalidate",
                    f"protovalidate=={version}",
                    "--dest",
                    tmp,
                ],
                check=True,
            )
            sdist = next(pathlib.Path(tmp).glob("protovalidate-*.tar.gz"))
            member = f"protovalidate-{version}/proto/{VALIDATE_PROTO}"
            with tarfile.open(sdist) as archive:
                source = archive.extractfile(member)
                if source is None:
                    raise SystemExit(f"{member} is missing from {sdist.name}")
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(source.read())
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target)


def copy_google_protos() -> None:
    """googleapis-common-protos ships each .proto source beside its generated module."""
    for name in GOOGLE_PROTOS:
        module = importlib.import_module(name.removesuffix(".proto").replace("/", ".") + "_pb2")
        assert module.__file__ is not None  # a generated module, loaded from its file
        target = DEPS_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pathlib.Path(module.__file__).with_name(pathlib.Path(name).name), target)


def prepare_deps() -> None:
    fetch_validate_proto()
    copy_google_protos()


def generate(out_dir: pathlib.Path) -> None:
    from grpc_tools import protoc

    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    well_known = pathlib.Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{DEPS_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *protos,
        VALIDATE_PROTO,  # our messages import it, and no installed package provides its _pb2 module
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for package in {pathlib.Path(p).parent for p in [*protos, VALIDATE_PROTO]}:
        for directory in [out_dir / package, *(out_dir / package).parents]:
            if directory == out_dir.parent:
                break
            if directory != out_dir:
                (directory / "__init__.py").touch()


def tree_differs(left: pathlib.Path, right: pathlib.Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    differences = [*comparison.left_only, *comparison.right_only, *comparison.diff_files]
    for name, sub in comparison.subdirs.items():
        differences += [f"{name}/{d}" for d in tree_differs(pathlib.Path(sub.left), pathlib.Path(sub.right))]
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed code is stale")
    parser.add_argument("--deps-only", action="store_true", help="only lay out build/proto-deps (for buf)")
    options = parser.parse_args()
    prepare_deps()
    if options.deps_only:
        return
    if not options.check:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
        generate(OUT_DIR)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fresh = pathlib.Path(tmp) / "_generated"
        generate(fresh)
        stale = tree_differs(OUT_DIR, fresh) if OUT_DIR.exists() else ["(missing)"]
    if stale:
        raise SystemExit(f"generated code is stale, run `make proto`: {', '.join(sorted(stale))}")
    print("generated code is current")


if __name__ == "__main__":
    main()
