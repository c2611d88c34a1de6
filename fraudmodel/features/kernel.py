"""The per-event arithmetic of the feature engine, compiled with numba: for each event in turn, its
features from the user's state so far, then the event folded into that state. Python prepares the
inputs (times, hashed merchant and place keys) and fills the columns that need Python objects
(channel, merchant risk); everything per user lives in the columnar arrays of `UserTable`.

Windows are sliding windows that move in twelve steps: a window of span S keeps twelve buckets of
S/12 each, and "the last hour" is the current 5-minute bucket and the eleven before it. Counts and
sums therefore cover between 11/12 and all of the span, never more, at a fixed cost per user.

An event whose transaction id is among the user's latest ones (user_table.RECENT_IDS) was folded in
already: it is delivered again. Its features are computed from the state as it stands, as a what-if
would be, and the state is left as it is, so a payment counts once however often it arrives."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from fraudmodel.features.names import (
    CAPPED_GAP_SECONDS,
    NO_LOCATION,
    STATE_HORIZON_SECONDS,
    WINDOW_STEPS,
)
from fraudmodel.geo import EARTH_RADIUS_KM

# Columns of UserTable.reals and .ints (the order is the snapshot format's too).
MEAN_LOG, VAR_LOG, VX, VY, VZ, LATEST, PREV_T, PX, PY, PZ = range(10)
REAL_COLUMNS = 10
SEEN, LOCATED = range(2)
INT_COLUMNS = 2
EMPTY_HEAD = -(2**30)  # bucket number of a window that has seen nothing

MIN_AMOUNT = 0.01  # guards log() against zero amounts in imported history
MIN_TRAVEL_SECONDS = 60.0  # two transactions in the same minute do not imply infinite speed
USUAL_AMOUNT_SPAN = 50  # the usual amount follows about the last 50 transactions
USUAL_PLACE_SPAN = 50
_AMOUNT_ALPHA_FLOOR = 2.0 / (USUAL_AMOUNT_SPAN + 1)
_PLACE_ALPHA_FLOOR = 2.0 / (USUAL_PLACE_SPAN + 1)
_DEG = math.pi / 180.0
_STEPS = WINDOW_STEPS
_COUNT_MAX = np.iinfo(np.uint16).max

# The dtypes of the columns (see user_table.COLUMNS) and of the per-event inputs. numba reads none of
# these annotations: it compiles one specialisation for the argument types it is called with.
_Reals = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int32]
_Keys = npt.NDArray[np.uint32]
_KeyLengths = npt.NDArray[np.uint8]
_Hashes = npt.NDArray[np.uint64]

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True)
def hash_ids(data: npt.NDArray[np.uint8], ends: npt.NDArray[np.int64]) -> _Hashes:
    """64-bit FNV-1a hashes of ids laid end to end in `data` (id i ends at ends[i]); 0 for an empty
    id, which never matches. Stable across processes, unlike Python's hash(), so snapshots keep them."""
    out = np.zeros(ends.shape[0], np.uint64)
    start = 0
    for i in range(ends.shape[0]):
        end = ends[i]
        if end > start:
            h = _FNV_OFFSET
            for j in range(start, end):
                h = (h ^ np.uint64(data[j])) * _FNV_PRIME
            out[i] = h if h != 0 else np.uint64(1)
        start = end
    return out


@njit(cache=True)
def _seen_id(recent_ids: _Hashes, s: int, key: np.uint64) -> bool:
    for j in range(recent_ids.shape[1]):  # noqa: SIM110 (a plain loop compiles to one)
        if recent_ids[s, j] == key:
            return True
    return False


@njit(cache=True)
def _km_between(ax: float, ay: float, az: float, bx: float, by: float, bz: float) -> float:
    """Great-circle distance between two unit vectors (atan2 form: accurate at tiny and huge angles)."""
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    return EARTH_RADIUS_KM * math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)


@njit(cache=True)
def _holds(keys: _Keys, lengths: _KeyLengths, s: int, column: int, key: int) -> bool:
    # A plain loop on purpose: numba compiles it to one, where any(<generator>) would build a generator.
    for j in range(lengths[s, column]):  # noqa: SIM110
        if keys[s, j] == key:
            return True
    return False


@njit(cache=True)
def _remember(keys: _Keys, lengths: _KeyLengths, s: int, column: int, key: int) -> None:
    """Most recently used keys, oldest first: a key seen again moves to the end; when full, the
    oldest falls off."""
    n = np.int64(lengths[s, column])
    at = -1
    for j in range(n):
        if keys[s, j] == key:
            at = j
            break
    if at == -1:
        if n < keys.shape[1]:
            keys[s, n] = key
            lengths[s, column] = n + 1
            return
        at = 0
    for j in range(at, n - 1):
        keys[s, j] = keys[s, j + 1]
    keys[s, n - 1] = key


@njit(cache=True)
def observe_events(
    slots: npt.NDArray[np.int64],
    times: _Reals,
    amounts: _Reals,
    lats: _Reals,
    lons: _Reals,
    merchant_keys: _Keys,
    place_keys: _Keys,
    id_hashes: _Hashes,
    widths: _Reals,
    out: _Reals,
    counts: npt.NDArray[np.uint16],
    sums: npt.NDArray[np.float32],
    heads: _Ints,
    reals: _Reals,
    ints: _Ints,
    merchants: _Keys,
    places: _Keys,
    key_lengths: _KeyLengths,
    recent_ids: _Hashes,
    recent_next: _KeyLengths,
) -> None:
    """Writes columns [0, KERNEL_COLUMNS) of `out` for each event, in order, and folds each event
    into its user's row `slots[i]`, unless its id hash is among the row's recent ones. A merchant,
    place or id key of 0 means none."""
    n_windows = widths.shape[0]
    for i in range(slots.shape[0]):
        s = slots[i]
        t = times[i]
        amount = amounts[i] if amounts[i] > MIN_AMOUNT else MIN_AMOUNT
        log_amount = math.log(amount)
        located_now = not (math.isnan(lats[i]) or math.isnan(lons[i]))
        ex = ey = ez = 0.0
        if located_now:
            phi = lats[i] * _DEG
            lmb = lons[i] * _DEG
            c = math.cos(phi)
            ex, ey, ez = c * math.cos(lmb), c * math.sin(lmb), math.sin(phi)
        seen = ints[s, SEEN]
        located = ints[s, LOCATED]
        row = out[i]

        # Amount against this user's usual (geometric) amount.
        mean_log = reals[s, MEAN_LOG]
        var_log = reals[s, VAR_LOG]
        row[0] = amount
        if seen > 0:
            row[1] = amount / math.exp(mean_log)
            spread = math.sqrt(var_log) if var_log > 0.01 else 0.1
            row[2] = (log_amount - mean_log) / spread if seen > 1 else 0.0
        else:
            row[1] = 1.0
            row[2] = 0.0

        # Local clock: by the user's usual longitude (their home time zone, roughly), else the event's.
        if located > 0:
            offset = math.atan2(reals[s, VY], reals[s, VX]) / _DEG * 240.0  # seconds per degree
        elif located_now:
            offset = lons[i] * 240.0
        else:
            offset = 0.0
        local = t + offset
        row[3] = (local % 86400.0) / 3600.0
        row[4] = float((math.floor(local / 86400.0) + 3) % 7)  # 1970-01-01 was a Thursday

        # Windows, the current transaction included: buckets numbered (b - STEPS, b] that this
        # user's ring still holds, (head - STEPS, head].
        for w in range(n_windows):
            b = np.int64(math.floor(t / widths[w]))
            head = np.int64(heads[s, w])
            count = 1.0
            total = amount
            for number in range(max(b, head) - _STEPS + 1, min(b, head) + 1):
                k = number % _STEPS
                count += counts[s, w, k]
                if w > 0:
                    total += sums[s, w - 1, k]
            row[5 + w] = count
            if w > 0:
                row[5 + n_windows + w - 1] = total
        base = 4 + 2 * n_windows  # first column after the windows

        latest = reals[s, LATEST]
        if seen == 0 or t - latest >= CAPPED_GAP_SECONDS:
            row[base] = CAPPED_GAP_SECONDS
        else:
            row[base] = t - latest if t > latest else 0.0  # 0 when a later event came in first

        # Distances: from the usual location, and from the latest earlier transaction with coordinates.
        km_usual = km_prev = speed = NO_LOCATION
        if located_now:
            if located > 0:
                vx, vy, vz = reals[s, VX], reals[s, VY], reals[s, VZ]
                norm = math.sqrt(vx * vx + vy * vy + vz * vz)
                if norm == 0.0:
                    norm = 1.0
                km_usual = _km_between(ex, ey, ez, vx / norm, vy / norm, vz / norm)
            prev_t = reals[s, PREV_T]
            if t - prev_t <= STATE_HORIZON_SECONDS:
                km_prev = _km_between(ex, ey, ez, reals[s, PX], reals[s, PY], reals[s, PZ])
                gap = t - prev_t
                speed = km_prev / ((gap if gap > MIN_TRAVEL_SECONDS else MIN_TRAVEL_SECONDS) / 3600.0)
        row[base + 1] = km_usual
        row[base + 2] = km_prev
        row[base + 3] = speed
        merchant = merchant_keys[i]
        place = place_keys[i]
        row[base + 4] = 0.0 if merchant != 0 and _holds(merchants, key_lengths, s, 0, merchant) else 1.0
        row[base + 5] = 0.0 if place == 0 or _holds(places, key_lengths, s, 1, place) else 1.0

        transaction = id_hashes[i]
        if transaction != 0:
            if _seen_id(recent_ids, s, transaction):
                continue  # delivered again: scored, not folded twice
            at = recent_next[s]
            recent_ids[s, at] = transaction
            recent_next[s] = (at + 1) % recent_ids.shape[1]

        # Fold the event in.
        for w in range(n_windows):
            b = np.int64(math.floor(t / widths[w]))
            head = np.int64(heads[s, w])
            if b > head:
                for number in range(max(head + 1, b - _STEPS + 1), b + 1):
                    k = number % _STEPS
                    counts[s, w, k] = 0
                    if w > 0:
                        sums[s, w - 1, k] = 0.0
                heads[s, w] = b
                head = b
            if b > head - _STEPS:
                bucket = b % _STEPS  # the event's own bucket
                if counts[s, w, bucket] < _COUNT_MAX:
                    counts[s, w, bucket] += 1
                if w > 0:
                    sums[s, w - 1, bucket] += amount
        if t > latest or seen == 0:
            reals[s, LATEST] = t

        alpha = 1.0 / (seen + 1)
        if alpha < _AMOUNT_ALPHA_FLOOR:
            alpha = _AMOUNT_ALPHA_FLOOR
        diff = log_amount - mean_log
        increment = alpha * diff
        reals[s, MEAN_LOG] = mean_log + increment
        reals[s, VAR_LOG] = (1.0 - alpha) * (var_log + diff * increment)
        ints[s, SEEN] = seen + 1

        if located_now:
            beta = 1.0 / (located + 1)
            if beta < _PLACE_ALPHA_FLOOR:
                beta = _PLACE_ALPHA_FLOOR
            reals[s, VX] += beta * (ex - reals[s, VX])
            reals[s, VY] += beta * (ey - reals[s, VY])
            reals[s, VZ] += beta * (ez - reals[s, VZ])
            ints[s, LOCATED] = located + 1
            if t >= reals[s, PREV_T]:
                reals[s, PREV_T] = t
                reals[s, PX] = ex
                reals[s, PY] = ey
                reals[s, PZ] = ez
        if merchant != 0:
            _remember(merchants, key_lengths, s, 0, merchant)
        if place != 0:
            _remember(places, key_lengths, s, 1, place)
