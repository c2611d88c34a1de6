"""The feature vector, in the order the feature engine writes it. A model's metadata keeps its own
order; the scorer maps columns by name, so older models keep working when features are added."""

from __future__ import annotations

# Raised whenever what a feature of the same name means changes; a model records the one it was
# trained on, and the scorer refuses a model from another (2: windows in twelve steps, novelty among
# the 32 most recent merchants and 16 places; 3: merchant risk from legitimate labels too, with fraud
# rates, a 1-day window and the merchant's typical amount, and the customer's spend ratios).
FEATURE_DEFINITIONS = 3

WINDOWS = {"10m": 600.0, "1h": 3600.0, "24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}
COUNT_WINDOWS = ("10m", "1h", "24h", "7d", "30d")
SUM_WINDOWS = ("1h", "24h", "7d", "30d")
STATE_HORIZON_SECONDS = WINDOWS["30d"]
WINDOW_STEPS = 12  # each window slides in steps of a twelfth of its span (features/kernel.py)
KNOWN_MERCHANTS_CAP = 32  # "new merchant" / "new place": among the user's most recently used ones
KNOWN_PLACES_CAP = 16
MERCHANT_WINDOWS = {"1d": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}  # shortest first
LONGEST_MERCHANT_WINDOW = "30d"
MERCHANT_COLUMNS = 2 * len(MERCHANT_WINDOWS) + 2
CHANNEL_FLAGS = ("card_present", "card_not_present", "contactless", "atm")
SPEND_WINDOWS = ("24h", "7d", "30d")

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
    # From labels known at the merchant (features/merchant_risk.py), in its order: frauds and fraud
    # rate per window, labels in the longest window, the amount over the merchant's typical amount.
    *(f"merchant_known_frauds_{w}" for w in MERCHANT_WINDOWS),
    *(f"merchant_fraud_rate_{w}" for w in MERCHANT_WINDOWS),
    f"merchant_labels_{LONGEST_MERCHANT_WINDOW}",
    "amount_to_merchant_usual",
    # The customer's spending against their own (features/spend_ratios.py): a window's spend in
    # usual amounts, and the last day's and week's spend against the 30-day pace.
    *(f"spend_{w}_to_usual" for w in SPEND_WINDOWS),
    "spend_24h_to_30d_pace",
    "spend_7d_to_30d_pace",
)
# Left out on purpose, since they did not raise the model's average precision (docs/model.md): the user's share
# of transactions in the same channel over 30 days, and the count of the user's earlier transactions.
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
# The compiled kernel writes every column before the channel flags; Python writes the rest.
KERNEL_COLUMNS = FEATURE_INDEX[f"channel_{CHANNEL_FLAGS[0]}"]
MERCHANT_AT = FEATURE_INDEX[f"merchant_known_frauds_{next(iter(MERCHANT_WINDOWS))}"]
SPEND_AT = FEATURE_INDEX[f"spend_{SPEND_WINDOWS[0]}_to_usual"]

# What the model is trained on: every feature but those that do not carry over from one history to
# another (docs/model.md, "Held out"). Amounts and sums are in the transaction's own currency (the
# ratios to the customer's and the merchant's own amounts say the same without it); counts of labels
# at a merchant grow with its traffic (the fraud rates do not); a day's fraud rate rests on a few
# labels, often one (0 or 1). They stay features: rules, reasons and the baselines read them.
NOT_MODEL_FEATURES = frozenset(
    {
        "amount",
        *(f"sum_{w}" for w in SUM_WINDOWS),
        *(f"merchant_known_frauds_{w}" for w in MERCHANT_WINDOWS),
        f"merchant_labels_{LONGEST_MERCHANT_WINDOW}",
        "merchant_fraud_rate_1d",
    }
)
MODEL_FEATURE_NAMES: tuple[str, ...] = tuple(n for n in FEATURE_NAMES if n not in NOT_MODEL_FEATURES)
MODEL_COLUMNS = [FEATURE_INDEX[n] for n in MODEL_FEATURE_NAMES]

# Sentinels, chosen so a tree can split them off and a person reading the features understands them.
NO_LOCATION = -1.0  # distance or speed when either side has no coordinates
CAPPED_GAP_SECONDS = STATE_HORIZON_SECONDS  # "no earlier transaction in the last 30 days"
