"""Replaying a dead letter: its transaction goes back through ingest, exactly as it was (same id, same
received_at), and the replay is recorded on the letter. Replaying again is allowed: every later hop
recognises the id, so the transaction is still decided, stored and notified once."""

from __future__ import annotations

from typing import Protocol

from fraud.v1 import dead_letter_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from fraudmesh.errors import FailedPrecondition
from fraudmesh.validation import violations_of
from store_svc.dead_letter_repository import DeadLetterRepository


class Ingest(Protocol):
    async def replay(self, transaction: transaction_pb2.Transaction) -> str: ...


def transaction_of(letter: dead_letter_pb2.DeadLetter) -> transaction_pb2.Transaction:
    """The transaction a letter's payload holds; FailedPrecondition naming why when it holds none
    that ingest could have accepted."""
    name = f"dead letter {letter.id!r}"
    if not letter.payload:
        raise FailedPrecondition(f"{name} has no payload to replay")
    try:
        transaction = transaction_pb2.Transaction.FromString(letter.payload)
    except DecodeError:
        raise FailedPrecondition(f"{name}'s payload is not a fraud.v1.Transaction: it does not decode as one") from None
    missing = [field for field in ("input", "received_at") if not transaction.HasField(field)]
    if missing:
        raise FailedPrecondition(
            f"{name}'s payload is not a transaction ingest accepted: it has no {' and no '.join(missing)}"
        )
    violations = violations_of(transaction)
    if violations:
        broken = "; ".join(str(violation) for violation in violations)
        raise FailedPrecondition(f"{name}'s payload is not a transaction ingest accepted: {broken}")
    return transaction


class DeadLetterReplays:
    def __init__(self, repository: DeadLetterRepository, ingest: Ingest) -> None:
        self._repository = repository
        self._ingest = ingest

    async def replay(self, letter_id: str) -> tuple[dead_letter_pb2.DeadLetter, str]:
        """Sends the letter's transaction back through ingest, then records the replay; returns the
        letter as recorded (without its payload) and the transaction's id. NotFound for an unknown
        id, FailedPrecondition for a payload that is no transaction, Unavailable when ingest does
        not take it (nothing is recorded then)."""
        transaction = transaction_of(await self._repository.get(letter_id))
        transaction_id = await self._ingest.replay(transaction)
        return await self._repository.record_replay(letter_id, transaction_id), transaction_id
