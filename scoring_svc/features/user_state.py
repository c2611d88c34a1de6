"""What the feature engine remembers about one user: the last 30 days of transactions (time, amount,
channel, place) and a few running summaries. Small enough to snapshot as JSON."""

from __future__ import annotations

from typing import Any

USUAL_AMOUNT_SPAN = 50  # the usual amount follows about the last 50 transactions
USUAL_PLACE_SPAN = 50
KNOWN_MERCHANTS_CAP = 256
KNOWN_PLACES_CAP = 64


class UserState:
    __slots__ = (
        "times", "amounts", "points",
        "seen", "mean_log_amount", "var_log_amount",
        "located", "vx", "vy", "vz",
        "merchants", "places", "latest",
    )

    def __init__(self) -> None:
        # Parallel lists sorted by event time, pruned to the longest window. A point is the place
        # as a unit vector (x, y, z), so distances need no trigonometry; None when not located.
        self.times: list[float] = []
        self.amounts: list[float] = []
        self.points: list[tuple[float, float, float] | None] = []
        self.seen = 0  # transactions ever folded in
        self.mean_log_amount = 0.0  # exponentially weighted mean and variance of log(amount)
        self.var_log_amount = 0.0
        self.located = 0  # transactions with coordinates ever folded in
        self.vx = self.vy = self.vz = 0.0  # weighted mean of unit vectors: the usual location
        self.merchants: dict[str, float] = {}  # merchant -> last time seen, oldest first
        self.places: dict[str, float] = {}
        self.latest = float("-inf")

    def copy(self) -> UserState:
        twin = UserState.__new__(UserState)
        for name in UserState.__slots__:
            value = getattr(self, name)
            setattr(twin, name, value.copy() if isinstance(value, (list, dict)) else value)
        return twin

    def to_json(self) -> dict[str, Any]:
        return {
            "times": self.times, "amounts": self.amounts,
            "points": self.points, "seen": self.seen,
            "mean_log_amount": self.mean_log_amount, "var_log_amount": self.var_log_amount,
            "located": self.located, "v": [self.vx, self.vy, self.vz],
            "merchants": self.merchants, "places": self.places,
            "latest": self.latest if self.latest != float("-inf") else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserState:
        state = cls()
        state.times = [float(t) for t in data["times"]]
        state.amounts = [float(a) for a in data["amounts"]]
        state.points = [None if p is None else (float(p[0]), float(p[1]), float(p[2])) for p in data["points"]]
        state.seen = int(data["seen"])
        state.mean_log_amount = float(data["mean_log_amount"])
        state.var_log_amount = float(data["var_log_amount"])
        state.located = int(data["located"])
        state.vx, state.vy, state.vz = (float(v) for v in data["v"])
        state.merchants = {str(k): float(v) for k, v in data["merchants"].items()}
        state.places = {str(k): float(v) for k, v in data["places"].items()}
        state.latest = float("-inf") if data["latest"] is None else float(data["latest"])
        return state
