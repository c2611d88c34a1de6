"""Event-time features shared by training and serving (see engine.py)."""

from fraudmodel.features.engine import FeatureEngine
from fraudmodel.features.names import FEATURE_INDEX, FEATURE_NAMES
from fraudmodel.features.offline import DEFAULT_LABEL_DELAY, compute_features, label_known_at

__all__ = [
    "DEFAULT_LABEL_DELAY",
    "FEATURE_INDEX",
    "FEATURE_NAMES",
    "FeatureEngine",
    "compute_features",
    "label_known_at",
]
