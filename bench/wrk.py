"""Debian's `wrk` against POST /api/transaction: the most submissions per second the edge takes from a
closed loop of connections (wrk 4 has no fixed-rate mode; the fixed rates run on the harness's own
open-loop client). Installed with apt-get when missing and allowed; without it, this part is skipped."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from bench.measured_run import run_measured
from bench.payloads import Payment, rest_body
from fraudctl.runtime.database_passwords import write_secret

log = logging.getLogger(__name__)
SCRIPT = pathlib.Path(__file__).with_name("wrk_submit.lua")


@dataclass(frozen=True)
class WrkResult:
    connections: int
    threads: int
    seconds: float
    requests: int
    created: int
    rejected: int  # answered, but not 201
    socket_errors: dict[str, int]
    per_second: float  # 201s per second
    latency_ms: dict[str, float]


def parse_wrk_line(line: str, connections: int, threads: int) -> WrkResult:
    """The JSON line wrk_submit.lua's done() prints."""
    data = json.loads(line)
    seconds = data["duration_us"] / 1e6
    return WrkResult(
        connections=connections,
        threads=threads,
        seconds=seconds,
        requests=data["requests"],
        created=data["created"],
        rejected=data["rejected"],
        socket_errors=data["socket_errors"],
        per_second=data["created"] / seconds if seconds else 0.0,
        latency_ms={name: value / 1000 for name, value in data["latency_us"].items()},
    )


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    log.info("installing Debian's wrk")
    installed = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if installed.returncode != 0:
        log.warning("apt-get install wrk failed: %s", installed.stderr[-500:])
    return shutil.which("wrk")


def run_wrk(
    binary: str,
    edge_url: str,
    payments: Sequence[Payment],
    work_dir: pathlib.Path,
    connections: int,
    threads: int,
    seconds: float,
    credential: str = "",
) -> tuple[WrkResult, float]:
    """wrk's figures, and the CPU seconds wrk itself used (it shares the cores with the edge).
    `credential`: the API key each request carries ("": none)."""
    bodies = work_dir / "wrk-bodies.jsonl"
    work_dir.mkdir(parents=True, exist_ok=True)
    bodies.write_text("".join(json.dumps(rest_body(p)) + "\n" for p in payments))
    key_file = work_dir / "wrk-key"
    if credential:
        write_secret(key_file, credential + "\n")
    try:
        return _run(binary, edge_url, bodies, key_file if credential else None, work_dir, connections, threads, seconds)
    finally:
        key_file.unlink(missing_ok=True)


def _run(
    binary: str,
    edge_url: str,
    bodies: pathlib.Path,
    key_file: pathlib.Path | None,
    work_dir: pathlib.Path,
    connections: int,
    threads: int,
    seconds: float,
) -> tuple[WrkResult, float]:
    command = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        edge_url,
        "--",
        str(bodies),
        *([str(key_file)] if key_file is not None else []),
    ]
    log.info("wrk: POST /api/transaction with %d connections for %g s", connections, seconds)
    stderr_file = work_dir / "wrk.stderr"
    stdout, returncode, cpu_seconds = run_measured(command, seconds + 60, stderr_file)
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({returncode}): {stderr_file.read_text()[-2000:]}{stdout[-2000:]}")
    return parse_wrk_line(lines[-1], connections, threads), cpu_seconds
