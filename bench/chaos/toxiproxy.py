"""Toxiproxy (Shopify's TCP proxy for simulating network conditions) as a separate process, and the
few calls of its HTTP API the chaos suite makes: one proxy per link, latency toxics, cut and heal.

The server is built with `go install` into the cache the other Go tools use (fraudctl.devtools.tools)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import urllib.request
from dataclasses import dataclass
from typing import Any

from fraudctl.devtools import tools
from fraudctl.runtime.waiting import port_open, wait_until


@dataclass
class Toxiproxy:
    log_path: pathlib.Path
    api_port: int
    process: subprocess.Popen | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout: float = 30) -> None:
        binary = tools.toxiproxy()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "-host", "127.0.0.1", "-port", str(self.api_port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until(self._ready, timeout, "toxiproxy", str(self.log_path))

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"toxiproxy exited with {self.process.returncode}; see {self.log_path}")
        return port_open("127.0.0.1", self.api_port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (a loopback URL we built)
            self.api + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (the same)
            text = response.read()
        return json.loads(text) if text else {}

    def add_proxy(self, name: str, listen: int, upstream_port: int) -> None:
        """A proxy named `name` from loopback port `listen` to `upstream_port`."""
        self._call(
            "POST",
            "/proxies",
            {"name": name, "listen": f"127.0.0.1:{listen}", "upstream": f"127.0.0.1:{upstream_port}", "enabled": True},
        )

    def add_latency(self, proxy: str, latency_ms: int) -> None:
        """Delays every chunk by `latency_ms` both ways (a request/answer pays it twice)."""
        for stream in ("upstream", "downstream"):
            self._call(
                "POST",
                f"/proxies/{proxy}/toxics",
                {
                    "name": f"latency_{stream}",
                    "type": "latency",
                    "stream": stream,
                    "attributes": {"latency": latency_ms},
                },
            )

    def remove_toxics(self, proxy: str) -> None:
        for toxic in self._call("GET", f"/proxies/{proxy}/toxics"):
            self._call("DELETE", f"/proxies/{proxy}/toxics/{toxic['name']}")

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        """Disabled, the proxy closes every open connection and refuses new ones: a cut link."""
        self._call("POST", f"/proxies/{proxy}", {"enabled": enabled})
