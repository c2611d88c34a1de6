"""Access control as one process wires it: the key directory it follows, the authenticator, the
guard its gRPC server runs and the credential its own calls carry."""

from __future__ import annotations

import grpc

from fraudmesh.access.authenticator import Authenticator
from fraudmesh.access.call_rates import CallRates
from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.access.declarations import method_access_table
from fraudmesh.access.grpc_guard import AccessGuard
from fraudmesh.access.key_directory import KeyDirectory
from fraudmesh.access.settings import AccessSettings
from fraudmesh.access.tokens import TokenVerifier


class ServiceAccess:
    def __init__(self, settings: AccessSettings):
        self.enforced = settings.access_control
        self.keys = KeyDirectory(settings.database_url, settings.access_refresh_seconds)
        self.authenticator = Authenticator(
            self.keys,
            CallRates(settings.rate_limit_per_second, settings.service_rate_limit_per_second),
            TokenVerifier(settings) if settings.enabled else None,
        )
        self._own_key = settings.service_api_key.get_secret_value()

    def server_interceptors(self) -> list[grpc.aio.ServerInterceptor]:
        return [AccessGuard(self.authenticator, method_access_table())] if self.enforced else []

    def client_interceptors(self) -> list[grpc.aio.ClientInterceptor]:
        return caller_credentials(self._own_key)

    async def start(self) -> None:
        if self.enforced:
            await self.keys.start()

    async def stop(self) -> None:
        await self.keys.stop()
