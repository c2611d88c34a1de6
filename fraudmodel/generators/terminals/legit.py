"""Everyday spending: a Poisson number of purchases per customer and day, around the customer's peak
hour (Brasília time), at one of the terminals nearest home or, now and then, at an online shop;
amounts drawn from the customer's own normal profile in reais."""

from __future__ import annotations

import numpy as np

from fraudmodel.generators.terminals.config import UTC_OFFSET_S
from fraudmodel.generators.terminals.population import ONLINE_SHOPS, Customers, Terminals
from fraudmodel.generators.terminals.rows import LEGIT, Rows

DAY = 86400
MIN_AMOUNT = 1.0


def everyday_spending(
    rng: np.random.Generator, customers: Customers, terminals: Terminals, start: int, days: int
) -> Rows:
    n = len(customers)
    counts = rng.poisson(customers.tx_per_day[:, None], size=(n, days))
    cell = np.repeat(np.arange(n * days), counts.ravel())
    customer, day = cell // days, cell % days
    m = len(cell)

    local = np.clip(rng.normal(customers.peak_hour[customer] * 3600, 3 * 3600), 0, DAY - 1)
    t = start + day * DAY + local.astype(np.int64) - UTC_OFFSET_S

    amount = rng.normal(customers.mean_amount[customer], customers.std_amount[customer])
    low = amount < MIN_AMOUNT
    amount[low] = rng.uniform(MIN_AMOUNT, customers.mean_amount[customer[low]])

    online = rng.random(m) < customers.online_share[customer]
    nearby = customers.nearby[customer, rng.integers(0, customers.nearby.shape[1], m)]
    shop = terminals.physical + rng.choice(ONLINE_SHOPS, size=m, p=terminals.online_popularity)
    merchant = np.where(online, shop, nearby)
    return Rows.of(customer, t, np.round(amount, 2), merchant, online, scenario=LEGIT)
