"""An endless stream of realistic transactions for the console's traffic control, made by the
built-in simulator (scoring_svc/simulator) that the starter model is trained on.

The simulator's population (cardholders with home towns, spending habits and favourite shops,
merchants in real cities, web shops) is built once per number of cardholders from a fixed seed, so
the same `sim-user-00042` keeps the same habits across runs. Transactions come a simulated day at a
time, from the simulator's own everyday-spending and fraud-pattern generators, in that day's order;
each goes out stamped "now" by ingest, so a day of habits plays out at whatever rate is chosen.
Trips are left out: replayed faster than real time, an honest journey would look like a clone.

Reading the simulator's cities from the gazetteer and importing the simulator (pandas) take a few
seconds, once (`TrafficGenerators` keeps the cities); call it off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from fraud.v1 import transaction_pb2

from fraudmodel.geo import Gazetteer

if TYPE_CHECKING:
    from fraudmodel.generators.cardholders.population import Cities

POPULATION_SEED = 7
# Any fixed date: it only sets the time-zone offsets the simulator's daily rhythm uses.
POPULATION_DATE = datetime(2025, 1, 6, tzinfo=UTC)
USER_ID_FORMAT = "sim-user-{:05d}"
CURRENCY = "USD"
MIN_MINOR_UNITS = 50  # the simulator's floor of half a dollar
_CHANNELS = (transaction_pb2.CHANNEL_CARD_PRESENT, transaction_pb2.CHANNEL_CARD_NOT_PRESENT)
_EMPTY_DAYS_BEFORE_GIVING_UP = 1000


class TrafficGenerators:
    """Makes the stream for any number of cardholders; the simulator's cities are read once."""

    def __init__(self, gazetteer: Gazetteer):
        self._gazetteer = gazetteer
        self._cities: Cities | None = None

    def cities(self) -> Cities:
        if self._cities is None:
            from fraudmodel.generators.cardholders import population

            self._cities = population.load_cities(self._gazetteer, POPULATION_DATE)
        return self._cities

    def __call__(self, users: int, rng: np.random.Generator | None = None) -> TrafficGenerator:
        return TrafficGenerator(users, self.cities(), rng)


class TrafficGenerator:
    def __init__(self, users: int, cities: Cities, rng: np.random.Generator | None = None):
        if users < 1:
            raise ValueError(f"users: must be at least 1, got {users}")
        from fraudmodel.generators.cardholders import population

        self.users = users
        population_rng = np.random.default_rng(POPULATION_SEED)
        self._cities = cities
        customers, per_city = population.make_customers(population_rng, self._cities, users)
        self._merchants = population.make_merchants(population_rng, self._cities, per_city)
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
            day = self._simulate_day()
            if len(day["user"]):
                return self._messages(day)
        raise RuntimeError(f"{self.users} cardholders made no transactions in {_EMPTY_DAYS_BEFORE_GIVING_UP} days")

    def _simulate_day(self) -> dict[str, np.ndarray]:
        from fraudmodel.generators.cardholders import fraud, legit
        from fraudmodel.generators.cardholders.columns import TxnColumns

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
