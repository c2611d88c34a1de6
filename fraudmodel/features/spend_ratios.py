"""The customer's spending against their own, from columns the kernel has written: nothing in these
depends on the currency, so a model trained on dollars reads reais the same way.

- spend_<w>_to_usual: what the customer spent in the window (this transaction included) in units of
  their usual amount: how many ordinary purchases' worth went out;
- spend_24h_to_30d_pace, spend_7d_to_30d_pace: the last day's (week's) spend over the day's (week's)
  share of the last 30 days' spend: 1 is the customer's own pace, a sudden run of spending reads high."""

from __future__ import annotations

import numpy as np

from fraudmodel.features.names import FEATURE_INDEX, SPEND_AT, SPEND_WINDOWS, WINDOWS

_AMOUNT = FEATURE_INDEX["amount"]
_TO_USUAL = FEATURE_INDEX["amount_to_usual"]
_SUMS = [FEATURE_INDEX[f"sum_{w}"] for w in SPEND_WINDOWS]
_DAY, _WEEK, _MONTH = (FEATURE_INDEX[f"sum_{w}"] for w in ("24h", "7d", "30d"))
_DAYS_PER_MONTH = WINDOWS["30d"] / WINDOWS["24h"]
_WEEKS_PER_MONTH = WINDOWS["30d"] / WINDOWS["7d"]


def write_spend_ratios(out: np.ndarray) -> None:
    """Fills the spend columns of feature rows whose kernel columns are written."""
    usual = out[:, _AMOUNT] / out[:, _TO_USUAL]  # the kernel's exp(mean log amount); the amount itself at first
    n = len(SPEND_WINDOWS)
    out[:, SPEND_AT : SPEND_AT + n] = out[:, _SUMS] / usual[:, None]
    month = out[:, _MONTH]  # never 0: every sum includes this transaction's amount
    out[:, SPEND_AT + n] = out[:, _DAY] * _DAYS_PER_MONTH / month
    out[:, SPEND_AT + n + 1] = out[:, _WEEK] * _WEEKS_PER_MONTH / month
