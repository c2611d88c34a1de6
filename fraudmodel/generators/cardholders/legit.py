"""Everyday spending: a Poisson number of transactions per customer and day around the customer's
peak hour, mostly at favourite shops and web shops, with trips to other cities and the occasional
large purchase or parcel sent elsewhere, so that fraud patterns overlap with normal behaviour."""

from __future__ import annotations

import numpy as np

from fraudmodel.generators.cardholders.columns import CARD_NOT_PRESENT, CARD_PRESENT, LEGIT, TxnColumns
from fraudmodel.generators.cardholders.population import Cities, Customers, Merchants

DAY = 86400
TRIPS_PER_DAY = 1 / 45
LARGE_PURCHASE_RATE = 0.004
SHIP_ELSEWHERE_RATE = 0.03
FAVOURITE_SHOP_RATE = 0.9
FAVOURITE_WEB_RATE = 0.85


def plan_trips(rng: np.random.Generator, customers: Customers, cities: Cities, days: int) -> np.ndarray:
    """(users, days) city index where each customer is travelling that day, -1 at home."""
    n = len(customers)
    trip_city = np.full((n, days), -1, dtype=int)
    home_cities = np.flatnonzero(cities.home)
    foreign = np.flatnonzero(~cities.home)
    n_trips = rng.poisson(TRIPS_PER_DAY * days, n)
    for u in np.flatnonzero(n_trips):
        for _ in range(n_trips[u]):
            first = rng.integers(0, days)
            length = rng.integers(2, 8)
            dest = rng.choice(home_cities, p=cities.weight[home_cities]) if rng.random() < 0.8 else rng.choice(foreign)
            if dest == customers.city[u]:
                continue
            trip_city[u, first : first + length] = dest
    return trip_city


def everyday_spending(
    rng: np.random.Generator,
    customers: Customers,
    merchants: Merchants,
    cities: Cities,
    trip_city: np.ndarray,
    start_epoch: int,
    days: int,
    out: TxnColumns,
) -> None:
    n = len(customers)
    counts = rng.poisson(customers.tx_per_day[:, None], size=(n, days))
    cell = np.repeat(np.arange(n * days), counts.ravel())
    user = cell // days
    day = cell % days
    m = len(user)

    away = trip_city[user, day]
    travelling = away >= 0
    # The first day away and the first day back start at noon: the journey leaves a gap.
    prev_away = np.where(day > 0, trip_city[user, np.maximum(day - 1, 0)], -1)
    journey_day = away != prev_away
    local = rng.normal(customers.peak_hour[user] * 3600, 3.5 * 3600) % DAY
    local = np.where(journey_day, 43200 + rng.uniform(0, 36000, m), local)
    here = np.where(travelling, away, customers.city[user])
    t = start_epoch + day * DAY + local.astype(np.int64) - cities.utc_offset_s[here].astype(np.int64)

    channel = np.where(rng.random(m) < customers.cnp_share[user], CARD_NOT_PRESENT, CARD_PRESENT)
    cnp = channel == CARD_NOT_PRESENT

    # Amounts: log-normal around the customer's mean; web orders a bit larger; rare big purchases.
    amount = customers.mean_amount[user] * np.exp(rng.normal(-0.18, 0.6, m))
    amount = np.where(cnp, amount * 1.3, amount)
    large = rng.random(m) < LARGE_PURCHASE_RATE
    amount = np.where(large, amount * rng.uniform(5, 15, m), amount)

    merchant = np.empty(m, dtype=int)
    fav_rank = _zipf_rank(rng, customers.favourite_shops.shape[1], m)
    merchant[:] = customers.favourite_shops[user, fav_rank]
    occasional = rng.random(m) > FAVOURITE_SHOP_RATE
    redo = (occasional | travelling) & ~cnp
    for c in np.unique(here[redo]):
        sel = np.flatnonzero(redo & (here == c))
        shops = merchants.shops_by_city[int(c)]
        merchant[sel] = shops[rng.integers(0, len(shops), len(sel))]
    web_fav = customers.favourite_web[user, rng.integers(0, customers.favourite_web.shape[1], m)]
    web_other = rng.choice(merchants.web_shops, size=m, p=merchants.web_popularity)
    merchant = np.where(cnp, np.where(rng.random(m) < FAVOURITE_WEB_RATE, web_fav, web_other), merchant)

    # Where: the shop for card-present; the delivery address (usually home) for web orders.
    lat = np.where(cnp, customers.lat[user], merchants.lat[merchant])
    lon = np.where(cnp, customers.lon[user], merchants.lon[merchant])
    city = np.where(cnp, customers.city[user], merchants.city[merchant])
    elsewhere = cnp & (rng.random(m) < SHIP_ELSEWHERE_RATE)
    other_city = rng.integers(0, len(cities.names), m)
    lat = np.where(elsewhere, cities.lat[other_city], lat)
    lon = np.where(elsewhere, cities.lon[other_city], lon)
    city = np.where(elsewhere, other_city, city)

    out.add(
        user=user,
        t=t,
        amount=amount,
        merchant=merchant,
        channel=channel,
        lat=lat,
        lon=lon,
        city=city,
        fraud=False,
        scenario=LEGIT,
    )


def _zipf_rank(rng: np.random.Generator, k: int, size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1)
    return rng.choice(k, size=size, p=weights / weights.sum())
