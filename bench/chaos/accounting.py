"""What one fault cost, from what the load generator, PostgreSQL and the resuming WebSocket client
saw. Pure arithmetic over those records, so each figure's definition is here, once, and tested.

- accepted: requests answered 201 with a transaction id; refused: every other answer (an error
  status, a refused connection, a timeout): the client knows it was not taken.
- decided: accepted transactions with their row in PostgreSQL; lost: accepted ones without.
- stored twice: accepted transactions with more than one row in PostgreSQL.
- stored unanswered: rows the phase added beyond its decided transactions: submissions whose client
  got an error or no answer but which went through anyway (a retry with the same idempotency key
  would find them; without one, a user would see a transaction they believe refused).
- on WS missing / twice: decided transactions the resuming client never got / got more than once.
- longest delay: the longest time from a transaction's scheduled send to its decision on the WS.
- first new decision: from the fault's end to the first decision on the WS of a transaction sent
  after it: when the path works again, its backlog aside. None when none came.
- recovery: from the fault's end (the kill, the SIGCONT, the healed link) to the last moment service
  was disturbed in the phase: a refusal answered, or a decision that reached the WS more than
  DISTURBED_S after its scheduled send. 0 when nothing was disturbed after the fault ended; None
  (never) when an accepted transaction never reached the WS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.open_loop import Outcome

# A decision later than this after its scheduled send counts as disturbed service: on this platform a
# decision normally reaches the console in tens of milliseconds.
DISTURBED_S = 1.0


@dataclass(frozen=True)
class PhaseRecord:
    fault: str
    fault_start: float  # monotonic seconds
    fault_end: float
    outcomes: Sequence[Outcome]
    rows_per_id: Mapping[str, int]  # PostgreSQL rows of each accepted id (absent: none)
    rows_added: int  # rows in the transactions table after the phase minus before it
    ws_arrivals: Mapping[str, Sequence[float]]  # monotonic arrival times by transaction id
    restarts: Sequence[str] = ()  # what the keeper restarted during the phase


@dataclass(frozen=True)
class PhaseFigures:
    fault: str
    sent: int
    accepted: int
    refused: int
    decided: int
    lost: int
    stored_twice: int
    stored_unanswered: int
    ws_missing: int
    ws_twice: int
    longest_delay_s: float | None
    first_new_decision_s: float | None
    recovery_s: float | None
    refusals: dict[str, int] = field(default_factory=dict)  # by error kind
    restarts: tuple[str, ...] = ()

    def meets_target(self, recovery_target_s: float) -> bool:
        return (
            self.lost == 0
            and self.stored_twice == 0
            and self.ws_twice == 0
            and self.ws_missing == 0
            and self.recovery_s is not None
            and self.recovery_s < recovery_target_s
        )


def figures(record: PhaseRecord) -> PhaseFigures:
    accepted = [o for o in record.outcomes if o.ok]
    refused = [o for o in record.outcomes if not o.ok]
    decided = [o for o in accepted if record.rows_per_id.get(o.transaction_id, 0) > 0]
    on_ws = [o for o in decided if record.ws_arrivals.get(o.transaction_id)]
    delays = [record.ws_arrivals[o.transaction_id][0] - o.intended for o in on_ws]
    return PhaseFigures(
        fault=record.fault,
        sent=len(record.outcomes),
        accepted=len(accepted),
        refused=len(refused),
        decided=len(decided),
        lost=len(accepted) - len(decided),
        stored_twice=sum(1 for o in accepted if record.rows_per_id.get(o.transaction_id, 0) > 1),
        stored_unanswered=max(0, record.rows_added - len({o.transaction_id for o in decided})),
        ws_missing=len(decided) - len(on_ws),
        ws_twice=sum(1 for o in on_ws if len(record.ws_arrivals[o.transaction_id]) > 1),
        longest_delay_s=max(delays) if delays else None,
        first_new_decision_s=first_new_decision(record, on_ws),
        recovery_s=recovery(record, accepted, refused),
        refusals=dict(Counter(o.error for o in refused)),
        restarts=tuple(record.restarts),
    )


def first_new_decision(record: PhaseRecord, on_ws: Sequence[Outcome]) -> float | None:
    after = [record.ws_arrivals[o.transaction_id][0] for o in on_ws if o.intended >= record.fault_end]
    return min(after) - record.fault_end if after else None


def recovery(record: PhaseRecord, accepted: Sequence[Outcome], refused: Sequence[Outcome]) -> float | None:
    """Seconds from the fault's end to the last disturbed moment (see the module's notes)."""
    disturbed = [o.done for o in refused]
    for outcome in accepted:
        arrivals = record.ws_arrivals.get(outcome.transaction_id)
        if not arrivals:
            return None
        if arrivals[0] - outcome.intended > DISTURBED_S:
            disturbed.append(arrivals[0])
    if not disturbed:
        return 0.0
    return max(0.0, max(disturbed) - record.fault_end)
