"""The simulator's live stream: valid transactions from a stable population of cardholders."""

from collections import Counter

import numpy as np
import pytest
from fraud.v1 import transaction_pb2

from edge.simulated_traffic import TrafficGenerators
from fraudmesh.validation import violations_of
from fraudmodel.geo import Gazetteer, haversine_km


@pytest.fixture(scope="module")
def generators() -> TrafficGenerators:
    return TrafficGenerators(Gazetteer())


@pytest.fixture(scope="module")
def stream(generators) -> list[transaction_pb2.TransactionInput]:
    return generators(40, np.random.default_rng(3)).take(3000)


def test_every_transaction_passes_the_contracts_rules(stream):
    assert len(stream) == 3000
    assert [v for v in map(violations_of, stream) if v] == []


def test_the_cardholders_are_the_ones_asked_for_and_most_of_them_spend(stream):
    users = Counter(m.user_id for m in stream)
    assert set(users) <= {f"sim-user-{i:05d}" for i in range(40)}
    assert len(users) >= 30


def test_both_channels_real_places_and_plausible_amounts(stream):
    assert {m.channel for m in stream} == {
        transaction_pb2.CHANNEL_CARD_PRESENT,
        transaction_pb2.CHANNEL_CARD_NOT_PRESENT,
    }
    assert all(m.location.city and m.location.country and m.location.HasField("lat") for m in stream)
    dollars = np.array([m.amount.minor_units / 100 for m in stream])
    assert all(m.amount.currency == "USD" for m in stream)
    assert 5 <= np.median(dollars) <= 150


def test_a_cardholder_mostly_pays_near_home(stream):
    by_user: dict[str, list[tuple[float, float]]] = {}
    for m in stream:
        by_user.setdefault(m.user_id, []).append((m.location.lat, m.location.lon))
    for places in by_user.values():
        lat, lon = np.median(np.array(places), axis=0)
        near = sum(haversine_km(lat, lon, a, b) < 100 for a, b in places)
        assert near >= 0.8 * len(places)


def test_the_same_number_of_cardholders_gives_the_same_people(generators):
    first = generators(5, np.random.default_rng(1)).take(50)
    again = generators(5, np.random.default_rng(1)).take(50)
    assert first == again


def test_one_quiet_cardholder_still_yields_a_stream(generators):
    assert len(generators(1).take(20)) == 20
