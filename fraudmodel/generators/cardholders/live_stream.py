"""An endless live stream of transactions from the cardholder generator's people, for the console's
traffic control (scoring_svc serves it as GenerateTransactions; the edge sends it to ingest).

The population (cardholders with home towns, spending habits and favourite shops, merchants in real
cities, web shops) is built once per number of cardholders from a fixed seed, so the same
`traffic-user-00042` keeps the same habits across runs and instances. Transactions come a generated
day at a time, from the generator's own everyday-spending and fraud-pattern code, in that day's
order, without labels, ids or event times: each is stamped "now" by ingest, so a day of habits plays
out at whatever rate is chosen. Trips are left out: replayed faster than real time, an honest
journey would look like a clone.

Reading the generator's cities from the gazetteer takes a few seconds, once per `LiveStreams`;
building a population takes up to a few tenths of a second; both are CPU work, so call `take` off
the event loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
from fraud.v1 import transaction_pb2

from fraudmodel.generators.cardholders import fraud, legit, population
from fraudmodel.generators.cardholders.columns import TxnColumns
from fraudmodel.geo import Gazetteer

POPULATION_SEED = 7
# Any fixed date: it only sets the time-zone offsets the generator's daily rhythm uses.
POPULATION_DATE = datetime(2025, 1, 6, tzinfo=UTC)
USER_ID_FORMAT = "traffic-user-{:05d}"
CURRENCY = "USD"
MIN_MINOR_UNITS = 50  # the generator's floor of half a dollar
# Streams kept at once, one per number of cardholders asked for; the least recently used goes first.
MAX_POPULATIONS = 3
_CHANNELS = (transaction_pb2.CHANNEL_CARD_PRESENT, transaction_pb2.CHANNEL_CARD_NOT_PRESENT)
_EMPTY_DAYS_BEFORE_GIVING_UP = 1000


def load_cities(gazetteer: Gazetteer) -> population.Cities:
    """The generator's cities (a few seconds): where the cardholders live and shop."""
    return population.load_cities(gazetteer, POPULATION_DATE)


class LiveStream:
    """The stream of one population of `users` cardholders, drawing its days from `rng`."""

    def __init__(self, users: int, cities: population.Cities, rng: np.random.Generator | None = None):
        if users < 1:
            raise ValueError(f"users: must be at least 1, got {users}")
        self.users = users
        population_rng = np.random.default_rng(POPULATION_SEED)
        self._cities = cities
        customers, per_city = population.make_customers(population_rng, cities, users)
        self._merchants = population.make_merchants(population_rng, cities, per_city)
        self._customers = population.with_favourites(population_rng, customers, self._merchants)
        self._rng = rng or np.random.default_rng()
        self._no_trips = np.full((users, 1), -1, dtype=int)
        self._pending: Iterator[transaction_pb2.TransactionInput] = iter(())

    def take(self, count: int) -> list[transaction_pb2.TransactionInput]:
        """The next `count` transactions of the stream."""
        taken: list[transaction_pb2.TransactionInput] = []
        while len(taken) < count:
            for message in self._pending:
                taken.append(message)
                if len(taken) == count:
                    break
            else:
                self._pending = iter(self._next_day())
        return taken

    def _next_day(self) -> list[transaction_pb2.TransactionInput]:
        for _ in range(_EMPTY_DAYS_BEFORE_GIVING_UP):  # a handful of quiet cardholders may spend nothing one day
            day = self._generate_day()
            if len(day["user"]):
                return self._messages(day)
        raise RuntimeError(f"{self.users} cardholders made no transactions in {_EMPTY_DAYS_BEFORE_GIVING_UP} days")

    def _generate_day(self) -> dict[str, np.ndarray]:
        args = (self._rng, self._customers, self._merchants, self._cities)
        genuine_columns = TxnColumns()
        legit.everyday_spending(*args, self._no_trips, 0, 1, genuine_columns)
        if not genuine_columns.chunks:
            return {"user": np.empty(0, dtype=int)}
        genuine = genuine_columns.concat()
        frauds = TxnColumns()
        fraud.stolen_card_sprees(*args, 0, 1, frauds)
        fraud.cnp_shipped_far(*args, 0, 1, frauds)
        fraud.card_testing(*args, 0, 1, frauds)
        if len(genuine["t"]):
            fraud.impossible_travel(*args, genuine, frauds)
        fraud.high_amounts(*args, 0, 1, frauds)
        day = {name: np.concatenate([values, *frauds.chunks.get(name, [])]) for name, values in genuine.items()}
        order = np.argsort(day["t"], kind="stable")
        return {name: values[order] for name, values in day.items()}

    def _messages(self, day: dict[str, np.ndarray]) -> list[transaction_pb2.TransactionInput]:
        names, countries, merchant_ids = self._cities.names, self._cities.countries, self._merchants.ids
        minor_units = np.maximum(np.round(day["amount"] * 100), MIN_MINOR_UNITS).astype(np.int64)
        messages = []
        for user, minor, merchant, channel, lat, lon, city in zip(
            day["user"].tolist(),
            minor_units.tolist(),
            day["merchant"].tolist(),
            day["channel"].tolist(),
            np.round(day["lat"], 5).tolist(),
            np.round(day["lon"], 5).tolist(),
            day["city"].tolist(),
            strict=True,
        ):
            location = transaction_pb2.Location(city=names[city], country=countries[city])
            if np.isfinite(lat) and np.isfinite(lon):
                location.lat, location.lon = lat, lon
            messages.append(
                transaction_pb2.TransactionInput(
                    user_id=USER_ID_FORMAT.format(user),
                    amount=transaction_pb2.Money(minor_units=minor, currency=CURRENCY),
                    location=location,
                    merchant_id=merchant_ids[merchant],
                    channel=_CHANNELS[channel],
                )
            )
        return messages


class LiveStreams:
    """A stream per number of cardholders, at most `max_populations` of them, each going on from
    where the last `take` left it. Safe to call from several threads; one call at a time works.

    `seed` makes every stream's draws repeatable (tests); by default each stream draws afresh."""

    def __init__(self, gazetteer: Gazetteer, max_populations: int = MAX_POPULATIONS, seed: int | None = None):
        if max_populations < 1:
            raise ValueError(f"max_populations: must be at least 1, got {max_populations}")
        self._gazetteer = gazetteer
        self._max_populations = max_populations
        self._seed = seed
        self._cities: population.Cities | None = None
        self._streams: OrderedDict[int, LiveStream] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, users: int, count: int) -> list[transaction_pb2.TransactionInput]:
        """The next `count` transactions of the stream of `users` cardholders."""
        if count < 0:
            raise ValueError(f"count: must not be negative, got {count}")
        with self._lock:
            return self._stream(users).take(count)

    def populations(self) -> list[int]:
        """The numbers of cardholders whose streams are kept, least recently used first."""
        with self._lock:
            return list(self._streams)

    def _stream(self, users: int) -> LiveStream:
        stream = self._streams.get(users)
        if stream is not None:
            self._streams.move_to_end(users)
            return stream
        if self._cities is None:
            self._cities = load_cities(self._gazetteer)
        rng = None if self._seed is None else np.random.default_rng(self._seed)
        stream = self._streams[users] = LiveStream(users, self._cities, rng)
        while len(self._streams) > self._max_populations:
            self._streams.popitem(last=False)
        return stream
