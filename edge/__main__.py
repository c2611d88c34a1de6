"""`python -m edge`: the REST/WebSocket edge on EDGE_LISTEN (default 0.0.0.0:8000)."""

from __future__ import annotations

import uvicorn

from fraudmesh.logs import configure_logging

from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams


def main() -> None:
    settings = EdgeSettings()
    configure_logging("edge", settings.log_level)
    app = create_app(settings, Upstreams(UpstreamAddresses.from_settings(settings)))
    host, port = settings.listen_host_port()
    # uvicorn drains connections on SIGTERM / SIGINT, then runs the lifespan's shutdown.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
