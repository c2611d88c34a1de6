"""Every REVIEW decision store keeps opens exactly one case, in the statement that stores it: none
for approvals or declines, none more when the decision is stored again, and a batch's refused row
opens nothing, nor does a decision that arrives labelled already (imported history)."""

from __future__ import annotations

import sqlalchemy as sa
from fraud.v1 import decision_pb2, store_service_pb2
from store_testing import BASE_TIME, make_scored

from store_svc.repository import TransactionRepository
from store_svc.schema import cases


async def stored_cases(engine) -> dict[str, dict]:
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(cases))).mappings().all()
    return {row["transaction_id"]: dict(row) for row in rows}


async def test_a_review_decision_opens_one_open_case_with_the_transactions_facts(store, store_engine):
    review = make_scored("tx-review", user_id="carol", score=0.71, decision=decision_pb2.DECISION_REVIEW)
    approve = make_scored("tx-approve", score=0.05)
    decline = make_scored("tx-decline", score=0.97, decision=decision_pb2.DECISION_DECLINE)

    response = await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[review, approve, decline]))

    assert response.inserted == 3
    opened = await stored_cases(store_engine)
    assert list(opened) == ["tx-review"]
    case = opened["tx-review"]
    assert (case["status"], case["assignee"], case["closed_by"], case["closed_at"]) == ("OPEN", "", "", None)
    assert (case["user_id"], case["merchant_id"], case["score"], case["occurred_at"]) == (
        "carol",
        "m-42",
        0.71,
        BASE_TIME,
    )


async def test_storing_the_same_review_decisions_again_opens_no_second_case(store, store_engine):
    batch = [make_scored(f"tx-{n}", decision=decision_pb2.DECISION_REVIEW, score=0.6) for n in range(3)]

    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))
    again = await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[*batch, batch[0]]))

    assert again.inserted == 0
    assert sorted(await stored_cases(store_engine)) == ["tx-0", "tx-1", "tx-2"]


async def test_a_row_the_table_refuses_opens_no_case_and_the_others_open_theirs(store, store_engine):
    good = make_scored("tx-good", decision=decision_pb2.DECISION_REVIEW, score=0.6)
    bad = make_scored("tx-bad", decision=decision_pb2.DECISION_REVIEW, score=0.6)
    bad.features["odd\x00name"] = 1.0  # JSONB cannot hold NUL: the batch is split and this row refused

    outcome = await TransactionRepository(store_engine).put_batch([good, bad])

    assert (outcome.inserted, sorted(outcome.refused)) == (1, [1])
    assert list(await stored_cases(store_engine)) == ["tx-good"]


async def test_a_review_decision_imported_with_its_label_opens_no_case(store, store_engine):
    labelled = make_scored("tx-labelled", decision=decision_pb2.DECISION_REVIEW, score=0.6)
    labelled.label = decision_pb2.LABEL_FRAUD
    unlabelled = make_scored("tx-unlabelled", decision=decision_pb2.DECISION_REVIEW, score=0.6)

    response = await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[labelled, unlabelled]))

    assert response.inserted == 2
    assert list(await stored_cases(store_engine)) == ["tx-unlabelled"]
