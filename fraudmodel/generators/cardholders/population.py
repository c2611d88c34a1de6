"""Who pays where: customers with home towns, spending habits and daily rhythms, and merchants
(shops in real cities, and web shops), all drawn from one seeded random generator.

Modelled on the Fraud Detection Handbook's simulator (Le Borgne et al.): customer amount profiles of
uniform(5, 100) with half that as spread and up to four transactions a day; our own additions are
real cities from the GeoNames gazetteer, time zones, channels, favourite shops and trips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from fraudmodel.geo import Gazetteer, Place

HOME_COUNTRY = "US"
HOME_CITY_MIN_POPULATION = 150_000
FOREIGN_CITY_MIN_POPULATION = 2_000_000
FAVOURITE_SHOPS = 12
FAVOURITE_WEB_SHOPS = 4
WEB_SHOPS = 400
SHOPS_PER_USER = 1.5
SHOPS_PER_FOREIGN_CITY = 6


@dataclass(frozen=True)
class Cities:
    names: list[str]
    countries: list[str]
    lat: np.ndarray
    lon: np.ndarray
    utc_offset_s: np.ndarray  # standard offset on the generator's start date
    home: np.ndarray  # bool: a US city where customers live
    weight: np.ndarray  # where people live (home cities only)


@dataclass(frozen=True)
class Customers:
    city: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    mean_amount: np.ndarray
    tx_per_day: np.ndarray
    peak_hour: np.ndarray
    cnp_share: np.ndarray
    favourite_shops: np.ndarray  # (n, FAVOURITE_SHOPS) merchant indices in the user's city
    favourite_web: np.ndarray  # (n, FAVOURITE_WEB_SHOPS) web-shop indices

    def __len__(self) -> int:
        return len(self.city)


@dataclass(frozen=True)
class Merchants:
    ids: list[str]
    city: np.ndarray  # -1 for web shops
    lat: np.ndarray
    lon: np.ndarray
    web: np.ndarray  # bool
    shops_by_city: dict[int, np.ndarray]
    web_shops: np.ndarray
    web_popularity: np.ndarray


def load_cities(gazetteer: Gazetteer, start: datetime) -> Cities:
    home = gazetteer.cities(HOME_CITY_MIN_POPULATION, HOME_COUNTRY)
    foreign = [p for p in gazetteer.cities(FOREIGN_CITY_MIN_POPULATION) if p.country_code != HOME_COUNTRY]
    places: list[Place] = home + foreign
    offsets = np.array([_utc_offset_s(p.timezone, start) for p in places])
    population = np.array([p.population for p in places], dtype=float)
    is_home = np.array([i < len(home) for i in range(len(places))])
    weight = np.where(is_home, population**0.8, 0.0)
    return Cities(
        names=[p.name for p in places],
        countries=[p.country_code for p in places],
        lat=np.array([p.lat for p in places]),
        lon=np.array([p.lon for p in places]),
        utc_offset_s=offsets,
        home=is_home,
        weight=weight / weight.sum(),
    )


def _utc_offset_s(timezone: str, at: datetime) -> float:
    offset = ZoneInfo(timezone).utcoffset(at)
    if offset is None:  # only a tzinfo that knows nothing answers None; ZoneInfo always knows
        raise ValueError(f"time zone {timezone!r} has no UTC offset at {at.isoformat()}")
    return offset.total_seconds()


def make_merchants(rng: np.random.Generator, cities: Cities, users_per_city: np.ndarray) -> Merchants:
    shops_per_city = np.where(
        cities.home, np.maximum(4, np.ceil(users_per_city * SHOPS_PER_USER)), SHOPS_PER_FOREIGN_CITY
    ).astype(int)
    city = np.repeat(np.arange(len(cities.names)), shops_per_city)
    # Shops spread over about 5 km around the city centre.
    lat = cities.lat[city] + rng.normal(0, 0.03, len(city))
    lon = cities.lon[city] + rng.normal(0, 0.03, len(city)) / np.cos(np.radians(cities.lat[city]))
    n_shops = len(city)
    ids = [f"shop-{i:05d}" for i in range(n_shops)] + [f"web-{i:04d}" for i in range(WEB_SHOPS)]
    shops_by_city: dict[int, np.ndarray] = {}
    starts = np.concatenate([[0], np.cumsum(shops_per_city)])
    for c in range(len(cities.names)):
        shops_by_city[c] = np.arange(starts[c], starts[c + 1])
    popularity = 1.0 / np.arange(1, WEB_SHOPS + 1) ** 0.9  # a few big web shops, a long tail
    return Merchants(
        ids=ids,
        city=np.concatenate([city, np.full(WEB_SHOPS, -1)]),
        lat=np.concatenate([lat, np.full(WEB_SHOPS, np.nan)]),
        lon=np.concatenate([lon, np.full(WEB_SHOPS, np.nan)]),
        web=np.concatenate([np.zeros(n_shops, bool), np.ones(WEB_SHOPS, bool)]),
        shops_by_city=shops_by_city,
        web_shops=np.arange(n_shops, n_shops + WEB_SHOPS),
        web_popularity=popularity / popularity.sum(),
    )


def make_customers(rng: np.random.Generator, cities: Cities, n_users: int) -> tuple[Customers, np.ndarray]:
    """Customers, plus the per-city count (merchants are sized by it)."""
    city = rng.choice(len(cities.names), size=n_users, p=cities.weight)
    users_per_city = np.bincount(city, minlength=len(cities.names))
    lat = cities.lat[city] + rng.normal(0, 0.04, n_users)
    lon = cities.lon[city] + rng.normal(0, 0.04, n_users) / np.cos(np.radians(cities.lat[city]))
    mean_amount = rng.uniform(5, 100, n_users)
    tx_per_day = rng.uniform(0.2, 4.0, n_users)
    peak_hour = np.clip(rng.normal(14, 2.5, n_users), 8, 20)
    cnp_share = rng.beta(2, 6, n_users)
    return (
        Customers(
            city,
            lat,
            lon,
            mean_amount,
            tx_per_day,
            peak_hour,
            cnp_share,
            np.empty((n_users, 0), int),
            np.empty((n_users, 0), int),
        ),
        users_per_city,
    )


def with_favourites(rng: np.random.Generator, customers: Customers, merchants: Merchants) -> Customers:
    n = len(customers)
    shops = np.empty((n, FAVOURITE_SHOPS), dtype=int)
    for c, users in _group(customers.city).items():
        local = merchants.shops_by_city[c]
        shops[users] = local[rng.integers(0, len(local), size=(len(users), FAVOURITE_SHOPS))]
    web = merchants.web_shops[
        rng.choice(len(merchants.web_shops), size=(n, FAVOURITE_WEB_SHOPS), p=merchants.web_popularity)
    ]
    return Customers(
        customers.city,
        customers.lat,
        customers.lon,
        customers.mean_amount,
        customers.tx_per_day,
        customers.peak_hour,
        customers.cnp_share,
        shops,
        web,
    )


def _group(keys: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    uniq, starts = np.unique(keys[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    return {int(k): order[s:e] for k, s, e in zip(uniq, starts, bounds, strict=True)}
