"""Who pays where: physical terminals (coordinates, no city), online shops (no coordinates) and
customers with a home, a spending profile in reais and the terminals nearest their home."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import KDTree

from fraudmodel.generators.terminals.config import TerminalsConfig
from fraudmodel.generators.terminals.geography import Towns, scatter

NEARBY_TERMINALS = 15
ONLINE_SHOPS = 150


@dataclass(frozen=True)
class Terminals:
    lat: np.ndarray
    lon: np.ndarray
    online_popularity: np.ndarray  # of the ONLINE_SHOPS online shops, which follow them

    @property
    def physical(self) -> int:
        return len(self.lat)


@dataclass(frozen=True)
class Customers:
    lat: np.ndarray
    lon: np.ndarray
    mean_amount: np.ndarray  # reais
    std_amount: np.ndarray
    tx_per_day: np.ndarray
    peak_hour: np.ndarray  # local time
    online_share: np.ndarray
    nearby: np.ndarray  # (n, NEARBY_TERMINALS) the physical terminals nearest home

    def __len__(self) -> int:
        return len(self.lat)


def make_terminals(rng: np.random.Generator, towns: Towns, config: TerminalsConfig) -> Terminals:
    lat, lon = scatter(rng, towns, config.terminals)
    popularity = 1.0 / np.arange(1, ONLINE_SHOPS + 1) ** 1.1
    return Terminals(lat, lon, popularity / popularity.sum())


def make_customers(rng: np.random.Generator, towns: Towns, terminals: Terminals, n: int) -> Customers:
    lat, lon = scatter(rng, towns, n)
    mean_amount = rng.uniform(20, 400, n)  # reais
    std_amount = mean_amount * rng.uniform(0.3, 0.6, n)
    tx_per_day = rng.uniform(0.3, 3.5, n)
    peak_hour = rng.uniform(10, 19, n)
    online_share = rng.beta(1.5, 9, n)
    # Nearest terminals in a plane where a degree of longitude is shrunk by the cosine of latitude.
    scale = np.cos(np.radians(-15.0))
    tree = KDTree(np.column_stack([terminals.lat, terminals.lon * scale]))
    k = min(NEARBY_TERMINALS, terminals.physical)
    _, nearby = tree.query(np.column_stack([lat, lon * scale]), k=k)
    nearby = np.asarray(nearby, dtype=np.int64).reshape(n, k)
    return Customers(lat, lon, mean_amount, std_amount, tx_per_day, peak_hour, online_share, nearby)
