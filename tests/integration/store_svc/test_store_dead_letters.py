"""Dead letters over gRPC: listed newest first a page at a time with a total, filtered by hop and by
whether they were replayed, read one by one with their payload."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from fraud.v1 import store_service_pb2
from store_testing import BASE_TIME, a_dead_letter, expect_status, keep_dead_letters

from store_svc.dead_letter_repository import DeadLetterRepository


async def list_all(store, **filters) -> tuple[list[str], list[int]]:
    """Every letter's id, page by page of two, and the total each page gave."""
    ids: list[str] = []
    totals: list[int] = []
    token = ""
    while True:
        page = await store.ListDeadLetters(
            store_service_pb2.ListDeadLettersRequest(page_size=2, page_token=token, **filters)
        )
        assert all(letter.payload == b"" for letter in page.dead_letters), "a list carries no payloads"
        ids += [letter.id for letter in page.dead_letters]
        totals.append(page.total)
        token = page.next_page_token
        if not token:
            return ids, totals


@pytest.fixture
async def five_letters(store, store_engine):
    await keep_dead_letters(
        store_engine,
        *(
            a_dead_letter(f"dl-{i}", hop="scoring" if i % 2 else "store", failed_at=BASE_TIME + timedelta(minutes=i))
            for i in range(5)
        ),
    )
    return store


async def test_the_list_is_newest_first_a_page_at_a_time_with_the_total(five_letters):
    ids, totals = await list_all(five_letters)

    assert ids == ["dl-4", "dl-3", "dl-2", "dl-1", "dl-0"]
    assert totals == [5, 5, 5]


async def test_the_list_filters_by_hop_and_by_not_replayed(five_letters, store_engine):
    await DeadLetterRepository(store_engine).record_replay("dl-2")

    assert await list_all(five_letters, hop="scoring") == (["dl-3", "dl-1"], [2])
    assert await list_all(five_letters, hop="store", not_replayed=True) == (["dl-4", "dl-0"], [2])
    assert await list_all(five_letters, hop="notify") == ([], [0])


async def test_a_page_token_for_other_filters_is_refused(five_letters):
    first = await five_letters.ListDeadLetters(store_service_pb2.ListDeadLettersRequest(page_size=2))

    await expect_status(
        five_letters.ListDeadLetters(
            store_service_pb2.ListDeadLettersRequest(page_size=2, page_token=first.next_page_token, hop="store")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_one_letter_is_read_whole_with_its_payload(store, store_engine):
    letter = a_dead_letter("dl-whole")
    await keep_dead_letters(store_engine, letter)

    response = await store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-whole"))

    assert response.dead_letter == letter


async def test_an_unknown_letter_is_not_found(store):
    await expect_status(
        store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="no-such-letter")), grpc.StatusCode.NOT_FOUND
    )
