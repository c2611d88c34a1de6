"""The terminals generator's labelled history, in the history-file format (history_files.py) plus
`scenario` (the fraud pattern, or "legit") and `labelled_at` (when the label became known)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudmodel.generators.terminals import fraud, legit
from fraudmodel.generators.terminals.config import (
    COUNTRY,
    CURRENCY,
    LABEL_DELAY_MAX,
    LABEL_DELAY_MIN,
    TerminalsConfig,
)
from fraudmodel.generators.terminals.geography import draw_towns
from fraudmodel.generators.terminals.population import Terminals, make_customers, make_terminals
from fraudmodel.generators.terminals.rows import Rows, concat, take

DAY = 86400


@dataclass(frozen=True)
class TerminalsHistory:
    frame: pd.DataFrame
    compromised: np.ndarray  # (terminal index, begin, end): the compromised terminals' windows
    terminals: Terminals


def generate_terminals_history(config: TerminalsConfig) -> TerminalsHistory:
    rng = np.random.default_rng(config.seed)
    start_day = config.start.replace(hour=0, minute=0, second=0, microsecond=0)
    start = int(start_day.timestamp())
    end = start + config.days * DAY

    towns = draw_towns(rng)
    terminals = make_terminals(rng, towns, config)
    customers = make_customers(rng, towns, terminals, config.customers)
    rows = concat(
        [
            legit.everyday_spending(rng, customers, terminals, start, config.days),
            fraud.compromised_accounts(rng, customers, terminals, start, config.days),
            fraud.card_not_present_bursts(rng, customers, terminals, start, config.days),
        ]
    )
    rows = take(rows, np.flatnonzero((rows.t >= start) & (rows.t < end)))
    rows = take(rows, np.lexsort((rows.customer, rows.t)))
    windows = fraud.compromise_terminals(rng, rows, terminals, start, config.days)
    delay = rng.uniform(LABEL_DELAY_MIN.total_seconds(), LABEL_DELAY_MAX.total_seconds(), len(rows))
    return TerminalsHistory(_frame(rows, terminals, delay.astype(np.int64)), windows, terminals)


def _frame(rows: Rows, terminals: Terminals, delay_s: np.ndarray) -> pd.DataFrame:
    physical = ~rows.online
    at = np.where(physical, rows.merchant, 0)
    lat = np.where(physical, np.round(terminals.lat[at], 5), np.nan)
    lon = np.where(physical, np.round(terminals.lon[at], 5), np.nan)
    merchant_ids = np.where(
        physical,
        np.char.add("terminal-", np.char.zfill(rows.merchant.astype(str), 6)),
        np.char.add("online-", np.char.zfill((rows.merchant - terminals.physical).astype(str), 4)),
    ).astype(object)
    return pd.DataFrame(
        {
            "transaction_id": np.char.add("tx-", np.char.zfill(np.arange(len(rows)).astype(str), 9)).astype(object),
            "user_id": np.char.add("customer-", np.char.zfill(rows.customer.astype(str), 6)).astype(object),
            "occurred_at": pd.to_datetime(rows.t, unit="s", utc=True),
            "amount": rows.amount,
            "currency": CURRENCY,
            "merchant_id": merchant_ids,
            "channel": np.where(rows.online, "card_not_present", "card_present").astype(object),
            "lat": lat,
            "lon": lon,
            "city": "",
            "country": COUNTRY,
            "is_fraud": rows.fraud.astype(int),
            "scenario": rows.scenario,
            "labelled_at": pd.to_datetime(rows.t + delay_s, unit="s", utc=True),
        }
    )
