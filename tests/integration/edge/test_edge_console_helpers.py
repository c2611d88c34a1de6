"""The console's helper routes over HTTP: city suggestions (scoring's SuggestCities), model report
files, and the traffic control sending what scoring generates (GenerateTransactions) to a real gRPC
ingest peer. The scoring peer answers both RPCs with scoring's own servicer code over the real
gazetteer and cardholder generator (edge_peers.py)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from edge_harness import Peers, RunningEdge, edge_settings, running_edge
from fraud.v1 import scoring_service_pb2

from edge.upstreams import UpstreamAddresses

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
async def helper_edge(peers: Peers, models_dir) -> AsyncIterator[RunningEdge]:
    # Import scoring's servicer and build the gazetteer's index before the first timed call, as a
    # running scoring_svc has long done (the edge's deadline here is 2 s).
    await peers.scoring.model_library().SuggestCities(scoring_service_pb2.SuggestCitiesRequest(prefix="a"), None)
    async with running_edge(edge_settings(models_dir=models_dir), peers.addresses()) as started:
        yield started


@pytest.fixture
async def http(helper_edge: RunningEdge, peers: Peers) -> AsyncIterator[httpx.AsyncClient]:
    peers.reset()
    async with httpx.AsyncClient(base_url=helper_edge.url, timeout=30) as client:
        yield client


async def test_city_suggestions_start_with_the_prefix_most_populous_first(http):
    response = await http.get("/api/geo/cities", params={"prefix": "Lon", "limit": 5})
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
    default = await http.get("/api/geo/cities", params={"prefix": "sao"})
    assert default.json()["cities"][0]["name"] == "São Paulo"
    assert len(default.json()["cities"]) == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"prefix": ""}, "prefix"),
        ({"prefix": "x" * 65}, "prefix"),
        ({}, "prefix"),
        ({"q": "Lon"}, "prefix"),
        ({"prefix": "a", "limit": 0}, "limit"),
        ({"prefix": "a", "limit": 51}, "limit"),
    ],
)
async def test_city_queries_out_of_bounds_are_422_naming_the_parameter(http, params, field):
    response = await http.get("/api/geo/cities", params=params)
    assert response.status_code == 422
    assert [v["field"] for v in response.json()["violations"]] == [field]


async def test_city_suggestions_are_503_while_scoring_is_unavailable(http, peers):
    peers.scoring.faults.status = grpc.StatusCode.UNAVAILABLE
    response = await http.get("/api/geo/cities", params={"prefix": "Lon"})
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


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


async def test_the_traffic_control_sends_what_scoring_generates_to_ingest_until_stopped(http, peers):
    assert (await http.get("/api/traffic")).json()["running"] is False
    before, generated_before = len(peers.ingest.received), len(peers.scoring.generated)
    started = await http.post("/api/traffic", json={"rate": 200, "users": 20})
    assert started.status_code == 200, started.text
    assert started.json()["running"] is True and started.json()["rate"] == 200
    async with asyncio.timeout(60):  # the first batch has scoring read the generator's cities: seconds
        while len(peers.ingest.received) - before < 50:
            await asyncio.sleep(0.05)
    status = (await http.get("/api/traffic")).json()
    assert status["running"] and status["sent"] >= 50 and status["errors"] == 0 and status["users"] == 20
    stopped = await http.delete("/api/traffic")
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    sent = len(peers.ingest.received)
    await asyncio.sleep(0.3)
    assert len(peers.ingest.received) == sent
    received = [t.input for t in peers.ingest.received[before:]]
    assert received == peers.scoring.generated[generated_before:]  # scoring's stream, in order, all of it
    assert {t.user_id for t in received} <= {f"traffic-user-{i:05d}" for i in range(20)}
    assert all(t.amount.minor_units > 0 and t.location.city for t in received)
    assert stopped.json()["sent"] == len(received)


async def test_refusals_from_ingest_are_counted_as_errors(http, peers):
    peers.ingest.faults.status = grpc.StatusCode.UNAVAILABLE
    await http.post("/api/traffic", json={"rate": 100, "users": 20})
    try:
        async with asyncio.timeout(60):
            while (status := (await http.get("/api/traffic")).json())["errors"] == 0:
                await asyncio.sleep(0.05)
        assert status["sent"] == 0 and "UNAVAILABLE" in status["last_error"]
    finally:
        await http.delete("/api/traffic")


async def test_batches_scoring_cannot_generate_are_counted_as_errors(http, peers):
    peers.scoring.faults.status = grpc.StatusCode.UNAVAILABLE
    before = len(peers.ingest.received)
    await http.post("/api/traffic", json={"rate": 100, "users": 20})
    try:
        async with asyncio.timeout(30):
            while (status := (await http.get("/api/traffic")).json())["errors"] == 0:
                await asyncio.sleep(0.05)
        assert status["sent"] == 0 and status["last_error"].startswith("scoring's GenerateTransactions: UNAVAILABLE")
    finally:
        await http.delete("/api/traffic")
    assert len(peers.ingest.received) == before


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
async def test_traffic_bounds_are_422_naming_the_field(http, body, field):
    response = await http.post("/api/traffic", json=body)
    assert response.status_code == 422
    assert field in {v["field"] for v in response.json()["violations"]}
    assert (await http.get("/api/traffic")).json()["running"] is False


async def test_the_old_simulator_path_is_gone(http):
    assert (await http.get("/api/simulator")).status_code == 404


async def test_the_traffic_control_refuses_an_ingest_off_this_machine(peers):
    remote = UpstreamAddresses("192.0.2.10:50051", peers.core_address, peers.core_address, peers.notify_address)
    async with running_edge(edge_settings(), remote) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            response = await client.post("/api/traffic", json={"rate": 10})
    assert response.status_code == 409
    assert "127.0.0.1" in response.json()["message"]


async def test_running_traffic_stops_when_the_edge_shuts_down(peers):
    async with running_edge(edge_settings(), peers.addresses()) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
            assert (await client.post("/api/traffic", json={"rate": 100, "users": 5})).status_code == 200
            async with asyncio.timeout(60):
                while not peers.ingest.received or (await client.get("/api/traffic")).json()["sent"] == 0:
                    await asyncio.sleep(0.05)
    assert edge.app.state.traffic.status().running is False
    sent = len(peers.ingest.received)
    await asyncio.sleep(0.3)
    assert len(peers.ingest.received) == sent
