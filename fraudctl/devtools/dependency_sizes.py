"""Prints the installed size of each service image's Python dependencies (docs/deployment.md).

Each image installs the base dependencies of pyproject.toml and its service's extra from uv.lock
(`uv sync --frozen --no-dev --no-install-project --extra <service>` in deploy/docker). Here the same
locked set is installed into a scratch folder as the image's `uv sync` installs it (bytecode compiled,
UV_COMPILE_BYTECODE=1 there) and its files are added up: the size of the installed dependencies, not
of a built image, which also holds the Python base image and our source.

    python -m fraudctl.devtools.dependency_sizes                 # before: every extra together
    python -m fraudctl.devtools.dependency_sizes --before 61467f3  # before: that commit's images

"Before" is either what one environment with every service's extra and the model's holds (what each
image carried while pyproject.toml had one list), or, with `--before REV`, what the images of that
commit installed (its `uv sync` without extras). Needs uv; the packages come from uv's cache or PyPI.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "scoring", "store", "notify", "edge")
MIB = 1024 * 1024


def _uv() -> list[str]:
    uv = shutil.which("uv")
    return [uv] if uv else [sys.executable, "-m", "uv"]


def locked_requirements(project: pathlib.Path, extras: list[str]) -> str:
    """The pinned requirements `uv sync --frozen --no-dev --no-install-project` installs with `extras`."""
    flags = [word for extra in extras for word in ("--extra", extra)]
    command = [*_uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header"]
    result = subprocess.run(
        [*command, "--no-annotate", *flags], cwd=project, capture_output=True, text=True, check=True
    )
    return result.stdout


def installed_bytes(requirements: str, cache: dict[str, int]) -> int:
    """Bytes of the files the pinned `requirements` install (apparent sizes, as `du -sb` counts them)."""
    if requirements in cache:
        return cache[requirements]
    with tempfile.TemporaryDirectory(prefix="fraudmesh-sizes-") as scratch:
        listing = pathlib.Path(scratch) / "requirements.txt"
        listing.write_text(requirements)
        target = pathlib.Path(scratch) / "site-packages"
        install = [*_uv(), "pip", "install", "--quiet", "--no-deps", "--compile-bytecode", "--python", sys.executable]
        subprocess.run([*install, "--target", str(target), "-r", str(listing)], check=True)
        total = sum(
            os.lstat(os.path.join(folder, name)).st_size for folder, _, names in os.walk(target) for name in names
        )
    cache[requirements] = total
    return total


def project_at(revision: str, into: pathlib.Path) -> pathlib.Path:
    """pyproject.toml and uv.lock of `revision`, in a folder of their own."""
    for name in ("pyproject.toml", "uv.lock"):
        text = subprocess.run(
            ["git", "show", f"{revision}:{name}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        (into / name).write_text(text)
    (into / "README.md").touch()  # pyproject.toml names it
    return into


def rows(before: str | None) -> list[tuple[str, float, float, int, int]]:
    """Per service: MiB before, MiB after, and how many distributions each installs."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    everything = [extra for extra in extras if extra != "ops"]
    cache: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="fraudmesh-before-") as scratch:
        if before:
            old = locked_requirements(project_at(before, pathlib.Path(scratch)), [])
        else:
            old = locked_requirements(ROOT, everything)
        table = []
        for service in SERVICES:
            new = locked_requirements(ROOT, [service])
            table.append(
                (
                    service,
                    installed_bytes(old, cache) / MIB,
                    installed_bytes(new, cache) / MIB,
                    _count(old),
                    _count(new),
                )
            )
    return table


def _count(requirements: str) -> int:
    return sum(1 for line in requirements.splitlines() if line and not line.startswith((" ", "#")))


def markdown(table: list[tuple[str, float, float, int, int]]) -> str:
    lines = [
        "| image | before (MiB) | after (MiB) | saved | distributions before → after |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for service, old, new, old_count, new_count in table:
        saved = f"{1 - new / old:.0%}" if old else ""
        lines.append(f"| {service} | {old:,.0f} | {new:,.0f} | {saved} | {old_count} → {new_count} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", metavar="REV", help="measure 'before' as the images of this git revision")
    args = parser.parse_args()
    print(markdown(rows(args.before)))


if __name__ == "__main__":
    main()
