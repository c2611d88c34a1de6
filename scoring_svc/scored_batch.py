"""One batch on its way through scoring: each decision with the record it came from and its span,
and the letters of the records set aside so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import ConsumerRecord
from google.rpc import status_pb2
from opentelemetry import trace

from fraudmesh.dead_letters import DeadLetter, dead_letter
from scoring_svc.failures import HOP
from scoring_svc.peers import DecisionBatch


@dataclass
class ScoredBatch:
    """`records[i]`, `decisions.decisions[i]` and `spans[i]` are one transaction's; a record set
    aside leaves all three and its letter joins `set_aside`."""

    records: list[ConsumerRecord]
    decisions: DecisionBatch
    spans: list[trace.Span]
    set_aside: list[DeadLetter] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)

    def take_out(self, index: int, reason: str, error: status_pb2.Status, attempts: int, at: datetime) -> DeadLetter:
        """Sets transaction `index` aside: it goes no further, and its span ends saying why."""
        record = self.records.pop(index)
        transaction_id = self.decisions.decisions[index].transaction.id
        del self.decisions.decisions[index]
        span = self.spans.pop(index)
        span.set_attribute("fraud.dead_letter.reason", reason)
        span.set_status(trace.Status(trace.StatusCode.ERROR, error.message))
        span.end()
        letter = set_aside(record, reason, error, attempts, at, transaction_id)
        self.set_aside.append(letter)
        return letter


def set_aside(
    record: ConsumerRecord, reason: str, error: status_pb2.Status, attempts: int, at: datetime, transaction_id: str = ""
) -> DeadLetter:
    return dead_letter(
        record, hop=HOP, reason=reason, error=error, attempts=attempts, failed_at=at, transaction_id=transaction_id
    )
