"""The labelled-history generator behind `fraudctl generate`: seeded, deterministic, vectorised."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from tqdm import tqdm

from fraudmodel.generators.cardholders import fraud, legit, population
from fraudmodel.generators.cardholders.columns import CHANNEL_NAMES, TxnColumns
from fraudmodel.geo import Gazetteer


@dataclass(frozen=True)
class HistoryConfig:
    users: int = 2000
    days: int = 56
    start: datetime = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
    seed: int = 7

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError(f"users: must be at least 1, got {self.users}")
        if self.days < 1:
            raise ValueError(f"days: must be at least 1, got {self.days}")
        if self.start.tzinfo is None:
            raise ValueError("start: must be timezone-aware")


def generate_history(
    config: HistoryConfig, gazetteer: Gazetteer | None = None, *, progress: bool = False
) -> pd.DataFrame:
    """Labelled transactions in the history format (plus a `scenario` column naming the fraud pattern),
    sorted by event time."""
    rng = np.random.default_rng(config.seed)
    gazetteer = gazetteer or Gazetteer()
    start_day = config.start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = int(start_day.timestamp())
    steps = ["population", "everyday spending", "fraud patterns", "compromised merchants", "table"]
    bar = tqdm(total=len(steps), desc="generate", disable=not progress, unit="step")

    bar.set_postfix_str(steps[0])
    cities = population.load_cities(gazetteer, start_day)
    customers, users_per_city = population.make_customers(rng, cities, config.users)
    merchants = population.make_merchants(rng, cities, users_per_city)
    customers = population.with_favourites(rng, customers, merchants)
    bar.update()

    bar.set_postfix_str(steps[1])
    columns = TxnColumns()
    trips = legit.plan_trips(rng, customers, cities, config.days)
    legit.everyday_spending(rng, customers, merchants, cities, trips, start, config.days, columns)
    genuine = columns.concat()
    bar.update()

    bar.set_postfix_str(steps[2])
    frauds = TxnColumns()
    args = (rng, customers, merchants, cities)
    fraud.stolen_card_sprees(*args, start, config.days, frauds)
    fraud.cnp_shipped_far(*args, start, config.days, frauds)
    fraud.card_testing(*args, start, config.days, frauds)
    fraud.impossible_travel(*args, genuine, frauds)
    fraud.high_amounts(*args, start, config.days, frauds)
    bar.update()

    bar.set_postfix_str(steps[3])
    all_cols = {k: np.concatenate([genuine[k], *frauds.chunks.get(k, [])]) for k in genuine}
    end = start + config.days * 86400
    keep = (all_cols["t"] >= start) & (all_cols["t"] < end)
    all_cols = {k: v[keep] for k, v in all_cols.items()}
    fraud.compromise_merchants(rng, merchants, cities, all_cols, start, config.days)
    bar.update()

    bar.set_postfix_str(steps[4])
    order = np.lexsort((all_cols["user"], all_cols["t"]))
    cols = {k: v[order] for k, v in all_cols.items()}
    n = len(order)
    raw = rng.bytes(16 * n)
    ids = [str(uuid.UUID(bytes=raw[i * 16 : (i + 1) * 16], version=4)) for i in range(n)]
    city_names = np.array(cities.names, dtype=object)
    country_codes = np.array(cities.countries, dtype=object)
    merchant_ids = np.array(merchants.ids, dtype=object)
    frame = pd.DataFrame(
        {
            "transaction_id": ids,
            "user_id": np.char.add("user-", np.char.zfill(cols["user"].astype(str), 5)),
            "occurred_at": pd.to_datetime(cols["t"], unit="s", utc=True),
            "amount": np.round(np.maximum(cols["amount"], 0.5), 2),
            "currency": "USD",
            "merchant_id": merchant_ids[cols["merchant"]],
            "channel": np.array(CHANNEL_NAMES, dtype=object)[cols["channel"]],
            "lat": np.round(cols["lat"], 5),
            "lon": np.round(cols["lon"], 5),
            "city": city_names[cols["city"]],
            "country": country_codes[cols["city"]],
            "is_fraud": cols["fraud"].astype(int),
            "scenario": cols["scenario"],
        }
    )
    bar.update()
    bar.close()
    return frame
