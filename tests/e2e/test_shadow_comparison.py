"""A model registered as scoring's shadow (as `fraudctl train --from-store` registers the model it
trains) scores the live traffic beside the active one, and the models page's comparison counts those
decisions and the analysts' labels on them: here the shadow is the active model under another name,
so the two agree on every one."""

from __future__ import annotations

import json
import pathlib
import shutil
import uuid
from datetime import datetime, timedelta

import httpx
import pytest

from fraudctl.runtime.services import ServiceSupervisor
from fraudctl.shadow_registration import ShadowRegistrationError, register_shadow
from tests.e2e.clients import admin_headers, operator_env
from tests.e2e.test_model_activation import active_version

PAYMENTS = 15


@pytest.fixture
def operator(stack: ServiceSupervisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """fraudctl's calls from this process go out as the operator's (key and certificate)."""
    for name, value in operator_env(stack).items():
        monkeypatch.setenv(name, value)


def model_copy(stack: ServiceSupervisor, version: str) -> str:
    """`version` under a new name in scoring's models folder, made older so that it never becomes the
    default; kept afterwards, as scoring may go on scoring with it as its shadow (no call drops one)."""
    models = pathlib.Path(stack.base_env["MODELS_DIR"])
    copy = f"shadow-{uuid.uuid4().hex[:8]}"
    shutil.copytree(models / version, models / copy)
    metadata_file = models / copy / "metadata.json"
    metadata = json.loads(metadata_file.read_text())
    metadata["created_at"] = (datetime.fromisoformat(metadata["created_at"]) - timedelta(days=365)).isoformat()
    metadata_file.write_text(json.dumps(metadata))
    return copy


async def test_a_registered_shadow_is_compared_with_the_active_model_on_the_same_traffic(
    stack: ServiceSupervisor, operator: None
):
    scoring = stack.ports.grpc_address("scoring")
    active = await active_version(scoring, stack.admin_credential, stack.client_tls)
    shadow = model_copy(stack, active)

    info = await register_shadow(scoring, shadow, stack.admin_credential)
    assert (info.version, info.shadow, info.active) == (shadow, True, False)
    assert await active_version(scoring, stack.admin_credential, stack.client_tls) == active

    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        decided = []
        for i in range(PAYMENTS):
            body = {"user_id": f"shadow-{run}-{i % 5}", "amount": f"{20 + 37 * i}.00", "location": "Paris"}
            response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
            assert response.status_code == 200, response.text
            decided.append(response.json())
        # Analysts label three of them: the comparison's label figures count those.
        for decision, label in zip(decided, ("fraud", "fraud", "legitimate"), strict=False):
            labelled = await client.post(f"/api/transactions/{decision['id']}/label", json={"label": label})
            assert labelled.status_code == 200, labelled.text
        compared = await client.get("/api/models:compare", params={"days": 1})
        refused = await client.get("/api/models:compare", params={"days": 0})

    assert all(
        [(s["model_version"], s["score"]) for s in d["shadow_scores"]] == [(shadow, d["score"])] for d in decided
    )
    assert compared.status_code == 200, compared.text
    comparison = compared.json()["comparison"]
    assert (comparison["active"]["version"], comparison["shadow"]["version"]) == (active, shadow)
    assert (comparison["compared"], comparison["agreed"], comparison["truncated"]) == (PAYMENTS, PAYMENTS, False)
    counts = [{name: figures[name] for name in ("approved", "reviewed", "declined")} for figures in
              (comparison["active"], comparison["shadow"])]  # fmt: skip
    assert counts[0] == counts[1] and sum(counts[0].values()) == PAYMENTS
    assert comparison["active"]["mean_score"] == pytest.approx(sum(d["score"] for d in decided) / PAYMENTS)
    assert comparison["shadow"]["mean_score"] == pytest.approx(comparison["active"]["mean_score"])
    assert (comparison["labelled"], comparison["labelled_fraud"]) == (3, 2)
    assert comparison["active"]["average_precision"] is not None
    assert comparison["shadow"]["average_precision"] == pytest.approx(comparison["active"]["average_precision"])

    assert refused.status_code == 422
    assert "days" in refused.text


async def test_registering_a_version_scoring_lacks_says_where_to_train_it(stack: ServiceSupervisor, operator: None):
    with pytest.raises(ShadowRegistrationError, match="MODELS_DIR"):
        await register_shadow(stack.ports.grpc_address("scoring"), "no-such-version", stack.admin_credential)
