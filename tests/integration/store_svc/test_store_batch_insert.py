"""The one-statement batch insert stores every column exactly as converted; when PostgreSQL refuses
one row's values, that row alone is refused, naming its field, and the others are stored."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fraud.v1 import decision_pb2
from sqlalchemy.dialects.postgresql import JSONB
from store_testing import BASE_TIME, make_scored

from fraudmesh.conversions.rows import ROW_COLUMNS, row_from_scored
from store_svc.repository import TransactionRepository
from store_svc.schema import transactions

JSONB_COLUMNS = ("reasons", "features", "shadow_scores")


def awkward_decisions() -> list[decision_pb2.ScoredTransaction]:
    """Values that a careless encoding would change: pre-1970 and sub-microsecond times, NULLs,
    extreme doubles, quotes and non-ASCII text in JSONB, the largest amount the contract allows."""
    plain = make_scored("tx-plain")
    old = make_scored("tx-1969", occurred_at=datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    old.transaction.input.occurred_at.nanos += 999  # below a microsecond: truncated, as protobuf does
    old.labelled_at.FromDatetime(datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC))
    old.label = decision_pb2.LABEL_LEGITIMATE
    sparse = make_scored("tx-sparse", minor_units=10_000_000_000, score=1.0, decision=decision_pb2.DECISION_DECLINE)
    sparse.transaction.input.location.ClearField("lat")
    sparse.transaction.input.location.ClearField("lon")
    sparse.transaction.input.ClearField("occurred_at")  # received_at stands in
    sparse.times.ClearField("scored_at")
    sparse.transaction.input.amount.currency = ""
    sparse.ClearField("reasons")
    sparse.ClearField("features")
    odd = make_scored("tx-odd", score=0.0)
    odd.features.clear()
    odd.features.update({'quote "q"': 1e-300, "zürich_km": 1.7976931348623157e308, "neg": -0.1, "int": 3.0})
    odd.reasons.add(feature="zürich_km", text='très loin, \\ "far"\n', contribution=-2.5e-7)
    odd.shadow_scores.add(model_version="gb-2", score=0.999999, decision=decision_pb2.DECISION_DECLINE)
    odd.transaction.input.location.city = "Zürich 🏔"
    return [plain, old, sparse, odd]


async def test_every_column_holds_what_the_conversion_gave(store, store_engine):
    decisions = awkward_decisions()

    outcome = await TransactionRepository(store_engine).put_batch(decisions)

    assert (outcome.inserted, outcome.refused) == (len(decisions), {})
    async with store_engine.connect() as connection:
        stored = {
            row["id"]: row
            for row in (await connection.execute(sa.select(*(transactions.c[name] for name in ROW_COLUMNS)))).mappings()
        }
        for scored in decisions:
            expected = row_from_scored(scored)
            assert {k: v for k, v in stored[scored.transaction.id].items() if k not in JSONB_COLUMNS} == {
                k: v for k, v in expected.items() if k not in JSONB_COLUMNS
            }
            # JSONB compared by PostgreSQL itself, with the values bound through this test engine's own
            # encoder (the standard library's json, not store's orjson).
            same_json = sa.select(
                *(transactions.c[name] == sa.bindparam(None, expected[name], type_=JSONB) for name in JSONB_COLUMNS)
            ).where(transactions.c.id == scored.transaction.id)
            assert (await connection.execute(same_json)).one() == (True,) * len(JSONB_COLUMNS)
    old = stored["tx-1969"]
    assert old["occurred_at"] == datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert old["labelled_at"] == datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    sparse = stored["tx-sparse"]
    assert (sparse["lat"], sparse["lon"], sparse["scored_at"], sparse["label"]) == (None, None, None, None)
    assert sparse["occurred_at"] == BASE_TIME + timedelta(milliseconds=3)
    assert (sparse["amount_minor"], sparse["currency"], sparse["reasons"], sparse["features"]) == (
        10_000_000_000,
        "USD",
        [],
        {},
    )
    assert stored["tx-odd"]["features"]['quote "q"'] == 1e-300
    assert math.copysign(1.0, stored["tx-odd"]["reasons"][-1]["contribution"]) == -1.0


async def stored_ids(store_engine) -> set[str]:
    async with store_engine.connect() as connection:
        return set((await connection.execute(sa.select(transactions.c.id))).scalars())


def named(violations) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in violations]


async def test_a_row_breaking_a_check_is_refused_alone_and_the_others_are_stored(store, store_engine):
    # Only the contract's protovalidate rules, run by the servicer, refuse this before the table's CHECK does.
    no_amount = make_scored("tx-no-amount", minor_units=0)

    outcome = await TransactionRepository(store_engine).put_batch(
        [make_scored("tx-good-1"), no_amount, make_scored("tx-good-2")]
    )

    assert outcome.inserted == 2
    assert {index: named(found) for index, found in outcome.refused.items()} == {
        1: [("transaction.input.amount.minor_units", "store.transactions_amount_positive")]
    }
    assert await stored_ids(store_engine) == {"tx-good-1", "tx-good-2"}


async def test_text_postgresql_cannot_hold_refuses_its_row_alone_naming_the_field(store, store_engine):
    # The contract refuses a NUL at the door too; the table is the last word for whoever skips it.
    nul_city = make_scored("tx-nul-city")
    nul_city.transaction.input.location.city = "Lis\x00bon"
    nul_feature = make_scored("tx-nul-feature")
    nul_feature.features["odd\x00name"] = 1.0

    outcome = await TransactionRepository(store_engine).put_batch(
        [make_scored("tx-a"), nul_city, make_scored("tx-b"), nul_feature, make_scored("tx-c")]
    )

    assert outcome.inserted == 3
    assert {index: named(found) for index, found in outcome.refused.items()} == {
        1: [("transaction.input.location.city", "store.no_nul_character")],
        3: [("features['odd\\x00name']", "store.no_nul_character")],
    }
    assert await stored_ids(store_engine) == {"tx-a", "tx-b", "tx-c"}


async def test_a_large_batch_with_scattered_bad_rows_stores_every_good_one(store, store_engine):
    decisions = [make_scored(f"tx-{i:04d}") for i in range(2000)]
    bad = {5, 977, 1999}
    for index in bad:
        decisions[index].transaction.input.amount.minor_units = 0
    repository = TransactionRepository(store_engine)
    await repository.put_batch([make_scored("tx-0010")])  # already stored: neither new nor refused

    outcome = await repository.put_batch(decisions)

    assert set(outcome.refused) == bad
    assert outcome.inserted == 2000 - len(bad) - 1
    assert await stored_ids(store_engine) == {f"tx-{i:04d}" for i in range(2000) if i not in bad}


async def test_the_count_of_new_rows_ignores_ids_already_stored_or_repeated(store, store_engine):
    repository = TransactionRepository(store_engine)
    await repository.put_batch([make_scored("tx-a")])

    outcome = await repository.put_batch([make_scored("tx-a"), make_scored("tx-b"), make_scored("tx-b", score=0.9)])

    assert (outcome.inserted, outcome.refused) == (1, {})
    async with store_engine.connect() as connection:
        scores = (await connection.execute(sa.select(transactions.c.id, transactions.c.score))).all()
    assert sorted(scores) == [("tx-a", 0.1), ("tx-b", 0.1)]  # the first of the repeated ids wins
