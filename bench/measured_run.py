"""A load tool run to its end, with the CPU it used: on two shared cores the tool's own CPU is part of
the picture of where the time went."""

from __future__ import annotations

import os
import pathlib
import subprocess
import threading
from collections.abc import Sequence


def run_measured(command: Sequence[str], timeout: float, stderr_file: pathlib.Path) -> tuple[str, int, float]:
    """Runs `command` to its end: its output, exit code and the CPU seconds it used, from the resource
    usage the kernel hands back with the exit status (wait4), which a plain subprocess.run drops."""
    with open(stderr_file, "wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    try:
        stdout = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return stdout.decode(), process.returncode, usage.ru_utime + usage.ru_stime
