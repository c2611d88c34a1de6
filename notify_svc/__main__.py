"""`python -m notify_svc`: fans scored decisions out to subscribers."""

from __future__ import annotations

import asyncio

from fraud.v1 import notify_service_pb2, notify_service_pb2_grpc

from fraudmesh.grpc_server import GrpcServer, ServiceRegistration, run_until_signalled
from fraudmesh.logs import configure_logging
from notify_svc.hub import DecisionHub
from notify_svc.servicer import NotifyServiceServicer
from notify_svc.settings import NotifySettings

SERVICE_NAME = notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"].full_name


def build_server(hub: DecisionHub, address: str, grace_seconds: float) -> GrpcServer:
    servicer = NotifyServiceServicer(hub)
    return GrpcServer(
        [
            ServiceRegistration(
                SERVICE_NAME, lambda server: notify_service_pb2_grpc.add_NotifyServiceServicer_to_server(servicer, server)
            )
        ],
        address,
        grace_seconds=grace_seconds,
    )


async def stop_serving(server: GrpcServer, hub: DecisionHub) -> None:
    """Streams never finish by themselves, so the hub ends them first; the drain then has nothing
    left waiting on a subscriber and returns as soon as the last queued decisions are written."""
    await server.set_serving(False)
    hub.close()
    await server.stop()


async def main(settings: NotifySettings) -> None:
    hub = DecisionHub(settings.notify_retained_decisions, settings.notify_subscriber_queue_size)
    server = build_server(hub, settings.notify_listen, settings.shutdown_grace_seconds)
    await run_until_signalled(server.start, lambda: stop_serving(server, hub))


if __name__ == "__main__":
    settings = NotifySettings()
    configure_logging("notify_svc", settings.log_level)
    asyncio.run(main(settings))
