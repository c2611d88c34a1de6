"""The cardholder generator's live stream: valid transactions from a stable population of
cardholders, one stream per number of cardholders, a bounded number of them kept."""

from collections import Counter

import numpy as np
import pytest
from fraud.v1 import transaction_pb2

from fraudmesh.validation import violations_of
from fraudmodel.generators.cardholders import population
from fraudmodel.generators.cardholders.live_stream import LiveStream, LiveStreams, load_cities
from fraudmodel.geo import Gazetteer, haversine_km


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


@pytest.fixture(scope="module")
def cities(gazetteer) -> population.Cities:
    return load_cities(gazetteer)


@pytest.fixture(scope="module")
def streams(gazetteer) -> LiveStreams:
    return LiveStreams(gazetteer, seed=3)


@pytest.fixture(scope="module")
def stream(streams) -> list[transaction_pb2.TransactionInput]:
    return streams.take(40, 3000)


def test_every_transaction_passes_the_contracts_rules(stream):
    assert len(stream) == 3000
    assert [v for v in map(violations_of, stream) if v] == []


def test_the_cardholders_are_the_ones_asked_for_and_most_of_them_spend(stream):
    users = Counter(m.user_id for m in stream)
    assert set(users) <= {f"traffic-user-{i:05d}" for i in range(40)}
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


def test_no_id_event_time_or_label_is_set(stream):
    assert not any(m.HasField("occurred_at") or m.idempotency_key for m in stream)


def test_a_cardholder_mostly_pays_near_home(stream):
    by_user: dict[str, list[tuple[float, float]]] = {}
    for m in stream:
        by_user.setdefault(m.user_id, []).append((m.location.lat, m.location.lon))
    for places in by_user.values():
        lat, lon = np.median(np.array(places), axis=0)
        near = sum(haversine_km(lat, lon, a, b) < 100 for a, b in places)
        assert near >= 0.8 * len(places)


def test_the_same_number_of_cardholders_gives_the_same_people(cities):
    first = LiveStream(5, cities, np.random.default_rng(1)).take(50)
    again = LiveStream(5, cities, np.random.default_rng(1)).take(50)
    other_draws = LiveStream(5, cities, np.random.default_rng(2)).take(50)
    assert first == again
    assert first != other_draws
    assert {m.merchant_id for m in first} & {m.merchant_id for m in other_draws}  # the same shops


def test_the_stream_goes_on_where_the_last_take_left_it(cities):
    whole = LiveStream(30, cities, np.random.default_rng(4)).take(500)
    in_parts = LiveStream(30, cities, np.random.default_rng(4))
    assert in_parts.take(123) + in_parts.take(0) + in_parts.take(377) == whole


def test_each_number_of_cardholders_keeps_its_own_stream_and_only_the_latest_few_are_kept(gazetteer, cities):
    streams = LiveStreams(gazetteer, max_populations=2, seed=5)
    assert streams.take(10, 20) == LiveStream(10, cities, np.random.default_rng(5)).take(20)
    streams.take(20, 5)
    assert streams.take(10, 20) == LiveStream(10, cities, np.random.default_rng(5)).take(40)[20:]  # went on
    assert streams.populations() == [20, 10]
    streams.take(30, 5)
    assert streams.populations() == [10, 30]  # twenty, the least recently used, was dropped
    assert streams.take(20, 5) == LiveStream(20, cities, np.random.default_rng(5)).take(5)  # built afresh
    assert streams.populations() == [30, 20]


def test_one_quiet_cardholder_still_yields_a_stream(streams):
    assert len(streams.take(1, 20)) == 20


def test_nonsense_numbers_are_refused(gazetteer, cities):
    with pytest.raises(ValueError, match="users"):
        LiveStream(0, cities)
    with pytest.raises(ValueError, match="count"):
        LiveStreams(gazetteer).take(5, -1)
    with pytest.raises(ValueError, match="max_populations"):
        LiveStreams(gazetteer, max_populations=0)
