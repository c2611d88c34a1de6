"""PutDecisions answers for each decision: one store can never keep is refused alone, with an
INVALID_ARGUMENT naming its field, and every other one is stored in the same call."""

from __future__ import annotations

from fraud.v1 import store_service_pb2
from google.rpc import code_pb2, error_details_pb2
from store_testing import make_scored


def refused_fields(response: store_service_pb2.PutDecisionsResponse) -> dict[int, set[str]]:
    found = {}
    for refused in response.refused:
        assert refused.status.code == code_pb2.INVALID_ARGUMENT
        bad_request = error_details_pb2.BadRequest()
        assert refused.status.details[0].Unpack(bad_request)
        found[refused.index] = {violation.field for violation in bad_request.field_violations}
    return found


async def stored_ids(store) -> set[str]:
    page = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(page_size=500))
    return {scored.transaction.id for scored in page.transactions}


async def test_a_nul_in_one_citys_name_refuses_that_decision_alone_and_stores_the_others(store):
    nul_city = make_scored("tx-nul")
    nul_city.transaction.input.location.city = "Lis\x00bon"

    response = await store.PutDecisions(
        store_service_pb2.PutDecisionsRequest(decisions=[make_scored("tx-a"), nul_city, make_scored("tx-b")])
    )

    assert refused_fields(response) == {1: {"transaction.input.location.city"}}
    assert response.inserted == 2
    assert await stored_ids(store) == {"tx-a", "tx-b"}


async def test_a_repeated_decision_is_neither_new_nor_refused(store):
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[make_scored("tx-a")]))

    response = await store.PutDecisions(
        store_service_pb2.PutDecisionsRequest(decisions=[make_scored("tx-a"), make_scored("tx-b")])
    )

    assert (response.inserted, list(response.refused)) == (1, [])
