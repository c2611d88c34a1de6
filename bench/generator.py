"""Load generator processes: each runs its share of an open-loop schedule against ingest over gRPC or
the edge over REST, and hands back one Outcome per request.

They are separate processes so that the process timing the decisions (the subscriber) is not
the one busy sending, and so that two of them can use both cores where one would bind on the GIL.
Times are CLOCK_MONOTONIC (`time.monotonic`), which every process on the machine shares."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from bench.open_loop import Outcome, Send, run_open_loop
from bench.payloads import Payment
from bench.replay import replayed_time

if TYPE_CHECKING:
    from fraudmesh.grpc_tls import GrpcTls

READY_TIMEOUT_S = 60


@dataclass(frozen=True)
class Job:
    # "grpc": one IngestService.SubmitTransaction call per transaction; "grpc-each": the same
    # submissions through fraudmesh's SubmitCoalescer, which gathers those in flight together into
    # SubmitEach calls (as the edge does); "rest": POST /api/transaction
    kind: str
    address: str  # host:port for gRPC, a base URL for REST
    payments: list[Payment]  # arrival i sends payments[i % len(payments)]
    arrivals: list[tuple[int, float]]  # (index in the whole schedule, seconds after the start)
    idempotency_prefix: str  # keys are prefix + index, unique per run
    keyed_every: int  # every n-th request carries an idempotency key, as retrying clients do
    max_in_flight: int
    timeout_s: float
    # Event times: arrival i's payment at its generated time plus this shift (bench/replay.py);
    # None leaves the event time to ingest.
    replay_shift_s: int | None = None
    replay_cycle_s: int = 0
    # An API key sent with every request (`Authorization: Bearer`, gRPC's `authorization` metadata);
    # "" sends none, for a platform with access control off.
    credential: str = ""
    # The client certificate gRPC calls present to a platform serving mutual TLS; None: plaintext.
    tls: GrpcTls | None = None

    def idempotency_key(self, index: int) -> str:
        return f"{self.idempotency_prefix}{index}" if self.keyed_every and index % self.keyed_every == 0 else ""

    def occurred_at_s(self, index: int) -> int | None:
        if self.replay_shift_s is None:
            return None
        size = len(self.payments)
        return replayed_time(self.payments[index % size], index, size, self.replay_shift_s, self.replay_cycle_s)


GRPC_CONNECTIONS = 8
REST_CONNECTIONS = 64  # keep-alive connections per generator process, as a proxy in front of clients holds


class _GrpcClient:
    """Several channels, each its own HTTP/2 connection, used in turn: thousands of calls outstanding
    on one connection get CANCELLED by gRPC itself (seen against the bare server too), which would
    measure the client's connection rather than the service."""

    def __init__(self, address: str, coalesce: bool, tls: GrpcTls | None, credential: str = ""):
        import grpc
        from fraud.v1 import ingest_service_pb2_grpc

        from fraudmesh.access.caller_credentials import bearer, caller_credentials
        from fraudmesh.submit_coalescer import SubmitCoalescer

        # Coalesced, a few calls carry everything in flight: one connection is enough.
        connections = 1 if coalesce else GRPC_CONNECTIONS
        # One call per transaction carries the key as call metadata, as a plain client does: a channel
        # interceptor would add the client's own per-call Python work to the cores the servers share.
        # The coalescer makes its own calls, so its channel carries the key through an interceptor.
        interceptors = caller_credentials(credential) if coalesce and credential else None
        self._metadata = (("authorization", bearer(credential)),) if credential and not coalesce else None
        options = [("grpc.use_local_subchannel_pool", 1)]
        self._channels = [
            grpc.aio.insecure_channel(address, interceptors=interceptors, options=options)
            if tls is None
            else grpc.aio.secure_channel(address, tls.channel_credentials(), interceptors=interceptors, options=options)
            for _ in range(connections)
        ]
        self._stubs = [ingest_service_pb2_grpc.IngestServiceStub(channel) for channel in self._channels]
        self._coalescer = SubmitCoalescer(self._stubs[0]) if coalesce else None
        self._reported: set[str] = set()

    async def ready(self) -> None:
        await asyncio.gather(*(channel.channel_ready() for channel in self._channels))

    @staticmethod
    def prepare(job: Job) -> dict[int, object]:
        from bench.payloads import grpc_request

        return {
            index: grpc_request(
                job.payments[index % len(job.payments)], job.idempotency_key(index), job.occurred_at_s(index)
            )
            for index, _ in job.arrivals
        }

    async def submit(self, job: Job, index: int, request) -> str:
        if self._coalescer is not None:
            response = await self._coalescer.submit(request, job.timeout_s)
        else:
            response = await self._stubs[index % len(self._stubs)].SubmitTransaction(
                request, timeout=job.timeout_s, metadata=self._metadata
            )
        return response.transaction_id

    def describe(self, error: BaseException) -> str:
        import grpc

        if not isinstance(error, grpc.aio.AioRpcError):
            return type(error).__name__
        code = error.code().name
        if code not in self._reported:  # the first of each kind in full, for whoever reads the log
            self._reported.add(code)
            print(f"generator {os.getpid()}: first {code}: {error.debug_error_string()}", file=sys.stderr, flush=True)
        return code

    async def close(self) -> None:
        if self._coalescer is not None:
            await self._coalescer.close()
        await asyncio.gather(*(channel.close() for channel in self._channels))


class _RestClient:
    """aiohttp, not httpx: it spends far less client CPU per request, and the generator shares the
    machine's cores with the platform it measures."""

    def __init__(self, base_url: str):
        import aiohttp

        self._session = aiohttp.ClientSession(
            base_url,
            connector=aiohttp.TCPConnector(limit=REST_CONNECTIONS),
            timeout=aiohttp.ClientTimeout(total=None),  # each request has its own deadline (job.timeout_s)
        )
        # Requests beyond the connections wait here, in a plain FIFO, and that wait counts in their
        # latency (measured from the schedule), not against their deadline.
        self._slots = asyncio.Semaphore(REST_CONNECTIONS)

    async def ready(self) -> None:
        async with self._session.get("/api/health") as response:
            response.raise_for_status()

    @staticmethod
    def prepare(job: Job) -> dict[int, object]:
        """Each arrival's headers and body, the body already JSON as aiohttp would have encoded it."""
        from bench.payloads import rest_body
        from fraudmesh.access.caller_credentials import bearer

        prepared: dict[int, object] = {}
        for index, _ in job.arrivals:
            headers = {"Content-Type": "application/json"}
            if job.credential:
                headers["Authorization"] = bearer(job.credential)
            if key := job.idempotency_key(index):
                headers["Idempotency-Key"] = key
            body = rest_body(job.payments[index % len(job.payments)], job.occurred_at_s(index))
            prepared[index] = (headers, json.dumps(body).encode())
        return prepared

    async def submit(self, job: Job, index: int, request) -> str:
        import aiohttp

        headers, body = request
        async with self._slots:
            async with self._session.post(
                "/api/transaction", data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=job.timeout_s)
            ) as response:
                if response.status != 201:
                    raise RestError(response.status)
                return (await response.json())["id"]

    def describe(self, error: BaseException) -> str:
        if isinstance(error, RestError):
            return f"HTTP {error.status}"
        return "TIMEOUT" if isinstance(error, TimeoutError) else type(error).__name__

    async def close(self) -> None:
        await self._session.close()


class RestError(Exception):
    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


def _worker(conn: Connection) -> None:
    """A generator process: takes jobs until told to stop, keeping its connections warm between them."""
    import uvloop

    uvloop.run(_serve(conn))


def _sender(client: _GrpcClient | _RestClient, job: Job, requests: dict[int, object]) -> Send:
    """Sends arrival `index` of `job`, as prepared."""
    return lambda index: client.submit(job, index, requests[index])


async def _serve(conn: Connection) -> None:
    clients: dict[tuple[str, str, str], _GrpcClient | _RestClient] = {}
    try:
        while True:
            message = await asyncio.to_thread(conn.recv)
            if message is None:
                return
            job: Job = message
            key = (job.kind, job.address, job.credential)
            if key not in clients:
                clients[key] = (
                    _RestClient(job.address)
                    if job.kind == "rest"
                    else _GrpcClient(job.address, job.kind == "grpc-each", job.tls, job.credential)
                )
            client = clients[key]
            await client.ready()
            # Built before the schedule starts, so that the run measures sending, not building.
            requests = client.prepare(job)
            conn.send("ready")
            start_at = await asyncio.to_thread(conn.recv)
            outcomes = await run_open_loop(
                _sender(client, job, requests),
                job.arrivals,
                start_at,
                max_in_flight=job.max_in_flight,
                describe_error=client.describe,
            )
            conn.send(outcomes)
    finally:
        for client in clients.values():
            with contextlib.suppress(Exception):
                await client.close()


class GeneratorPool:
    """`processes` generator processes; `run(jobs)` starts them together and gathers every Outcome."""

    def __init__(self, processes: int):
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited event loop
        self._workers = []
        for _ in range(processes):
            parent, child = context.Pipe()
            process = context.Process(target=_worker, args=(child,), daemon=True)
            process.start()
            child.close()
            self._workers.append((process, parent))

    @property
    def size(self) -> int:
        return len(self._workers)

    @property
    def pids(self) -> list[int]:
        pids = []
        for process, _ in self._workers:
            assert process.pid is not None  # each was started in __init__
            pids.append(process.pid)
        return pids

    async def run(self, jobs: list[Job], lead_s: float = 0.3) -> tuple[float, list[Outcome]]:
        """Returns the common start time (monotonic) and the outcomes of all jobs, one job per process."""
        if len(jobs) != len(self._workers):
            raise ValueError(f"jobs: one per generator process ({len(self._workers)}), got {len(jobs)}")
        for (_, conn), job in zip(self._workers, jobs, strict=True):
            conn.send(job)
        for process, conn in self._workers:
            ready = await asyncio.to_thread(conn.poll, READY_TIMEOUT_S)
            if not ready or conn.recv() != "ready":
                raise RuntimeError(f"generator process {process.pid} did not get ready in {READY_TIMEOUT_S} s")
        start_at = time.monotonic() + lead_s
        for _, conn in self._workers:
            conn.send(start_at)
        outcomes: list[Outcome] = []
        for _, conn in self._workers:
            outcomes.extend(await asyncio.to_thread(conn.recv))
        return start_at, outcomes

    def close(self) -> None:
        for process, conn in self._workers:
            with contextlib.suppress(OSError):
                conn.send(None)
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join()
