"""What the end-to-end tests use to talk to the running platform as its users do."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import defaultdict
from collections.abc import AsyncIterator

import grpc
import websockets
from fraud.v1 import notify_service_pb2, notify_service_pb2_grpc, transaction_pb2

from fraudctl.runtime.service_certificates import tls_env
from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.grpc_server import client_channel
from fraudmesh.grpc_tls import GrpcTls


def admin_headers(stack: ServiceSupervisor) -> dict[str, str]:
    """What the tests' REST and WebSocket clients send: the platform's admin API key."""
    return {"Authorization": f"Bearer {stack.admin_credential}"}


def admin_channel(stack: ServiceSupervisor, service: str) -> grpc.aio.Channel:
    """A gRPC channel to one of the platform's services whose every call carries the admin API key,
    over mutual TLS with the admin's certificate, as the platform serves."""
    return credentialed_channel(stack.ports.grpc_address(service), stack.admin_credential, stack.client_tls)


def operator_env(stack: ServiceSupervisor) -> dict[str, str]:
    """The environment fraudctl needs to reach the platform as its operator: the admin API key, and
    the admin's certificate for mutual TLS when the platform serves it."""
    certificate = {} if stack.client_certificate is None else tls_env(stack.client_certificate)
    return {"FRAUDMESH_API_KEY": stack.admin_credential, **certificate}


def credentialed_channel(address: str, credential: str, tls: GrpcTls | None) -> grpc.aio.Channel:
    """Calls carrying `credential`, over mutual TLS with `tls` (the stack's `client_tls`; None: plaintext)."""
    return client_channel(address, caller_credentials(credential), tls)


CITIES = [("Paris", "FR"), ("London", "GB"), ("New York", "US"), ("Berlin", "DE"), ("Madrid", "ES")]


def rest_transaction(index: int, users: int = 50, seed: int = 7) -> dict:
    rng = random.Random(seed * 100_000 + index)
    city, country = CITIES[index % len(CITIES)]
    return {
        "user_id": f"user-{index % users:03d}",
        "amount": f"{rng.uniform(1, 400):.2f}",
        "currency": "USD",
        "location": {"city": city, "country": country},
        "merchant_id": f"m-{rng.randrange(40)}",
        "channel": rng.choice(["card_present", "card_not_present"]),
    }


def grpc_inputs(count: int, user_prefix: str, users: int, city: str, country: str, currency: str) -> list:
    """`count` TransactionInputs spread over `users` users of one city, amounts all different."""
    return [
        transaction_pb2.TransactionInput(
            user_id=f"{user_prefix}{i % users}",
            amount=transaction_pb2.Money(minor_units=1000 + i, currency=currency),
            location=transaction_pb2.Location(city=city, country=country),
        )
        for i in range(count)
    ]


class WebSocketCollector:
    """Collects every decision pushed over the edge's WebSocket, by transaction id."""

    def __init__(self, url: str, headers: dict[str, str]):
        self.url = url
        self.headers = headers
        self.by_id: dict[str, list[dict]] = defaultdict(list)
        self._task: asyncio.Task | None = None
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> WebSocketCollector:
        self._socket = await websockets.connect(self.url, max_size=2**22, additional_headers=self.headers)
        self._task = asyncio.create_task(self._collect())
        return self

    async def _collect(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if message.get("type") == "decision":
                self.by_id[message["data"]["id"]].append(message)
                self._arrived.set()

    async def wait_for(self, ids: set[str], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not ids <= self.by_id.keys():
                self._arrived.clear()
                await self._arrived.wait()

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await self._task
        await self._socket.close()


@contextlib.asynccontextmanager
async def notify_subscription(stack: ServiceSupervisor) -> AsyncIterator[dict[str, list]]:
    """Subscribes to the platform's notify_svc directly (as an internal service would, with the admin's
    key and certificate) and gathers decisions by id."""
    seen: dict[str, list] = defaultdict(list)
    async with admin_channel(stack, "notify") as channel:
        call = notify_service_pb2_grpc.NotifyServiceStub(channel).SubscribeDecisions(
            notify_service_pb2.SubscribeDecisionsRequest(subscriber="e2e-test")
        )
        await call.initial_metadata()  # registered: everything published from now on reaches us

        async def gather() -> None:
            async for event in call:
                seen[event.decision.transaction.id].append(event)

        task = asyncio.create_task(gather())
        try:
            yield seen
        finally:
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
                await task


async def wait_until_seen(seen: dict, ids: set[str], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not ids <= seen.keys():
            await asyncio.sleep(0.1)
