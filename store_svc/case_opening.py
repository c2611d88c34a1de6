"""Every REVIEW decision opens a case, in the very statement that stores the decision, unless it
arrives labelled already (imported history: an analyst has nothing left to decide on it).

The batch INSERT of transactions becomes the first part of a statement whose second part opens a
case for each REVIEW row it inserted: the decision and its case commit together or not at all, and
a decision stored again (which the INSERT skips) opens nothing. The case's primary key is its
transaction's id, so even a case opened another way cannot be opened twice.
"""

from __future__ import annotations

# The transaction columns the case copies (see schema.cases) besides the id and decision.
RETURNED = ("decision", "label", "user_id", "merchant_id", "score", "occurred_at")


def opening_cases(insert_transactions: str) -> str:
    """`insert_transactions` (returning id and RETURNED) wrapped so that it also opens the cases;
    answers one row (the id) per transaction inserted, as the INSERT alone would."""
    # Our own SQL around our own statement: no input reaches this text (hence S608's noqa).
    return f"""
        WITH stored AS ({insert_transactions}),
        opened AS (
            INSERT INTO cases (transaction_id, user_id, merchant_id, score, occurred_at)
            SELECT id, user_id, merchant_id, score, occurred_at FROM stored
            WHERE decision = 'REVIEW' AND label IS NULL
            ON CONFLICT (transaction_id) DO NOTHING
        )
        SELECT id FROM stored
    """  # noqa: S608
