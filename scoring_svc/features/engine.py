"""The one feature computation, used by training (over a sorted history) and by the scorer (over
live per-user state). Everything is in event time, and a transaction only ever sees what happened
before it: its own label never, other labels only once they were known."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

from scoring_svc.events import TxnEvent
from scoring_svc.features.merchant_risk import MerchantRisk
from scoring_svc.features.names import (
    CAPPED_GAP_SECONDS,
    CHANNEL_FLAGS,
    COUNT_WINDOWS,
    FEATURE_NAMES,
    NO_LOCATION,
    STATE_HORIZON_SECONDS,
    SUM_WINDOWS,
    WINDOWS,
)
from scoring_svc.features.user_state import (
    KNOWN_MERCHANTS_CAP,
    KNOWN_PLACES_CAP,
    USUAL_AMOUNT_SPAN,
    USUAL_PLACE_SPAN,
    UserState,
)
from scoring_svc.geo import EARTH_RADIUS_KM

_CHANNEL_CODES = {name: i for i, name in enumerate((*CHANNEL_FLAGS, "unspecified"))}
_UNSPECIFIED = _CHANNEL_CODES["unspecified"]
_ONE_HOT = tuple(
    tuple(1.0 if i == code else 0.0 for i in range(len(CHANNEL_FLAGS))) for code in range(len(_CHANNEL_CODES))
)
_COUNT_SPANS = tuple(WINDOWS[w] for w in COUNT_WINDOWS)
_SUM_SPANS = tuple(WINDOWS[w] for w in SUM_WINDOWS)
_ALL_SPANS = tuple(sorted({*_COUNT_SPANS, *_SUM_SPANS}))  # shortest first
_COUNT_AT = tuple(_ALL_SPANS.index(span) for span in _COUNT_SPANS)
_SUM_AT = tuple(_ALL_SPANS.index(span) for span in _SUM_SPANS)
_MIN_AMOUNT = 0.01  # guards log() against zero amounts in imported history
_MIN_TRAVEL_SECONDS = 60.0  # two transactions in the same minute do not imply infinite speed
_AMOUNT_ALPHA_FLOOR = 2.0 / (USUAL_AMOUNT_SPAN + 1)
_PLACE_ALPHA_FLOOR = 2.0 / (USUAL_PLACE_SPAN + 1)
_DEG = math.pi / 180.0
_PRUNE_MERCHANTS_EVERY = 20_000
_PLACE_MEMO_CAP = 100_000

assert len(FEATURE_NAMES) == 5 + len(COUNT_WINDOWS) + len(SUM_WINDOWS) + 6 + len(CHANNEL_FLAGS) + 2


def place_key(event: TxnEvent) -> str | None:
    if event.city:
        return f"{event.city.strip().casefold()}|{event.country.strip().casefold()}"
    if event.lat is not None and event.lon is not None:
        return f"{round(event.lat * 2) / 2}|{round(event.lon * 2) / 2}"  # half-degree cell
    return None


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi = lat * _DEG
    lmb = lon * _DEG
    c = math.cos(phi)
    return c * math.cos(lmb), c * math.sin(lmb), math.sin(phi)


def _km_between(ax: float, ay: float, az: float, bx: float, by: float, bz: float) -> float:
    """Great-circle distance between two unit vectors (atan2 form: accurate at tiny and huge angles)."""
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    return EARTH_RADIUS_KM * math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)


class FeatureEngine:
    """Per-user state plus merchant risk. `observe` = features of an event, then fold it in."""

    def __init__(self) -> None:
        self.users: dict[str, UserState] = {}
        self.merchant_risk = MerchantRisk()
        self._since_prune = 0
        self._place_keys: dict[tuple[str, str], str] = {}  # memo of place_key by (city, country)

    # -- state ---------------------------------------------------------------------------------
    def knows_user(self, user_id: str) -> bool:
        return user_id in self.users

    def warm(self, user_id: str, history: Sequence[TxnEvent]) -> None:
        state = self.users.setdefault(user_id, UserState())
        for event in history:
            point = _unit(event.lat, event.lon) if event.lat is not None and event.lon is not None else None
            self._fold(state, event, event.occurred_at.timestamp(), point, place_key(event))

    def record_label(self, transaction_id: str, merchant_id: str, is_fraud: bool, labelled_at: float) -> None:
        self.merchant_risk.record_label(transaction_id, merchant_id, is_fraud, labelled_at)

    def snapshot(self) -> dict[str, Any]:
        return {
            "users": {uid: s.to_json() for uid, s in self.users.items()},
            "merchant_risk": self.merchant_risk.snapshot(),
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> FeatureEngine:
        engine = cls()
        engine.users = {uid: UserState.from_json(s) for uid, s in data["users"].items()}
        engine.merchant_risk = MerchantRisk.restore(data["merchant_risk"])
        return engine

    # -- computation ---------------------------------------------------------------------------
    def observe(self, event: TxnEvent, state: UserState | None = None) -> list[float]:
        """Features of `event` from what came before it, then the event is folded into `state`
        (by default the engine's own state for that user; a given state is a what-if scratch copy,
        and then nothing of the engine itself changes)."""
        own = state is None
        if state is None:
            state = self.users.get(event.user_id)
            if state is None:
                state = self.users[event.user_id] = UserState()
        t = event.occurred_at.timestamp()
        point = _unit(event.lat, event.lon) if event.lat is not None and event.lon is not None else None
        if event.city:
            key = self._place_keys.get((event.city, event.country))
            if key is None:
                if len(self._place_keys) > _PLACE_MEMO_CAP:
                    self._place_keys.clear()
                key = self._place_keys[(event.city, event.country)] = place_key(event)
        else:
            key = place_key(event)
        row = self._features(state, event, t, point, key)
        self._fold(state, event, t, point, key)
        if own:
            self.merchant_risk.advance(t)
            self._since_prune += 1
            if self._since_prune >= _PRUNE_MERCHANTS_EVERY:
                self._since_prune = 0
                self.merchant_risk.prune()
        return row

    def _features(
        self, s: UserState, e: TxnEvent, t: float, point: tuple[float, float, float] | None, key: str | None
    ) -> list[float]:
        amount = e.amount if e.amount > _MIN_AMOUNT else _MIN_AMOUNT
        times = s.times
        hi = bisect.bisect_right(times, t)

        # Amount against this user's usual (geometric) amount.
        if s.seen:
            amount_to_usual = amount / math.exp(s.mean_log_amount)
            spread = math.sqrt(s.var_log_amount) if s.var_log_amount > 0.01 else 0.1
            amount_z = (math.log(amount) - s.mean_log_amount) / spread if s.seen > 1 else 0.0
        else:
            amount_to_usual, amount_z = 1.0, 0.0

        # Local clock: by the user's usual longitude (their home time zone, roughly), else the event's.
        if s.located:
            offset = math.atan2(s.vy, s.vx) / _DEG * 240.0  # seconds per degree of longitude
        elif e.lon is not None:
            offset = e.lon * 240.0
        else:
            offset = 0.0
        local = t + offset
        row = [
            amount,
            amount_to_usual,
            amount_z,
            (local % 86400.0) / 3600.0,
            float((int(local // 86400.0) + 3) % 7),  # 1970-01-01 was a Thursday (Monday = 0)
        ]

        # Windows (t - span, t], the current transaction included. Spans are nested, so each sum
        # adds only the slice between its start and the next shorter window's start.
        bisect_right = bisect.bisect_right
        starts = [bisect_right(times, t - span, 0, hi) for span in _ALL_SPANS]
        amounts = s.amounts
        sums = []
        total = amount
        upper = hi
        for lo in starts:
            total += sum(amounts[lo:upper])
            upper = lo
            sums.append(total)
        row.extend([float(hi - starts[i] + 1) for i in _COUNT_AT])
        row.extend([sums[i] for i in _SUM_AT])

        row.append(min(t - times[hi - 1], CAPPED_GAP_SECONDS) if hi else CAPPED_GAP_SECONDS)

        # Distances: from the usual location, and from the latest earlier transaction with coordinates.
        km_usual = km_prev = speed = NO_LOCATION
        if point is not None:
            ex, ey, ez = point
            if s.located:
                norm = math.sqrt(s.vx * s.vx + s.vy * s.vy + s.vz * s.vz) or 1.0
                km_usual = _km_between(ex, ey, ez, s.vx / norm, s.vy / norm, s.vz / norm)
            points = s.points
            j = hi - 1
            while j >= 0 and points[j] is None:
                j -= 1
            if j >= 0:
                px, py, pz = points[j]  # type: ignore[misc]
                km_prev = _km_between(ex, ey, ez, px, py, pz)
                gap = t - times[j]
                speed = km_prev / ((gap if gap > _MIN_TRAVEL_SECONDS else _MIN_TRAVEL_SECONDS) / 3600.0)
        row.append(km_usual)
        row.append(km_prev)
        row.append(speed)

        row.append(0.0 if e.merchant_id and e.merchant_id in s.merchants else 1.0)
        row.append(0.0 if key is None or key in s.places else 1.0)

        code = _CHANNEL_CODES.get(e.channel, _UNSPECIFIED)
        row.extend(_ONE_HOT[code])

        row.extend(self.merchant_risk.known_frauds(e.merchant_id, t))
        return row

    @staticmethod
    def _fold(s: UserState, e: TxnEvent, t: float, point: tuple[float, float, float] | None, key: str | None) -> None:
        amount = e.amount if e.amount > _MIN_AMOUNT else _MIN_AMOUNT
        i = bisect.bisect_right(s.times, t)
        s.times.insert(i, t)
        s.amounts.insert(i, amount)
        s.points.insert(i, point)
        if t > s.latest:
            s.latest = t
        cutoff = s.latest - STATE_HORIZON_SECONDS
        if s.times[0] <= cutoff:
            drop = bisect.bisect_right(s.times, cutoff)
            del s.times[:drop], s.amounts[:drop], s.points[:drop]

        alpha = 1.0 / (s.seen + 1)
        if alpha < _AMOUNT_ALPHA_FLOOR:
            alpha = _AMOUNT_ALPHA_FLOOR
        diff = math.log(amount) - s.mean_log_amount
        increment = alpha * diff
        s.mean_log_amount += increment
        s.var_log_amount = (1.0 - alpha) * (s.var_log_amount + diff * increment)
        s.seen += 1

        if point is not None:
            beta = 1.0 / (s.located + 1)
            if beta < _PLACE_ALPHA_FLOOR:
                beta = _PLACE_ALPHA_FLOOR
            ux, uy, uz = point
            s.vx += beta * (ux - s.vx)
            s.vy += beta * (uy - s.vy)
            s.vz += beta * (uz - s.vz)
            s.located += 1

        if e.merchant_id:
            _remember(s.merchants, e.merchant_id, t, KNOWN_MERCHANTS_CAP)
        if key is not None:
            _remember(s.places, key, t, KNOWN_PLACES_CAP)


def _remember(seen: dict[str, float], key: str, t: float, cap: int) -> None:
    """Keep the most recently used keys: re-inserting moves a key to the end; the oldest falls off."""
    seen.pop(key, None)
    seen[key] = t
    if len(seen) > cap:
        del seen[next(iter(seen))]
