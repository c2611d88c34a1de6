"""The two generators' histories as the cross evaluation takes them, each with its label delay."""

from __future__ import annotations

from fraudmodel.evaluation.cross_generator import LabelledHistory
from fraudmodel.features import DEFAULT_LABEL_DELAY
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.generators.terminals.config import LABEL_DELAY_MAX, TerminalsConfig
from fraudmodel.generators.terminals.history import generate_terminals_history

CARDHOLDERS = "cardholders"
TERMINALS = "terminals"


def cardholders_history(customers: int, days: int, seed: int) -> LabelledHistory:
    frame = generate_history(HistoryConfig(users=customers, days=days, seed=seed))
    # Its labels are known exactly one default delay after the transaction (the file has no labelled_at).
    return LabelledHistory(CARDHOLDERS, frame, DEFAULT_LABEL_DELAY)


def terminals_history(customers: int, days: int, seed: int) -> LabelledHistory:
    frame = generate_terminals_history(TerminalsConfig(customers=customers, days=days, seed=seed)).frame
    return LabelledHistory(TERMINALS, frame, LABEL_DELAY_MAX)
