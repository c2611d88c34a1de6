"""`wait_healthy`: the one wait for a child's health page (Prometheus, Zipkin, Jaeger)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from fraudctl.runtime.waiting import free_port, wait_healthy


def _start(code: str, log_path: pathlib.Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)


def test_returns_once_the_page_answers(tmp_path: pathlib.Path) -> None:
    port = free_port()
    serve = (
        "import http.server\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.end_headers()\n"
        f"http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n"
    )
    process = _start(serve, tmp_path / "child.log")
    try:
        wait_healthy(process, "child", f"http://127.0.0.1:{port}/", tmp_path / "child.log", timeout=30)
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


def test_a_child_that_exits_is_reported_with_its_last_log_lines(tmp_path: pathlib.Path) -> None:
    log_path = tmp_path / "child.log"
    process = _start("import sys; print('port already in use'); sys.exit(3)", log_path)
    with pytest.raises(RuntimeError) as raised:
        wait_healthy(process, "child", f"http://127.0.0.1:{free_port()}/", log_path, timeout=30)
    message = str(raised.value)
    assert "child exited with code 3" in message
    assert str(log_path) in message
    assert "port already in use" in message


def test_a_child_never_healthy_is_stopped(tmp_path: pathlib.Path) -> None:
    log_path = tmp_path / "child.log"
    process = _start("import time; time.sleep(60)", log_path)
    with pytest.raises(RuntimeError, match=r"child was not healthy at .* within 1 s"):
        wait_healthy(process, "child", f"http://127.0.0.1:{free_port()}/", log_path, timeout=1)
    assert process.poll() is not None
