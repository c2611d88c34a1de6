"""Where terminals and customers are: town centres drawn in Brazil's bounding box with a long tail of
sizes, and points scattered around them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudmodel.generators.terminals.config import LAT_RANGE, LON_RANGE

TOWNS = 40
TOWN_SPREAD_DEG = 0.12  # about 13 km: terminals and homes of one town


@dataclass(frozen=True)
class Towns:
    lat: np.ndarray
    lon: np.ndarray
    weight: np.ndarray  # share of people (and of terminals) living in each town


def draw_towns(rng: np.random.Generator) -> Towns:
    lat = rng.uniform(*LAT_RANGE, TOWNS)
    lon = rng.uniform(*LON_RANGE, TOWNS)
    size = 1.0 / np.arange(1, TOWNS + 1) ** 0.9  # a few big towns, many small ones
    return Towns(lat, lon, size / size.sum())


def scatter(rng: np.random.Generator, towns: Towns, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` points around towns chosen by size: (lat, lon), clipped to the bounding box."""
    town = rng.choice(len(towns.weight), size=n, p=towns.weight)
    lat = towns.lat[town] + rng.normal(0, TOWN_SPREAD_DEG, n)
    lon = towns.lon[town] + rng.normal(0, TOWN_SPREAD_DEG, n) / np.cos(np.radians(towns.lat[town]))
    return np.clip(lat, *LAT_RANGE), np.clip(lon, *LON_RANGE)
