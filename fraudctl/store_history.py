"""Labelled history in and out of the store: `fraudctl import FILE` loads a history file (scored
with the active model, through the same feature code, so a new deployment starts with real scores
and warm state) and `fraudctl train --from-store` exports what the store holds, analysts' labels
included with when each was given, into the history format that training reads."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC
from pathlib import Path

import pandas as pd
from fraud.v1 import decision_pb2, store_service_pb2, store_service_pb2_grpc, transaction_pb2
from tqdm import tqdm

from fraudctl.operator_channel import operator_channel
from fraudmesh.conversions.enums import CHANNEL_NAMES, CHANNEL_VALUES
from fraudmesh.conversions.money import DEFAULT_CURRENCY, exponent, to_major_units
from fraudmodel.events import TxnEvent
from fraudmodel.features import DEFAULT_LABEL_DELAY
from fraudmodel.history_files import COLUMNS, read_events, write_history
from fraudmodel.serving.decision_message import scored_transaction
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.peers import StorePeer

BATCH = 1000


def transaction_of(event: TxnEvent) -> transaction_pb2.Transaction:
    minor_units = round(event.amount * 10 ** exponent(event.currency))
    location = transaction_pb2.Location(city=event.city, country=event.country)
    if event.lat is not None and event.lon is not None:
        location.lat, location.lon = event.lat, event.lon
    txn = transaction_pb2.Transaction(
        id=event.transaction_id,
        input=transaction_pb2.TransactionInput(
            user_id=event.user_id,
            amount=transaction_pb2.Money(minor_units=minor_units, currency=event.currency),
            location=location,
            merchant_id=event.merchant_id,
            channel=CHANNEL_VALUES.get(event.channel, transaction_pb2.CHANNEL_UNSPECIFIED),
        ),
    )
    txn.input.occurred_at.FromDatetime(event.occurred_at)
    txn.received_at.FromDatetime(event.occurred_at)
    return txn


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def import_history(path: Path, store_address: str, models_dir: Path) -> int:
    """Scores the file in event-time order with the active model and stores every row with its label
    (known, as history is, a label delay after the transaction). Re-importing stores nothing twice."""
    _, events = read_events(path)
    events.sort(key=lambda e: e.occurred_at)
    scorer = Scorer(ModelRegistry(models_dir))
    inserted = 0
    async with operator_channel(store_address) as channel:
        store = StorePeer(channel, timeout=60)
        with tqdm(total=len(events), unit="txn", desc="import") as progress:
            for batch in _batches(events, BATCH):
                results = scorer.score(batch)
                decisions = []
                for event, result in zip(batch, results, strict=True):
                    scored = scored_transaction(transaction_of(event), result, event.occurred_at)
                    if event.label is not None:
                        scored.label = decision_pb2.LABEL_FRAUD if event.label else decision_pb2.LABEL_LEGITIMATE
                        scored.is_fraud = event.label
                        scored.labelled_at.FromDatetime(event.occurred_at + DEFAULT_LABEL_DELAY)
                    decisions.append(scored)
                inserted += await store.put(store_service_pb2.PutDecisionsRequest(decisions=decisions))
                progress.update(len(batch))
    return inserted


def _row(scored: decision_pb2.ScoredTransaction) -> dict:
    inp = scored.transaction.input
    label = {decision_pb2.LABEL_FRAUD: 1, decision_pb2.LABEL_LEGITIMATE: 0}.get(scored.label)
    return {
        "transaction_id": scored.transaction.id,
        "user_id": inp.user_id,
        "occurred_at": inp.occurred_at.ToDatetime(tzinfo=UTC),
        "amount": to_major_units(inp.amount.minor_units, inp.amount.currency or DEFAULT_CURRENCY),
        "currency": inp.amount.currency or DEFAULT_CURRENCY,
        "merchant_id": inp.merchant_id,
        "channel": CHANNEL_NAMES.get(inp.channel, "unspecified"),
        "lat": inp.location.lat if inp.location.HasField("lat") else math.nan,
        "lon": inp.location.lon if inp.location.HasField("lon") else math.nan,
        "city": inp.location.city,
        "country": inp.location.country,
        "is_fraud": label,
        # When the label became known: training uses no label before then (merchant risk, split gap).
        "labelled_at": scored.labelled_at.ToDatetime(tzinfo=UTC) if scored.HasField("labelled_at") else None,
    }


async def export_history(store_address: str, out: Path, page_size: int = 500, credential: str | None = None) -> int:
    """Writes every stored transaction, oldest first; analysts' labels become is_fraud (empty if none)
    and when each became known `labelled_at`, as `fraudctl train` reads it."""
    rows = []
    async with operator_channel(store_address, credential) as channel:
        stub = store_service_pb2_grpc.StoreServiceStub(channel)
        token = ""
        while True:
            page = await stub.ListTransactions(
                store_service_pb2.ListTransactionsRequest(page_size=page_size, page_token=token, oldest_first=True),
                timeout=60,
            )
            rows += [_row(scored) for scored in page.transactions]
            token = page.next_page_token
            if not token:
                break
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "labelled_at"])
    frame["is_fraud"] = frame["is_fraud"].astype("Int8")
    frame["labelled_at"] = pd.to_datetime(frame["labelled_at"], utc=True)
    write_history(frame, out, extra_columns=("labelled_at",))
    return len(frame)
