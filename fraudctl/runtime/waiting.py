"""Waiting for a port or a condition, with a deadline and a useful error."""

from __future__ import annotations

import socket
import time
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
