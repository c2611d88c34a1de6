"""Waiting for a port, a page or a condition, with a deadline and a useful error; stopping a child."""

from __future__ import annotations

import pathlib
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_until(condition: Callable[[], bool], timeout: float, what: str, log_hint: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    hint = f"; see {log_hint}" if log_hint else ""
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s{hint}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> bool:
    """True when `url` (on loopback) answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except OSError:  # URLError is one
        return False


def stop_process(
    process: subprocess.Popen[bytes], timeout: float = 30.0, stop_signal: signal.Signals = signal.SIGTERM
) -> None:
    """`stop_signal`, then SIGKILL if it is still running after `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def log_tail(log_path: pathlib.Path, lines: int) -> list[str]:
    """The last `lines` lines of a log that are not blank: usually why its process stopped."""
    return [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()][-lines:]


def wait_healthy(
    process: subprocess.Popen[bytes],
    name: str,
    health_url: str,
    log_path: pathlib.Path,
    timeout: float,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> None:
    """Returns once `health_url` answers 200. If the child exits first, or is not healthy within
    `timeout` seconds (then it is stopped with `stop_signal`), raises naming its log and its last lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}{_log_lines(log_path)}")
        if http_ok(health_url):
            return
        time.sleep(0.2)
    stop_process(process, stop_signal=stop_signal)
    raise RuntimeError(f"{name} was not healthy at {health_url} within {timeout:.0f} s{_log_lines(log_path)}")


def _log_lines(log_path: pathlib.Path) -> str:
    try:
        return f"; see {log_path}:\n" + "\n".join(log_tail(log_path, 20))
    except OSError:
        return f"; no log at {log_path}"
