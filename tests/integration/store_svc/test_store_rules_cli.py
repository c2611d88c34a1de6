"""`fraudctl rules` and `fraudctl lists` against the real store_svc (PostgreSQL) and scoring's real
expression check: what an operator types, parsed by fraudctl's own parser, and what it prints."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import AsyncIterator

import grpc
import pytest
from rule_servers import rule_service
from test_store_rule_service import empty_rules

from fraudctl.rule_commands import register


def parse(*words: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(list(words))


@pytest.fixture
async def run(store_engine) -> AsyncIterator:
    await empty_rules(store_engine)
    async with rule_service(store_engine) as rules:

        async def run(*words: str) -> str:
            args = parse(*words)
            out = io.StringIO()
            assert await args.command(rules.stub, args, out) == 0
            return out.getvalue()

        yield run


async def test_a_rule_written_from_the_command_line_is_listed_shown_changed_and_deleted(run):
    created = json.loads(
        await run(
            "rules", "create", "--name", "night ATM", "--expression", 'tx.channel == "ATM" && features.hour_local < 5.0',
            "--action", "REVIEW", "--priority", "5", "--status", "SHADOW", "--json",
        )
    )  # fmt: skip
    listed = await run("rules", "list")
    updated = await run(
        "rules", "update", created["id"], "--name", "night ATM", "--expression", 'tx.channel == "ATM"',
        "--action", "DECLINE",
    )  # fmt: skip
    shown = await run("rules", "show", created["id"])
    deleted = await run("rules", "delete", created["id"])

    assert (created["status"], created["action"], created["priority"]) == ("SHADOW", "REVIEW", 5)
    assert f"{created['id']}" in listed and "night ATM" in listed
    assert "v2" in updated and "DECLINE" in updated
    assert " v2 update " in shown and " v1 create " in shown
    assert deleted == f"deleted {created['id']}\n"
    assert "0 rules" in await run("rules", "list")


async def test_a_bad_expression_from_the_command_line_is_refused_with_its_place(run):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await run("rules", "create", "--name", "broken", "--expression", "tx.amount >>", "--action", "DECLINE")

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "line 1, column" in refused.value.details()


async def test_an_update_expecting_a_version_the_rule_has_left_is_refused(run):
    created = json.loads(
        await run(
            "rules", "create", "--name", "big", "--expression", "tx.amount > 900.0", "--action", "REVIEW", "--json"
        )
    )
    change = ("rules", "update", created["id"], "--name", "big", "--expression", "tx.amount > 800.0", "--action")
    kept = await run(*change, "REVIEW", "--expected-version", "1")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await run(*change, "DECLINE", "--expected-version", "1")

    assert "v2" in kept
    assert refused.value.code() == grpc.StatusCode.ABORTED
    assert "REVIEW" in await run("rules", "show", created["id"])


async def test_lists_are_kept_from_the_command_line(run):
    await run("lists", "create", "trusted_users", "--kind", "ALLOW", "--field", "user_id")
    added = await run("lists", "add", "trusted_users", "u-2", "u-1", "u-3")
    removed = await run("lists", "remove", "trusted_users", "u-3")

    assert added == "added 3 to trusted_users (3 entries)\n"
    assert removed == "removed 1 from trusted_users (2 entries)\n"
    assert await run("lists", "show", "trusted_users") == "u-1\nu-2\n"
    assert "trusted_users" in await run("lists", "list")
    assert await run("lists", "delete", "trusted_users") == "deleted list trusted_users\n"
