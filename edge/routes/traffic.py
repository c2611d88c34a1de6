"""The traffic control: start, change, stop and watch live transactions of generated cardholders,
which scoring generates (GenerateTransactions) and the edge sends to ingest."""

from fastapi import FastAPI
from fraud.v1 import ingest_service_pb2, scoring_service_pb2, transaction_pb2

from edge.access_control import ACCESS_REFUSALS, EdgeAccess
from edge.context import EdgeContext
from edge.rest_models import ErrorOut, TrafficIn, TrafficOut
from edge.traffic_control import TrafficControl, TrafficStatus, is_loopback_address
from fraudmesh.errors import FailedPrecondition

# The first batch of a number of cardholders not asked for before has scoring read the generator's
# cities and build that population: seconds, more than an ordinary call's deadline.
GENERATE_TIMEOUT_SECONDS = 60.0


def status_object(status: TrafficStatus) -> TrafficOut:
    return TrafficOut(
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

    async def submit(batch: list[transaction_pb2.TransactionInput]) -> None:
        await context.upstreams.ingest.SubmitTransactions(
            ingest_service_pb2.SubmitTransactionsRequest(transactions=batch), timeout=context.timeout
        )

    return submit


def scoring_generator(context: EdgeContext):
    """Asks scoring for the next transactions of the stream of that many cardholders."""

    async def generate(users: int, count: int) -> list[transaction_pb2.TransactionInput]:
        response = await context.upstreams.scoring.GenerateTransactions(
            scoring_service_pb2.GenerateTransactionsRequest(users=users, count=count),
            timeout=max(context.timeout, GENERATE_TIMEOUT_SECONDS),
        )
        return list(response.transactions)

    return generate


def register(app: FastAPI, context: EdgeContext, traffic: TrafficControl, access: EdgeAccess) -> None:
    @app.get(
        "/api/traffic",
        response_model=TrafficOut,
        summary="The traffic control's state",
        responses=ACCESS_REFUSALS,
        tags=["traffic"],
        dependencies=access.own_route("GET", "/api/traffic"),
    )
    async def traffic_status() -> TrafficOut:
        return status_object(traffic.status())

    @app.post(
        "/api/traffic",
        response_model=TrafficOut,
        responses={
            **ACCESS_REFUSALS,
            409: {"model": ErrorOut, "description": "Ingest is not on this machine; generated traffic stays local."},
            422: {"model": ErrorOut},
        },
        summary="Start live traffic of generated cardholders to ingest, or change the running rate (a run lasts at "
        "most 10 minutes)",
        tags=["traffic"],
        dependencies=access.own_route("POST", "/api/traffic"),
    )
    async def start_traffic(body: TrafficIn) -> TrafficOut:
        address = context.upstreams.addresses.ingest
        if not is_loopback_address(address):
            raise FailedPrecondition(
                f"the traffic control sends only to an ingest on 127.0.0.1; INGEST_ADDRESS is {address}"
            )
        return status_object(await traffic.start(body.rate, body.users))

    @app.delete(
        "/api/traffic",
        response_model=TrafficOut,
        summary="Stop the traffic",
        responses=ACCESS_REFUSALS,
        tags=["traffic"],
        dependencies=access.own_route("DELETE", "/api/traffic"),
    )
    async def stop_traffic() -> TrafficOut:
        return status_object(await traffic.stop())
