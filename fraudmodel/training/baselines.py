"""The two baselines our model must beat, trained and tested on the same temporal split:

- the earlier system's four features (amount, location, hour, 24-hour frequency) in a Random Forest;
  "location" is taken as the distance from the customer's usual location, the most useful reading;
- the Fraud Detection Handbook's 15 features in a Random Forest: amount, weekend, night, the
  customer's count and average amount over 1, 7 and 30 days, and the terminal's (merchant's) count
  and fraud rate over 1, 7 and 30 days ending one label delay before the transaction.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from fraudmodel.features import FEATURE_INDEX

OLD_SYSTEM_FEATURES = ("amount", "km_from_usual", "hour_local", "count_24h")
HANDBOOK_FEATURE_NAMES = (
    "TX_AMOUNT",
    "TX_DURING_WEEKEND",
    "TX_DURING_NIGHT",
    "CUSTOMER_ID_NB_TX_1DAY_WINDOW",
    "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW",
    "CUSTOMER_ID_NB_TX_7DAY_WINDOW",
    "CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW",
    "CUSTOMER_ID_NB_TX_30DAY_WINDOW",
    "CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW",
    "TERMINAL_ID_NB_TX_1DAY_WINDOW",
    "TERMINAL_ID_RISK_1DAY_WINDOW",
    "TERMINAL_ID_NB_TX_7DAY_WINDOW",
    "TERMINAL_ID_RISK_7DAY_WINDOW",
    "TERMINAL_ID_NB_TX_30DAY_WINDOW",
    "TERMINAL_ID_RISK_30DAY_WINDOW",
)


def old_system_features(features: np.ndarray) -> np.ndarray:
    return features[:, [FEATURE_INDEX[n] for n in OLD_SYSTEM_FEATURES]]


def handbook_features(frame: pd.DataFrame, features: np.ndarray, label_delay: timedelta) -> np.ndarray:
    """The Handbook's 15 features. Customer windows come from our engine (same definitions: counts and
    sums including the current transaction); terminal windows are computed here with pandas."""

    def col(name: str) -> np.ndarray:
        return features[:, FEATURE_INDEX[name]]

    weekday, hour = col("weekday_local"), col("hour_local")
    out = [col("amount"), (weekday >= 5).astype(float), (hour < 6).astype(float)]
    for count, total in (("count_24h", "sum_24h"), ("count_7d", "sum_7d"), ("count_30d", "sum_30d")):
        out += [col(count), col(total) / col(count)]
    out += _terminal_windows(frame, label_delay)
    return np.column_stack(out)


def _terminal_windows(frame: pd.DataFrame, delay: timedelta) -> list[np.ndarray]:
    data = pd.DataFrame(
        {
            "merchant": frame["merchant_id"].to_numpy(),
            "t": pd.to_datetime(frame["occurred_at"], utc=True).to_numpy(),
            "fraud": frame["is_fraud"].fillna(0).astype(float).to_numpy(),
            "one": 1.0,
            "row": np.arange(len(frame)),
        }
    ).sort_values(["merchant", "t", "row"], kind="stable")
    grouped = data.groupby("merchant", sort=False)

    def rolling(days: timedelta, column: str) -> np.ndarray:
        sums = grouped.rolling(pd.Timedelta(days), on="t")[column].sum()
        return sums.to_numpy()

    delay_count = rolling(delay, "one")
    delay_fraud = rolling(delay, "fraud")
    out: list[np.ndarray] = []
    for window in (1, 7, 30):
        span = delay + timedelta(days=window)
        count = rolling(span, "one") - delay_count
        fraud = rolling(span, "fraud") - delay_fraud
        risk = np.divide(fraud, count, out=np.zeros_like(fraud), where=count > 0)
        for values in (count, risk):
            back = np.empty(len(frame))
            back[data["row"].to_numpy()] = values
            out.append(back)
    return out


def random_forest(seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=100, max_depth=20, min_samples_leaf=1, n_jobs=-1, random_state=seed)
