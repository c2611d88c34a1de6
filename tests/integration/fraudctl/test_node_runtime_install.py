"""On a machine whose Node.js is too old for the console, the Makefile is given a fitting one:
fetched from the npm registry the first time, from the cache after."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from fraudctl.devtools import node_runtime
from fraudctl.devtools.node_runtime import parse_version, satisfies

REPO = pathlib.Path(__file__).resolve().parents[3]


def test_an_old_node_gets_a_fitting_one_on_path(tmp_path: pathlib.Path) -> None:
    old_node = tmp_path / "old-node"
    old_node.write_text("#!/bin/sh\necho v18.19.0\n")
    old_node.chmod(0o755)
    answer = subprocess.run(
        [sys.executable, "-m", "fraudctl.devtools.node_runtime", "--bin-dir", "--node", str(old_node)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    bin_dir = pathlib.Path(answer.stdout.strip())
    assert "does not fit" in answer.stderr
    version = subprocess.run([bin_dir / "node", "--version"], capture_output=True, text=True, check=True).stdout
    assert parse_version(version) == parse_version(node_runtime.FALLBACK_VERSION)
    assert satisfies(parse_version(version), node_runtime.required_range())


def test_a_fitting_node_is_left_alone(tmp_path: pathlib.Path) -> None:
    new_node = tmp_path / "new-node"
    new_node.write_text("#!/bin/sh\necho v22.13.0\n")
    new_node.chmod(0o755)
    answer = subprocess.run(
        [sys.executable, "-m", "fraudctl.devtools.node_runtime", "--bin-dir", "--node", str(new_node)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert answer.stdout == ""
