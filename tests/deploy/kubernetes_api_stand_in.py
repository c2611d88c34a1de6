"""The few calls of the Kubernetes API the `keys-secret` job makes (GET, POST and PUT of a namespace's
Secrets), served on 127.0.0.1 from a dict, recording each call: what a cluster's API server would
store, without a cluster, which this machine cannot run."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SecretsApi:
    def __init__(self, namespace: str, token: str):
        self.namespace, self.token = namespace, token
        self.secrets: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self) -> None:
                api.calls.append((self.command, self.path))
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    return self._answer(401, {"reason": "Unauthorized"})
                prefix = f"/api/v1/namespaces/{api.namespace}/secrets"
                if not self.path.startswith(prefix):
                    return self._answer(404, {"reason": "NotFound"})
                name = self.path[len(prefix) :].strip("/")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.command == "GET":
                    found = api.secrets.get(name)
                    return self._answer(200, found) if found else self._answer(404, {"reason": "NotFound"})
                if self.command == "POST" and not name:
                    if body["metadata"]["name"] in api.secrets:
                        return self._answer(409, {"reason": "AlreadyExists"})
                    api.secrets[body["metadata"]["name"]] = body
                    return self._answer(201, body)
                if self.command == "PUT" and name in api.secrets and body["metadata"]["name"] == name:
                    api.secrets[name] = body
                    return self._answer(200, body)
                return self._answer(422, {"reason": "Invalid"})

            do_GET = do_POST = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SecretsApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
