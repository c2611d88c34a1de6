"""The chaos suite, short (docs/reliability.md): a private platform started by the same code as `make
up`, a steady REST load of 100 transactions/s, and two faults one after the other: `kill -9` of
scoring, then `kill -9` of the Kafka broker, each brought back by the keeper as `fraudctl up` would.
Whatever the door accepted must be decided and stored once, and reach a console that reconnects
with `since=` exactly once. Recovery times are printed, not asserted (`make chaos` measures them)."""

from __future__ import annotations

import dataclasses
import os
import pathlib

import pytest

from bench.chaos import table
from bench.chaos.suite import Options, run

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]  # its own Kafka and PostgreSQL, started here

SHORT = Options(faults=("kill-scoring", "kafka-restart"), rate=100.0, seconds=20.0, fault_at_s=5.0, payments=3000)


@pytest.mark.timeout(600)
async def test_kill_9_of_scoring_and_a_kafka_restart_lose_and_double_nothing(models_dir: pathlib.Path) -> None:
    options = dataclasses.replace(
        SHORT, models_dir=models_dir, keep_data=bool(os.environ.get("FRAUDMESH_KEEP_TEST_DATA"))
    )
    rows = await run(options)
    print("\n" + table.markdown(rows, options.recovery_target_s) + "\n\n" + table.details(rows))

    assert [row.fault for row in rows] == ["kill-scoring", "kafka-restart"]
    for row in rows:
        assert row.accepted > 0, f"{row.fault}: nothing was accepted"
        assert row.lost == 0, f"{row.fault}: {row.lost} accepted transactions were never stored"
        assert row.stored_twice == 0, f"{row.fault}: {row.stored_twice} transactions stored twice"
        assert row.ws_missing == 0, f"{row.fault}: {row.ws_missing} decisions never reached the console"
        assert row.ws_twice == 0, f"{row.fault}: {row.ws_twice} decisions reached the console twice"
    assert any(restart.startswith("scoring") for restart in rows[0].restarts), "scoring was not killed and restarted"
    assert any(restart.startswith("kafka") for restart in rows[1].restarts), "Kafka was not killed and restarted"
