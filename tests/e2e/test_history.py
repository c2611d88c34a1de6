"""Labelled history in and out of a running platform: `fraudctl import` (whose fraud labels reach
scoring's merchant risk), then the export that `fraudctl train --from-store` trains on, with the
labels and when they became known intact."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from fraudctl.runtime.service_certificates import ensure_platform_certificates
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor
from fraudctl.runtime.waiting import free_port
from fraudctl.store_history import export_history
from tests.e2e.clients import admin_headers, operator_env
from tests.e2e.test_model_activation import active_version
from tests.e2e.test_shadow_comparison import drop_shadow

FRAUDCTL = [sys.executable, "-m", "fraudctl.cli"]


def fraudctl(*args: str, operator: dict[str, str] | None = None) -> str:
    """Runs fraudctl; `operator` is the environment naming who calls the platform (clients.operator_env)."""
    env = {**os.environ, "FRAUDMESH_API_KEY": "", **(operator or {})}
    done = subprocess.run([*FRAUDCTL, *args], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def labels_in_store(database_url: str, ids: list[str]) -> dict[str, str | None]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT id, label FROM transactions WHERE id = ANY(:ids)"), {"ids": ids}
            )
            return {row.id: row.label for row in rows}
    finally:
        await engine.dispose()


async def test_imported_history_is_stored_once_with_its_labels_and_exports_back(
    stack: ServiceSupervisor, postgres, models_dir: pathlib.Path, tmp_path: pathlib.Path, monkeypatch
):
    history = tmp_path / "history.csv"
    # Recent history (from 20 to 10 days ago): merchant risk keeps labels only within 30 days of the
    # newest transaction it has seen, and other tests' payments are from today.
    start = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    fraudctl("generate", "--out", str(history), "--users", "40", "--days", "10", "--seed", "3", "--start", start)
    original = pd.read_csv(history, dtype={"transaction_id": str})
    store = stack.ports.grpc_address("store")

    first = fraudctl(
        "import", str(history), "--store", store, "--models", str(models_dir), operator=operator_env(stack)
    )
    assert f"{len(original):,} new transactions stored" in first
    again = fraudctl(
        "import", str(history), "--store", store, "--models", str(models_dir), operator=operator_env(stack)
    )
    assert "0 new transactions stored" in again

    stored = await labels_in_store(postgres.url, original["transaction_id"].tolist())
    expected = {
        tid: ("FRAUD" if label == 1 else "LEGITIMATE")
        for tid, label in zip(original["transaction_id"], original["is_fraud"], strict=True)
    }
    assert stored == expected

    exported_path = tmp_path / "exported.csv"
    for name, value in operator_env(stack).items():  # the export runs here, as fraudctl would
        monkeypatch.setenv(name, value)
    await export_history(store, exported_path, credential=stack.admin_credential)
    exported = pd.read_csv(exported_path, dtype={"transaction_id": str}).set_index("transaction_id")
    assert exported.loc[original["transaction_id"], "is_fraud"].tolist() == original["is_fraud"].tolist()
    # When each label became known goes with it (history's, a week after the transaction), so
    # training uses no label before then.
    known_at = pd.to_datetime(exported.loc[original["transaction_id"], "labelled_at"], utc=True)
    occurred = pd.to_datetime(original["occurred_at"], utc=True)
    assert (known_at.to_numpy() == (occurred + pd.Timedelta(days=7)).to_numpy()).all()

    # A payment at a merchant of an imported fraud, a day after that label became known (history
    # labels count from a week after the transaction), sees it in the merchant's risk.
    fraud = original[original["is_fraud"] == 1].iloc[0]
    at = pd.Timestamp(fraud["occurred_at"]) + pd.Timedelta(days=8)
    body = {
        "user_id": f"after-import-{uuid.uuid4().hex[:6]}",
        "amount": "20.00",
        "location": "Chicago",
        "merchant_id": fraud["merchant_id"],
        "occurred_at": at.isoformat(),
    }
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        async with asyncio.timeout(20):
            while True:
                response = await client.post("/api/score", json=body)
                assert response.status_code == 200, response.text
                if response.json()["features"]["merchant_known_frauds_7d"] >= 1:
                    break
                await asyncio.sleep(0.2)


@pytest.fixture
async def empty_store(runtime_dir: pathlib.Path, kafka, postgres):
    """A store_svc of its own on a fresh database, so training sees only the history given to it."""
    async for address in _private_store(runtime_dir, kafka, postgres, {}):
        yield address


@pytest.fixture
async def empty_store_with_tls(runtime_dir: pathlib.Path, kafka, postgres, stack: ServiceSupervisor):
    """The same, serving mutual TLS with the platform's certificates as the stack's store does, so one
    fraudctl run, as the operator, reaches it and the stack's scoring."""
    certificates = ensure_platform_certificates(runtime_dir)
    tls = {"GRPC_TLS": "true", **certificates.service_env("store")}
    async for address in _private_store(runtime_dir, kafka, postgres, tls, certificates.operator):
        yield address


async def _private_store(runtime_dir: pathlib.Path, kafka, postgres, extra_env: dict[str, str], operator=None):
    """Yields the address of a store_svc on a database of its own; `operator`, the certificate its
    health check calls with when `extra_env` turns mutual TLS on."""
    database = f"train_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(postgres.url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'CREATE DATABASE "{database}"'))  # a name we generated, not input
    await admin.dispose()
    supervisor = ServiceSupervisor(
        ServicePorts(store=free_port(), metrics_base=free_port()),
        runtime_dir / f"logs-{database}",
        {
            **kafka.client_environment("admin"),
            "DATABASE_URL": postgres.url.rsplit("/", 1)[0] + f"/{database}",
            **extra_env,
        },
        client_certificate=operator,
    )
    supervisor.start("store")
    supervisor.wait_ready("store")
    yield supervisor.ports.grpc_address("store")
    supervisor.stop_all()


async def test_train_from_store_learns_from_the_stored_labels(
    empty_store: str, models_dir: pathlib.Path, tmp_path: pathlib.Path
):
    history = tmp_path / "history.csv"
    fraudctl("generate", "--out", str(history), "--users", "150", "--days", "36", "--seed", "5")
    fraudctl("import", str(history), "--store", empty_store, "--models", str(models_dir))

    out = tmp_path / "models"
    printed = fraudctl("train", "--from-store", empty_store, "--out", str(out), "--no-baselines", "--no-shadow")
    assert "exported" in printed
    [version] = [folder for folder in out.iterdir() if (folder / "model.onnx").exists()]
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["metrics"]["average_precision"] > 0.1, "a model trained on the store's labels detects fraud"


async def test_train_from_store_registers_the_model_as_the_running_platforms_shadow(
    stack: ServiceSupervisor, empty_store_with_tls: str, models_dir: pathlib.Path, tmp_path: pathlib.Path
):
    history = tmp_path / "history.csv"
    fraudctl("generate", "--out", str(history), "--users", "150", "--days", "36", "--seed", "6")
    operator = operator_env(stack)
    fraudctl("import", str(history), "--store", empty_store_with_tls, "--models", str(models_dir), operator=operator)
    scoring = stack.ports.grpc_address("scoring")
    active = await active_version(scoring, stack.admin_credential, stack.client_tls)
    before = {folder.name for folder in models_dir.iterdir()}

    # Into scoring's own models folder, which is where scoring looks for the version it is told of.
    printed = fraudctl(
        "train", "--from-store", empty_store_with_tls, "--out", str(models_dir), "--scoring", scoring,
        "--no-baselines", operator=operator,
    )  # fmt: skip
    [version] = [name for name in {folder.name for folder in models_dir.iterdir()} - before if name != "exports"]
    try:
        assert f"{version} is now the shadow model of every scoring instance" in printed
        async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
            listed = {m["version"]: m for m in (await client.get("/api/models")).json()["models"]}
            body = {"user_id": f"retrained-{uuid.uuid4().hex[:8]}", "amount": "55.00", "location": "Paris"}
            decided = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
        assert (listed[version]["shadow"], listed[version]["active"], listed[active]["active"]) == (True, False, True)
        assert decided.status_code == 200, decided.text
        assert decided.json()["model_version"] == active
        assert [s["model_version"] for s in decided.json()["shadow_scores"]] == [version]
    finally:
        await drop_shadow(stack, version)
        for export in (models_dir / "exports").glob("store-*.parquet"):
            export.unlink()
