"""Fraud patterns, each overlapping with something honest customers also do:

- compromised merchant: a shop whose card readers are tampered with; for two to four weeks part of
  its ordinary-looking transactions are fraudulent (only merchant risk, from delayed labels, shows it);
- stolen card spree: a burst of card-present purchases around town, at shops the customer never used;
- card-not-present fraud shipped far away: web orders delivered to another city or country
  (honest customers send parcels elsewhere too);
- card testing: a handful of tiny web payments within minutes, sometimes followed by a big one;
- impossible travel: a cloned card used in a far city shortly after the real card was used at home
  (honest customers travel, but a journey takes time);
- high amount: one purchase several times the customer's usual amount (honest big purchases exist).

Rates are per customer over 56 days, tuned so that about 1% of transactions are fraudulent."""

from __future__ import annotations

import numpy as np

from fraudmodel.generators.cardholders.columns import CARD_NOT_PRESENT, CARD_PRESENT, TxnColumns
from fraudmodel.generators.cardholders.population import Cities, Customers, Merchants
from fraudmodel.geo import haversine_km

DAY = 86400
REFERENCE_DAYS = 56
SPREE_RATE = 0.06
CNP_FAR_RATE = 0.08
CARD_TESTING_RATE = 0.035
IMPOSSIBLE_TRAVEL_RATE = 0.05
HIGH_AMOUNT_RATE = 0.12
COMPROMISED_SHOPS_PER_DAY_PER_SHOP = 0.00025
COMPROMISED_FRAUD_SHARE = 0.6


def _incidents(rng: np.random.Generator, n_users: int, rate: float, days: int) -> np.ndarray:
    """Users who suffer an incident (a user may appear more than once)."""
    counts = rng.poisson(rate * days / REFERENCE_DAYS, n_users)
    return np.repeat(np.arange(n_users), counts)


def stolen_card_sprees(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    start: int,
    days: int,
    out: TxnColumns,
) -> None:
    home_cities = np.flatnonzero(cities.home)
    for u in _incidents(rng, len(customers), SPREE_RATE, days):
        k = int(rng.integers(3, 13))
        t0 = start + int(rng.integers(0, days * DAY))
        t = t0 + np.sort(rng.uniform(0, rng.uniform(600, 6 * 3600), k)).astype(np.int64)
        c = customers.city[u] if rng.random() < 0.7 else rng.choice(home_cities, p=cities.weight[home_cities])
        shops = merchants.shops_by_city[int(c)]
        shop = shops[rng.integers(0, len(shops), k)]
        splurge = rng.random(k) < 0.3  # drawn in this order: the same seed keeps giving the same file
        splurge_amount = rng.uniform(100, 800, k)
        amount = np.where(splurge, splurge_amount, customers.mean_amount[u] * rng.uniform(1, 5, k))
        out.add(
            user=u,
            t=t,
            amount=amount,
            merchant=shop,
            channel=CARD_PRESENT,
            lat=merchants.lat[shop],
            lon=merchants.lon[shop],
            city=merchants.city[shop],
            fraud=True,
            scenario="stolen_card_spree",
        )


def cnp_shipped_far(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    start: int,
    days: int,
    out: TxnColumns,
) -> None:
    for u in _incidents(rng, len(customers), CNP_FAR_RATE, days):
        k = int(rng.integers(1, 6))
        t0 = start + int(rng.integers(0, days * DAY))
        t = t0 + np.sort(rng.uniform(0, 3 * DAY, k)).astype(np.int64)
        dest = _far_city(rng, cities, customers.lat[u], customers.lon[u], 500)
        shop = rng.choice(merchants.web_shops, size=k)
        amount = customers.mean_amount[u] * rng.uniform(1.5, 6, k)
        out.add(
            user=u,
            t=t,
            amount=amount,
            merchant=shop,
            channel=CARD_NOT_PRESENT,
            lat=cities.lat[dest],
            lon=cities.lon[dest],
            city=dest,
            fraud=True,
            scenario="cnp_shipped_far",
        )


def card_testing(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    start: int,
    days: int,
    out: TxnColumns,
) -> None:
    for u in _incidents(rng, len(customers), CARD_TESTING_RATE, days):
        k = int(rng.integers(3, 9))
        t0 = start + int(rng.integers(0, days * DAY))
        t = t0 + np.sort(rng.uniform(0, rng.uniform(120, 1200), k)).astype(np.int64)
        shop = rng.choice(merchants.web_shops)
        amount = np.round(rng.uniform(0.5, 3.0, k), 2)
        home = customers.city[u]
        out.add(
            user=u,
            t=t,
            amount=amount,
            merchant=shop,
            channel=CARD_NOT_PRESENT,
            lat=customers.lat[u],
            lon=customers.lon[u],
            city=home,
            fraud=True,
            scenario="card_testing",
        )
        if rng.random() < 0.5:
            big_t = int(t[-1] + rng.uniform(3600, DAY))
            big_shop = rng.choice(merchants.web_shops)
            out.add(
                user=u,
                t=big_t,
                amount=customers.mean_amount[u] * rng.uniform(3, 10),
                merchant=big_shop,
                channel=CARD_NOT_PRESENT,
                lat=customers.lat[u],
                lon=customers.lon[u],
                city=home,
                fraud=True,
                scenario="card_testing",
            )


def impossible_travel(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    legit: dict[str, np.ndarray],
    out: TxnColumns,
) -> None:
    """A clone used far away shortly after a genuine card-present purchase at home."""
    n = len(customers)
    card_present = np.flatnonzero(legit["channel"] == CARD_PRESENT)
    by_user = np.split(
        card_present[np.argsort(legit["user"][card_present], kind="stable")],
        np.cumsum(np.bincount(legit["user"][card_present], minlength=n))[:-1],
    )
    days = int((legit["t"].max() - legit["t"].min()) // DAY) + 1
    for u in _incidents(rng, n, IMPOSSIBLE_TRAVEL_RATE, days):
        if len(by_user[u]) == 0:
            continue
        genuine = by_user[u][rng.integers(0, len(by_user[u]))]
        k = int(rng.integers(1, 5))
        t = legit["t"][genuine] + (rng.uniform(1200, 3 * 3600) + np.sort(rng.uniform(0, 7200, k))).astype(np.int64)
        dest = _far_city(rng, cities, legit["lat"][genuine], legit["lon"][genuine], 1000)
        shops = merchants.shops_by_city[int(dest)]
        shop = shops[rng.integers(0, len(shops), k)]
        amount = customers.mean_amount[u] * rng.uniform(1, 4, k)
        out.add(
            user=u,
            t=t,
            amount=amount,
            merchant=shop,
            channel=CARD_PRESENT,
            lat=merchants.lat[shop],
            lon=merchants.lon[shop],
            city=merchants.city[shop],
            fraud=True,
            scenario="impossible_travel",
        )


def high_amounts(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    start: int,
    days: int,
    out: TxnColumns,
) -> None:
    for u in _incidents(rng, len(customers), HIGH_AMOUNT_RATE, days):
        day = int(rng.integers(0, days))
        local = int(rng.normal(customers.peak_hour[u] * 3600, 3.5 * 3600) % DAY)
        t = start + day * DAY + local - int(cities.utc_offset_s[customers.city[u]])
        amount = customers.mean_amount[u] * rng.uniform(5, 20)
        if rng.random() < 0.5:
            shop = customers.favourite_shops[u, rng.integers(0, customers.favourite_shops.shape[1])]
            out.add(
                user=u,
                t=t,
                amount=amount,
                merchant=shop,
                channel=CARD_PRESENT,
                lat=merchants.lat[shop],
                lon=merchants.lon[shop],
                city=merchants.city[shop],
                fraud=True,
                scenario="high_amount",
            )
        else:
            shop = customers.favourite_web[u, rng.integers(0, customers.favourite_web.shape[1])]
            out.add(
                user=u,
                t=t,
                amount=amount,
                merchant=shop,
                channel=CARD_NOT_PRESENT,
                lat=customers.lat[u],
                lon=customers.lon[u],
                city=customers.city[u],
                fraud=True,
                scenario="high_amount",
            )


def compromise_merchants(
    rng: np.random.Generator,
    merchants: Merchants,
    cities: Cities,
    columns: dict[str, np.ndarray],
    start: int,
    days: int,
) -> None:
    """Turn part of the ordinary transactions at compromised shops into fraud (in place)."""
    home_shops = np.flatnonzero(~merchants.web & (merchants.city >= 0))
    home_shops = home_shops[cities.home[merchants.city[home_shops]]]
    per_day = rng.poisson(COMPROMISED_SHOPS_PER_DAY_PER_SHOP * len(home_shops), days)
    honest = ~columns["fraud"]
    for day, count in enumerate(per_day):
        for shop in rng.choice(home_shops, size=count, replace=False):
            begin = start + day * DAY
            end = begin + int(rng.integers(14, 29)) * DAY
            during = (columns["t"] >= begin) & (columns["t"] < end)
            hit = np.flatnonzero(honest & (columns["merchant"] == shop) & during)
            hit = hit[rng.random(len(hit)) < COMPROMISED_FRAUD_SHARE]
            columns["fraud"][hit] = True
            columns["amount"][hit] *= rng.uniform(1.0, 2.0, len(hit))
            columns["scenario"][hit] = "compromised_merchant"


def _far_city(rng: np.random.Generator, cities: Cities, lat: float, lon: float, min_km: float) -> int:
    for _ in range(50):
        c = int(rng.integers(0, len(cities.names)))
        if haversine_km(lat, lon, cities.lat[c], cities.lon[c]) >= min_km:
            return c
    return int(np.argmax([haversine_km(lat, lon, a, b) for a, b in zip(cities.lat, cities.lon, strict=True)]))
