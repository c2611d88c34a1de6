"""`python -m store_svc`: migrate the database, then serve StoreService until SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import make_url

from fraud.v1 import store_service_pb2_grpc
from fraudmesh.grpc_server import GrpcServer, ServiceRegistration, run_until_signalled
from fraudmesh.logs import configure_logging
from store_svc.database import create_engine
from store_svc.migrate import upgrade_engine
from store_svc.repository import TransactionRepository
from store_svc.servicer import SERVICE_NAME, StoreServiceServicer
from store_svc.settings import StoreSettings

log = logging.getLogger("store_svc")


async def serve(settings: StoreSettings) -> None:
    engine = create_engine(settings)
    try:
        if settings.store_migrate_on_start:
            log.info(
                "migrating %s", make_url(settings.database_url).render_as_string(hide_password=True)
            )
            await upgrade_engine(engine)
        servicer = StoreServiceServicer(TransactionRepository(engine))
        server = GrpcServer(
            services=[
                ServiceRegistration(
                    SERVICE_NAME, lambda grpc_server: store_service_pb2_grpc.add_StoreServiceServicer_to_server(
                        servicer, grpc_server
                    )
                )
            ],
            address=settings.store_listen,
            grace_seconds=settings.shutdown_grace_seconds,
        )
        await run_until_signalled(server.start, server.stop)
    finally:
        await engine.dispose()


def main() -> None:
    settings = StoreSettings()
    configure_logging("store_svc", settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
