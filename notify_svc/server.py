"""Wires the hub into a GrpcServer, and stops the two in the order that lets streams end cleanly."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from fraudmesh.grpc_server import GrpcServer
from notify_svc.hub import DecisionHub
from notify_svc.servicer import NotifyServicer


def build_server(
    hub: DecisionHub,
    address: str,
    grace_seconds: float,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> GrpcServer:
    return GrpcServer([NotifyServicer(hub).registration()], address, interceptors, grace_seconds=grace_seconds)


async def stop_serving(server: GrpcServer, hub: DecisionHub) -> None:
    """Subscription streams never finish by themselves, so the hub ends them first (after what is
    queued for them); the drain then waits only for those last writes instead of the whole grace."""
    await server.set_serving(False)
    hub.close()
    await server.stop()
