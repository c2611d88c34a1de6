"""The one feature computation, used by training (over a sorted history) and by the scorer (over
live per-user state). Everything is in event time, and a transaction only ever sees what happened
before it: its own label never, other labels only once they were known.

Python turns a batch of events into plain arrays (times, hashed merchant, place and transaction
keys) and adds what needs Python objects (channel, merchant risk); the per-user arithmetic runs
compiled, in `kernel.py`, over the columnar state of `user_table.py`, and the spend ratios are read
off its columns afterwards (`spend_ratios.py`). An event whose transaction the
user's state has folded in already is scored without being folded again (exactly once, whether it
is delivered twice, replayed, or met again in a snapshot's user)."""

from __future__ import annotations

import io
import json
import math
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features.kernel import hash_ids, observe_events
from fraudmodel.features.merchant_risk import NOTHING_KNOWN, MerchantRisk
from fraudmodel.features.names import (
    CHANNEL_FLAGS,
    COUNT_WINDOWS,
    FEATURE_NAMES,
    KERNEL_COLUMNS,
    MERCHANT_AT,
    MERCHANT_COLUMNS,
    SPEND_AT,
    SPEND_WINDOWS,
    SUM_WINDOWS,
    WINDOW_STEPS,
    WINDOWS,
)
from fraudmodel.features.spend_ratios import write_spend_ratios
from fraudmodel.features.user_table import UserTable

_CHANNEL_CODES = {name: i for i, name in enumerate(CHANNEL_FLAGS)}  # anything else: no flag set
_NO_CHANNEL = len(CHANNEL_FLAGS)
_MERCHANT_END = MERCHANT_AT + MERCHANT_COLUMNS
_WIDTHS = np.array([span / WINDOW_STEPS for span in WINDOWS.values()], dtype=np.float64)
_PRUNE_MERCHANTS_EVERY = 20_000
_PLACE_MEMO_CAP = 100_000
SNAPSHOT_FORMAT = 4  # 3: each user's latest transaction ids; 4: legitimate labels and amounts in merchant risk

# The kernel writes amount (3), clock (2), one count per window, one sum per window but the
# shortest, then gap, three distances and two novelty flags, in FEATURE_NAMES order.
assert tuple(WINDOWS) == COUNT_WINDOWS and tuple(WINDOWS)[1:] == SUM_WINDOWS
assert 5 + len(COUNT_WINDOWS) + len(SUM_WINDOWS) + 6 == KERNEL_COLUMNS
assert KERNEL_COLUMNS + len(CHANNEL_FLAGS) == MERCHANT_AT and SPEND_AT == _MERCHANT_END
assert len(FEATURE_NAMES) == SPEND_AT + len(SPEND_WINDOWS) + 2


def place_key(event: TxnEvent) -> str | None:
    if event.city:
        return f"{event.city.strip().casefold()}|{event.country.strip().casefold()}"
    if event.lat is not None and event.lon is not None:
        return f"{round(event.lat * 2) / 2}|{round(event.lon * 2) / 2}"  # half-degree cell
    return None


def key_hash(key: str) -> int:
    """A stable 32-bit key for a merchant or place (0 is kept for "none")."""
    return zlib.crc32(key.encode()) or 1


class FeatureEngine:
    """Per-user state plus merchant risk. `observe` = features of events, then fold them in."""

    def __init__(self, users: UserTable | None = None, merchant_risk: MerchantRisk | None = None) -> None:
        self.users = users if users is not None else UserTable()
        self.merchant_risk = merchant_risk if merchant_risk is not None else MerchantRisk()
        self._since_prune = 0
        self._place_keys: dict[tuple[str, str], int] = {}  # memo of the place key by (city, country)

    # -- state ---------------------------------------------------------------------------------
    def knows_user(self, user_id: str) -> bool:
        return user_id in self.users

    def warm(self, user_id: str, history: Sequence[TxnEvent]) -> None:
        """Fold a user's history (oldest first) into their state; merchant risk is left alone. The
        user is known afterwards even with no history, so nobody looks it up twice."""
        self.users.slot(user_id)
        if history:
            self._run(history, self.users, merchant_risk=False)

    def forget_partitions(self, partitions: set[int]) -> int:
        """Forgets the users last seen on these partitions (they are warmed again when next met);
        returns how many."""
        return self.users.forget_partitions(partitions)

    def record_label(
        self, transaction_id: str, merchant_id: str, is_fraud: bool, labelled_at: float, amount: float
    ) -> None:
        """A label (fraud or legitimate) of a transaction at `merchant_id` of `amount`, known from `labelled_at`."""
        self.merchant_risk.record_label(transaction_id, merchant_id, is_fraud, labelled_at, amount)

    def snapshot(self) -> bytes:
        """Per-user columns and merchant risk as one .npz (plain arrays only: loading it unpickles nothing)."""
        arrays = self.users.to_arrays()
        meta = json.dumps({"format": SNAPSHOT_FORMAT, "merchant_risk": self.merchant_risk.snapshot()})
        out = io.BytesIO()
        np.savez(out, allow_pickle=False, meta=np.frombuffer(meta.encode(), dtype=np.uint8), **arrays)
        return out.getvalue()

    @classmethod
    def restore(cls, snapshot: bytes, max_users: int | None = None) -> FeatureEngine:
        with np.load(io.BytesIO(snapshot), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop("meta").tobytes())
        if meta.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"state snapshot format {meta.get('format')!r} is not {SNAPSHOT_FORMAT}")
        return cls(UserTable.from_arrays(arrays, max_users), MerchantRisk.restore(meta["merchant_risk"]))

    # -- computation ---------------------------------------------------------------------------
    def observe(
        self,
        events: Sequence[TxnEvent],
        *,
        what_if: bool = False,
        before_each: Callable[[float], None] | None = None,
        partitions: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Feature rows (FEATURE_NAMES order) of `events`, each from what came before it (earlier
        events of the same batch included), then folded into the state. With `what_if`, the state
        is a scratch copy and nothing of the engine changes. `before_each(t)` runs before each event
        is computed (the offline path releases labels known by then). `partitions`, one per event,
        are the Kafka partitions the events were read from, kept in their users' rows."""
        if what_if:
            scratch = self.users.copy_of({e.user_id for e in events})
            return self._run(events, scratch, merchant_risk=True, advance=False)
        return self._run(events, self.users, merchant_risk=True, before_each=before_each, partitions=partitions)

    def _run(
        self,
        events: Sequence[TxnEvent],
        users: UserTable,
        *,
        merchant_risk: bool,
        advance: bool = True,
        before_each: Callable[[float], None] | None = None,
        partitions: Sequence[int] | None = None,
    ) -> np.ndarray:
        n = len(events)
        out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
        slots = np.empty(n, np.int64)
        times = np.empty(n, np.float64)
        amounts = np.empty(n, np.float64)
        lats = np.full(n, math.nan)
        lons = np.full(n, math.nan)
        merchants = np.zeros(n, np.uint32)
        places = np.zeros(n, np.uint32)
        channels = np.empty(n, np.int64)
        ids = [e.transaction_id.encode() for e in events]
        slot_of = users.slot
        risk = self.merchant_risk
        out[:, MERCHANT_AT:_MERCHANT_END] = NOTHING_KNOWN  # written over below for merchants with labels
        for i, e in enumerate(events):
            t = e.occurred_at.timestamp()
            slots[i] = slot_of(e.user_id)
            times[i] = t
            amounts[i] = e.amount
            if e.lat is not None and e.lon is not None:
                lats[i] = e.lat
                lons[i] = e.lon
            if e.merchant_id:
                merchants[i] = key_hash(e.merchant_id)
            places[i] = self._place_hash(e)
            channels[i] = _CHANNEL_CODES.get(e.channel, _NO_CHANNEL)
            if merchant_risk and before_each is not None:
                # Labels are released between events here, so each event is looked up in turn.
                before_each(t)
                known = risk.features(e.merchant_id, t, e.amount)
                if known is not NOTHING_KNOWN:
                    out[i, MERCHANT_AT:_MERCHANT_END] = known
                if advance:
                    risk.advance(t)
        if merchant_risk and before_each is None and n:
            # No label can arrive within the batch (the scorer holds its lock), so the whole batch is
            # looked up at once and the latest event time is the one advance() would keep.
            positions, rows = risk.features_of_batch([e.merchant_id for e in events], times.tolist(), amounts.tolist())
            if rows:
                out[positions, MERCHANT_AT:_MERCHANT_END] = rows
            if advance:
                risk.advance(float(times.max()))
        id_hashes = hash_ids(np.frombuffer(b"".join(ids), np.uint8), np.cumsum([len(i) for i in ids], dtype=np.int64))
        observe_events(
            slots, times, amounts, lats, lons, merchants, places, id_hashes, _WIDTHS, out, *users.kernel_arrays()
        )
        if partitions is not None:
            users.partitions[slots] = partitions
        write_spend_ratios(out)
        flagged = channels < _NO_CHANNEL
        out[np.flatnonzero(flagged), KERNEL_COLUMNS + channels[flagged]] = 1.0
        if advance and merchant_risk:
            self._since_prune += n
            if self._since_prune >= _PRUNE_MERCHANTS_EVERY:
                self._since_prune = 0
                risk.prune()
        return out

    def _place_hash(self, event: TxnEvent) -> int:
        if not event.city:
            key = place_key(event)
            return 0 if key is None else key_hash(key)
        memo = (event.city, event.country)
        found = self._place_keys.get(memo)
        if found is None:
            if len(self._place_keys) > _PLACE_MEMO_CAP:
                self._place_keys.clear()
            found = self._place_keys[memo] = key_hash(place_key(event))  # type: ignore[arg-type]
        return found
