"""The console's helper routes over HTTP: city suggestions, model report files, and the traffic
simulator sending to a real gRPC ingest peer."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from edge_harness import Peers, RunningEdge, edge_settings, running_edge

from edge.upstreams import UpstreamAddresses
from fraudmodel.geo import Gazetteer

VERSION = "20260101T000000Z-0123abcd"
PNG = b"\x89PNG\r\n\x1a\n" + b"plot"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> pathlib.Path:
    models = tmp_path_factory.mktemp("models")
    version = models / VERSION
    version.mkdir()
    (version / "roc.png").write_bytes(PNG)
    (version / "report.md").write_text("# Model\n")
    (version / "model.onnx").write_bytes(b"onnx")
    (version / "metadata.json").write_text("{}")
    (models.parent / "outside.png").write_bytes(b"outside")
    return models


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


@pytest.fixture(scope="module")
async def helper_edge(peers: Peers, models_dir, gazetteer) -> AsyncIterator[RunningEdge]:
    async with running_edge(edge_settings(models_dir=models_dir), peers.addresses(), gazetteer=gazetteer) as started:
        yield started


@pytest.fixture
async def http(helper_edge: RunningEdge, peers: Peers) -> AsyncIterator[httpx.AsyncClient]:
    peers.reset()
    async with httpx.AsyncClient(base_url=helper_edge.url, timeout=30) as client:
        yield client


async def test_city_suggestions_start_with_the_query_most_populous_first(http):
    response = await http.get("/api/geo/cities", params={"q": "Lon", "limit": 5})
    assert response.status_code == 200
    cities = response.json()["cities"]
    assert len(cities) == 5
    assert cities[0] == {
        "name": "London",
        "country": "GB",
        "lat": pytest.approx(51.5, abs=0.1),
        "lon": pytest.approx(-0.13, abs=0.1),
    }
    assert all(c["name"].lower().startswith("lon") for c in cities)
    default = await http.get("/api/geo/cities", params={"q": "sao"})
    assert default.json()["cities"][0]["name"] == "São Paulo"
    assert len(default.json()["cities"]) == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x" * 65}, "q"),
        ({}, "q"),
        ({"q": "a", "limit": 0}, "limit"),
        ({"q": "a", "limit": 51}, "limit"),
    ],
)
async def test_city_queries_out_of_bounds_are_422_naming_the_parameter(http, params, field):
    response = await http.get("/api/geo/cities", params=params)
    assert response.status_code == 422
    assert [v["field"] for v in response.json()["violations"]] == [field]


async def test_report_plots_and_markdown_are_served_with_their_types(http):
    plot = await http.get(f"/api/models/{VERSION}/report/roc.png")
    assert plot.status_code == 200
    assert plot.headers["content-type"] == "image/png"
    assert plot.content == PNG
    markdown = await http.get(f"/api/models/{VERSION}/report/report.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text == "# Model\n"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/models/{VERSION}/report/model.onnx",
        f"/api/models/{VERSION}/report/metadata.json",
        f"/api/models/{VERSION}/report/pr.png",
        "/api/models/no-such-version/report/roc.png",
        f"/api/models/{VERSION}/report/..%2F..%2Foutside.png",
        f"/api/models/{VERSION}/report/%2E%2E",
        "/api/models/..%2F/report/outside.png",
        f"/api/models/{VERSION}/report/../../outside.png",
    ],
)
async def test_anything_but_an_existing_report_file_is_refused(http, path):
    response = await http.get(path)
    assert response.status_code in (404, 422), response.text
    assert response.content != b"outside" and b"onnx" not in response.content


async def test_the_simulator_sends_valid_transactions_to_ingest_until_stopped(http, peers):
    assert (await http.get("/api/simulator")).json()["running"] is False
    before = len(peers.ingest.received)
    started = await http.post("/api/simulator", json={"rate": 200, "users": 20})
    assert started.status_code == 200, started.text
    assert started.json()["running"] is True and started.json()["rate"] == 200
    async with asyncio.timeout(60):
        while len(peers.ingest.received) - before < 50:
            await asyncio.sleep(0.05)
    status = (await http.get("/api/simulator")).json()
    assert status["running"] and status["sent"] >= 50 and status["errors"] == 0 and status["users"] == 20
    stopped = await http.delete("/api/simulator")
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    sent = len(peers.ingest.received)
    await asyncio.sleep(0.3)
    assert len(peers.ingest.received) == sent
    simulated = peers.ingest.received[before:]
    assert {t.input.user_id for t in simulated} <= {f"sim-user-{i:05d}" for i in range(20)}
    assert all(t.input.amount.minor_units > 0 and t.input.location.city for t in simulated)
    assert stopped.json()["sent"] == len(simulated)


async def test_refusals_from_ingest_are_counted_as_errors(http, peers):
    peers.ingest.faults.status = grpc.StatusCode.UNAVAILABLE
    await http.post("/api/simulator", json={"rate": 100, "users": 20})
    try:
        async with asyncio.timeout(30):
            while (status := (await http.get("/api/simulator")).json())["errors"] == 0:
                await asyncio.sleep(0.05)
        assert status["sent"] == 0 and "UNAVAILABLE" in status["last_error"]
    finally:
        await http.delete("/api/simulator")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": 0}, "rate"),
        ({"rate": 2001}, "rate"),
        ({"rate": -3}, "rate"),
        ({}, "rate"),
        ({"rate": 10, "users": 0}, "users"),
        ({"rate": 10, "users": 20001}, "users"),
        ({"rate": "fast"}, "rate"),
    ],
)
async def test_simulator_bounds_are_422_naming_the_field(http, body, field):
    response = await http.post("/api/simulator", json=body)
    assert response.status_code == 422
    assert field in {v["field"] for v in response.json()["violations"]}
    assert (await http.get("/api/simulator")).json()["running"] is False


async def test_the_simulator_refuses_an_ingest_off_this_machine(peers, gazetteer):
    remote = UpstreamAddresses("192.0.2.10:50051", peers.core_address, peers.core_address, peers.notify_address)
    async with running_edge(edge_settings(), remote, gazetteer=gazetteer) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            response = await client.post("/api/simulator", json={"rate": 10})
    assert response.status_code == 409
    assert "127.0.0.1" in response.json()["message"]


async def test_a_running_simulator_stops_when_the_edge_shuts_down(peers, gazetteer):
    async with running_edge(edge_settings(), peers.addresses(), gazetteer=gazetteer) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
            assert (await client.post("/api/simulator", json={"rate": 100, "users": 5})).status_code == 200
            async with asyncio.timeout(30):
                while not peers.ingest.received or (await client.get("/api/simulator")).json()["sent"] == 0:
                    await asyncio.sleep(0.05)
    assert edge.app.state.simulator.status().running is False
    sent = len(peers.ingest.received)
    await asyncio.sleep(0.3)
    assert len(peers.ingest.received) == sent
