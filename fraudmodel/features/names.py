"""The feature vector, in the order the feature engine writes it. A model's metadata keeps its own
order; the scorer maps columns by name, so older models keep working when features are added."""

from __future__ import annotations

# Raised whenever what a feature of the same name means changes; a model records the one it was
# trained on, and the scorer refuses a model from another (2: windows in twelve steps, novelty among
# the 32 most recent merchants and 16 places).
FEATURE_DEFINITIONS = 2

WINDOWS = {"10m": 600.0, "1h": 3600.0, "24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}
COUNT_WINDOWS = ("10m", "1h", "24h", "7d", "30d")
SUM_WINDOWS = ("1h", "24h", "7d", "30d")
STATE_HORIZON_SECONDS = WINDOWS["30d"]
WINDOW_STEPS = 12  # each window slides in steps of a twelfth of its span (features/kernel.py)
KNOWN_MERCHANTS_CAP = 32  # "new merchant" / "new place": among the user's most recently used ones
KNOWN_PLACES_CAP = 16
MERCHANT_WINDOWS = {"7d": 7 * 86400.0, "30d": 30 * 86400.0}
CHANNEL_FLAGS = ("card_present", "card_not_present", "contactless", "atm")

FEATURE_NAMES: tuple[str, ...] = (
    "amount",
    "amount_to_usual",
    "amount_z",
    "hour_local",
    "weekday_local",
    *(f"count_{w}" for w in COUNT_WINDOWS),
    *(f"sum_{w}" for w in SUM_WINDOWS),
    "seconds_since_prev",
    "km_from_usual",
    "km_from_prev",
    "speed_kmh_from_prev",
    "new_merchant",
    "new_place",
    *(f"channel_{c}" for c in CHANNEL_FLAGS),
    *(f"merchant_known_frauds_{w}" for w in MERCHANT_WINDOWS),
)
# Left out on purpose, since they did not raise the model's average precision (docs/model.md): the user's share
# of transactions in the same channel over 30 days, and the count of the user's earlier transactions.
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
# The compiled kernel writes every column before the channel flags; Python writes the rest.
KERNEL_COLUMNS = FEATURE_INDEX[f"channel_{CHANNEL_FLAGS[0]}"]

# Sentinels, chosen so a tree can split them off and a person reading the features understands them.
NO_LOCATION = -1.0  # distance or speed when either side has no coordinates
CAPPED_GAP_SECONDS = STATE_HORIZON_SECONDS  # "no earlier transaction in the last 30 days"
