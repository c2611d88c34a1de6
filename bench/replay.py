"""The pool's payments replayed at their generated event times, compressed: ten days of a customer's
spending pass in seconds, yet scoring sees them days apart, as the model was trained to.

Without this, ingest stamps each payment with the time it arrives, so at 1,000/s each of the pool's
customers would pay every second or two and four payments in five would look like a card being
drained. Each run takes the next cycles of event time, so a customer's history only moves forward:
a cycle is the pool's span rounded up to whole weeks, which keeps every payment's weekday and local
hour as the history generator drew them. The first cycle starts five years back, so that every event time
is in the past, as ingest requires."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

from bench.payloads import Payment

log = logging.getLogger(__name__)

WEEK_S = 7 * 86400
HISTORY_WEEKS = 260  # five years: room for 130 cycles of two weeks (2.6 million payments), twice a full `make bench`


class EventReplay:
    """Hands each run the shift that puts the pool's event times after everything sent before it."""

    def __init__(self, payments: Sequence[Payment], now_s: float | None = None, history_weeks: int = HISTORY_WEEKS):
        times = [p.occurred_at_s for p in payments if p.occurred_at_s is not None]
        if not times or len(times) < len(payments):
            raise ValueError("payments: every one needs its generated event time (occurred_at_s)")
        self.pool_size = len(times)
        self._first, last = min(times), max(times)
        self.cycle_s = WEEK_S * math.ceil((last - self._first + 1) / WEEK_S)
        now_s = time.time() if now_s is None else now_s
        self._next_shift_s = WEEK_S * math.floor((now_s - history_weeks * WEEK_S - self._first) / WEEK_S)
        self._exhausted = False

    def shift_for(self, arrivals: int, now_s: float | None = None) -> int | None:
        """The shift (seconds added to each payment's generated time) for a run of `arrivals` payments;
        None once the replay would reach the present, and from then on ingest stamps the times."""
        cycles = max(1, math.ceil(arrivals / self.pool_size))
        shift = self._next_shift_s
        now_s = time.time() if now_s is None else now_s
        if self._exhausted or self._first + shift + cycles * self.cycle_s > now_s:
            if not self._exhausted:
                log.warning("the event-time replay reached the present: from here ingest stamps the event times")
            self._exhausted = True
            return None
        self._next_shift_s += cycles * self.cycle_s
        return shift


def replayed_time(payment: Payment, index: int, pool_size: int, shift_s: int, cycle_s: int) -> int:
    """The event time (UNIX seconds) of arrival `index`, which sends payments[index % pool_size]."""
    assert payment.occurred_at_s is not None  # EventReplay takes only payments that have one
    return payment.occurred_at_s + shift_s + (index // pool_size) * cycle_s
