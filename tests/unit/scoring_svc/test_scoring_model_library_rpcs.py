"""Scoring's two RPCs over the model library, called on the servicer: SuggestCities (the gazetteer's
cities by prefix) and GenerateTransactions (the cardholder generator's live stream). Both are thin:
validate, call the library off the event loop, convert."""

from __future__ import annotations

import threading

import pytest
from fraud.v1 import scoring_service_pb2 as pb
from fraud.v1 import transaction_pb2

from fraudmesh.errors import InvalidArgument
from fraudmodel.geo import Gazetteer, Place
from scoring_svc.servicer import ScoringServicer

LONDON = Place("London", "GB", 51.50853, -0.12574, 8_961_989, "Europe/London")
LONDRINA = Place("Londrina", "BR", -23.31028, -51.16278, 575_377, "America/Sao_Paulo")


class FakeGazetteer:
    def __init__(self, places: list[Place]):
        self.places = places
        self.asked: list[tuple[str, int, str]] = []

    def cities_starting_with(self, prefix: str, limit: int) -> list[Place]:
        self.asked.append((prefix, limit, threading.current_thread().name))
        return self.places[:limit]


class FakeStreams:
    def __init__(self):
        self.asked: list[tuple[int, int, str]] = []

    def take(self, users: int, count: int) -> list[transaction_pb2.TransactionInput]:
        self.asked.append((users, count, threading.current_thread().name))
        return [transaction_pb2.TransactionInput(user_id=f"traffic-user-{i:05d}") for i in range(count)]


def servicer(gazetteer=None, streams=None) -> ScoringServicer:
    # Scoring proper (scorer, registry, pipeline) plays no part in these two RPCs.
    return ScoringServicer(None, None, None, gazetteer or FakeGazetteer([]), streams or FakeStreams())  # type: ignore[arg-type]


async def test_suggest_cities_answers_the_gazetteers_places_as_cities_from_a_worker_thread():
    gazetteer = FakeGazetteer([LONDON, LONDRINA])
    response = await servicer(gazetteer=gazetteer).SuggestCities(pb.SuggestCitiesRequest(prefix="Lon", limit=2), None)
    assert list(response.cities) == [
        pb.City(name="London", country="GB", lat=51.50853, lon=-0.12574),
        pb.City(name="Londrina", country="BR", lat=-23.31028, lon=-51.16278),
    ]
    [(prefix, limit, thread)] = gazetteer.asked
    assert (prefix, limit) == ("Lon", 2)
    assert thread != threading.current_thread().name  # not on the event loop's thread


async def test_suggest_cities_without_a_limit_asks_for_ten():
    gazetteer = FakeGazetteer([LONDON])
    await servicer(gazetteer=gazetteer).SuggestCities(pb.SuggestCitiesRequest(prefix="Lon"), None)
    assert [(prefix, limit) for prefix, limit, _ in gazetteer.asked] == [("Lon", 10)]


@pytest.mark.parametrize(
    ("request_message", "field", "rule"),
    [
        (pb.SuggestCitiesRequest(prefix=""), "prefix", "string.min_len"),
        (pb.SuggestCitiesRequest(prefix="x" * 65), "prefix", "string.max_len"),
        (pb.SuggestCitiesRequest(prefix="Lon", limit=51), "limit", "uint32.lte"),
    ],
)
async def test_suggest_cities_refuses_a_bad_request_naming_the_field(request_message, field, rule):
    gazetteer = FakeGazetteer([LONDON])
    with pytest.raises(InvalidArgument) as refused:
        await servicer(gazetteer=gazetteer).SuggestCities(request_message, None)
    assert [(v.field, v.rule) for v in refused.value.violations] == [(field, rule)]
    assert gazetteer.asked == []


async def test_suggest_cities_from_the_real_gazetteer():
    response = await servicer(gazetteer=Gazetteer()).SuggestCities(pb.SuggestCitiesRequest(prefix="sao"), None)
    assert len(response.cities) == 10
    assert (response.cities[0].name, response.cities[0].country) == ("São Paulo", "BR")


async def test_generate_transactions_answers_the_streams_next_transactions_from_a_worker_thread():
    streams = FakeStreams()
    response = await servicer(streams=streams).GenerateTransactions(
        pb.GenerateTransactionsRequest(users=300, count=7), None
    )
    assert [t.user_id for t in response.transactions] == [f"traffic-user-{i:05d}" for i in range(7)]
    [(users, count, thread)] = streams.asked
    assert (users, count) == (300, 7)
    assert thread != threading.current_thread().name


@pytest.mark.parametrize(
    ("request_message", "field", "rule"),
    [
        (pb.GenerateTransactionsRequest(users=0, count=10), "users", "uint32.gte_lte"),
        (pb.GenerateTransactionsRequest(users=20_001, count=10), "users", "uint32.gte_lte"),
        (pb.GenerateTransactionsRequest(users=10, count=0), "count", "uint32.gte_lte"),
        (pb.GenerateTransactionsRequest(users=10, count=1001), "count", "uint32.gte_lte"),
    ],
)
async def test_generate_transactions_refuses_numbers_out_of_bounds_naming_the_field(request_message, field, rule):
    streams = FakeStreams()
    with pytest.raises(InvalidArgument) as refused:
        await servicer(streams=streams).GenerateTransactions(request_message, None)
    assert [(v.field, v.rule) for v in refused.value.violations] == [(field, rule)]
    assert streams.asked == []
