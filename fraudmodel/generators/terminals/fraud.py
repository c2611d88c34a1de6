"""The three fraud patterns, with rates tuned so that about 5% of transactions are fraudulent:

- compromised terminal: from a given day, for two to four weeks, every transaction at a physical
  terminal is fraudulent (a skimmer); nothing in the transaction itself shows it, only the labels
  of earlier transactions at that terminal once they are known;
- compromised account: a sudden run of purchases, four to twelve times the customer's usual amount,
  over a day to four days, at terminals near home or online;
- card-not-present burst: a few online purchases within minutes to an hour, at the less popular
  online shops, for amounts unrelated to the customer's habits."""

from __future__ import annotations

import numpy as np

from fraudmodel.generators.terminals.population import ONLINE_SHOPS, Customers, Terminals
from fraudmodel.generators.terminals.rows import LEGIT, Rows, concat

DAY = 86400
COMPROMISED_TERMINAL = "compromised_terminal"
COMPROMISED_ACCOUNT = "compromised_account"
CARD_NOT_PRESENT = "card_not_present_burst"
PATTERNS = (COMPROMISED_TERMINAL, COMPROMISED_ACCOUNT, CARD_NOT_PRESENT)

TERMINALS_COMPROMISED_PER_DAY = 0.0015  # per physical terminal
COMPROMISE_DAYS = (14, 29)  # two to four weeks
ACCOUNTS_COMPROMISED_PER_DAY = 0.005  # per customer
CNP_BURSTS_PER_DAY = 0.006  # per customer
LONG_TAIL_FROM = 20  # card-not-present fraud avoids the 20 most popular online shops


def _incidents(rng: np.random.Generator, n: int, per_day: float, days: int) -> np.ndarray:
    """Indices of the customers an incident befalls (one index per incident)."""
    return np.repeat(np.arange(n), rng.poisson(per_day * days, n))


def compromised_accounts(
    rng: np.random.Generator, customers: Customers, terminals: Terminals, start: int, days: int
) -> Rows:
    parts = []
    for c in _incidents(rng, len(customers), ACCOUNTS_COMPROMISED_PER_DAY, days):
        k = int(rng.integers(3, 11))
        t = start + int(rng.integers(0, days * DAY)) + np.sort(rng.uniform(0, rng.uniform(1, 4) * DAY, k))
        amount = np.round(customers.mean_amount[c] * rng.uniform(4, 12, k), 2)
        online = rng.random(k) < 0.4
        shop = terminals.physical + rng.choice(ONLINE_SHOPS, size=k, p=terminals.online_popularity)
        nearby = customers.nearby[c, rng.integers(0, customers.nearby.shape[1], k)]
        parts.append(
            Rows.of(np.full(k, c), t, amount, np.where(online, shop, nearby), online, scenario=COMPROMISED_ACCOUNT)
        )
    return concat(parts) if parts else Rows.of(*(np.empty(0),) * 5, scenario=COMPROMISED_ACCOUNT)


def card_not_present_bursts(
    rng: np.random.Generator, customers: Customers, terminals: Terminals, start: int, days: int
) -> Rows:
    parts = []
    for c in _incidents(rng, len(customers), CNP_BURSTS_PER_DAY, days):
        k = int(rng.integers(2, 7))
        t = start + int(rng.integers(0, days * DAY)) + np.sort(rng.uniform(0, rng.uniform(300, 3600), k))
        amount = np.round(rng.uniform(80, 1500, k), 2)
        shop = terminals.physical + rng.integers(LONG_TAIL_FROM, ONLINE_SHOPS, k)
        parts.append(Rows.of(np.full(k, c), t, amount, shop, np.ones(k, bool), scenario=CARD_NOT_PRESENT))
    return concat(parts) if parts else Rows.of(*(np.empty(0),) * 5, scenario=CARD_NOT_PRESENT)


def compromise_terminals(
    rng: np.random.Generator, rows: Rows, terminals: Terminals, start: int, days: int
) -> np.ndarray:
    """Mark every transaction at a compromised terminal during its window as fraud (in place).
    Returns the windows as rows of (terminal, begin, end) in epoch seconds, end excluded."""
    per_day = rng.poisson(TERMINALS_COMPROMISED_PER_DAY * terminals.physical, days)
    # Rows grouped by merchant once, so each window only looks at its own terminal's rows.
    by_merchant = np.argsort(rows.merchant, kind="stable")
    first = np.searchsorted(rows.merchant[by_merchant], np.arange(terminals.physical + 1))
    windows = []
    for day, count in enumerate(per_day):
        for terminal in rng.choice(terminals.physical, size=min(count, terminals.physical), replace=False):
            begin = start + day * DAY
            end = begin + int(rng.integers(*COMPROMISE_DAYS)) * DAY
            windows.append((int(terminal), begin, end))
            at_terminal = by_merchant[first[terminal] : first[terminal + 1]]
            hit = at_terminal[(rows.t[at_terminal] >= begin) & (rows.t[at_terminal] < end)]
            rows.scenario[hit[rows.scenario[hit] == LEGIT]] = COMPROMISED_TERMINAL
            rows.fraud[hit] = True
    return np.array(windows, dtype=np.int64).reshape(-1, 3)
