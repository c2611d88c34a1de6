"""The traffic control: start, change, stop and watch the built-in simulator's transactions."""

from fastapi import FastAPI
from fraud.v1 import ingest_service_pb2

from edge.context import EdgeContext
from edge.rest_models import ErrorOut, SimulatorIn, SimulatorOut
from edge.traffic_simulator import SimulatorStatus, TrafficSimulator, is_loopback_address
from fraudmesh.errors import FailedPrecondition


def status_object(status: SimulatorStatus) -> SimulatorOut:
    return SimulatorOut(
        running=status.running,
        rate=status.rate,
        users=status.users,
        sent=status.sent,
        errors=status.errors,
        started_at=status.started_at.isoformat() if status.started_at else None,
        stops_at=status.stops_at.isoformat() if status.stops_at else None,
        last_error=status.last_error,
    )


def ingest_submitter(context: EdgeContext):
    """Sends one batch through the edge's channel to ingest."""

    async def submit(batch) -> None:
        await context.upstreams.ingest.SubmitTransactions(
            ingest_service_pb2.SubmitTransactionsRequest(transactions=batch), timeout=context.timeout
        )

    return submit


def register(app: FastAPI, context: EdgeContext, simulator: TrafficSimulator) -> None:
    @app.get("/api/simulator", response_model=SimulatorOut, summary="The simulator's state", tags=["simulator"])
    async def simulator_status() -> SimulatorOut:
        return status_object(simulator.status())

    @app.post(
        "/api/simulator",
        response_model=SimulatorOut,
        responses={
            409: {"model": ErrorOut, "description": "Ingest is not on this machine; simulated traffic stays local."},
            422: {"model": ErrorOut},
        },
        summary="Start simulated traffic to ingest, or change the running rate (a run lasts at most 10 minutes)",
        tags=["simulator"],
    )
    async def start_simulator(body: SimulatorIn) -> SimulatorOut:
        address = context.upstreams.addresses.ingest
        if not is_loopback_address(address):
            raise FailedPrecondition(f"the simulator sends only to an ingest on 127.0.0.1; INGEST_ADDRESS is {address}")
        return status_object(await simulator.start(body.rate, body.users))

    @app.delete("/api/simulator", response_model=SimulatorOut, summary="Stop simulated traffic", tags=["simulator"])
    async def stop_simulator() -> SimulatorOut:
        return status_object(await simulator.stop())
