"""A model registered as scoring's shadow (as `fraudctl train --from-store` registers the model it
trains) scores the live traffic beside the active one, and the models page's comparison counts those
decisions and the analysts' labels on them: here the shadow is the active model under another name,
so the two agree on every one. An admin stops the shadow (the models page's "Stop shadow", over
REST): decisions from then on carry no shadow score while the active model goes on deciding, and the
stop is in the audit trail."""

from __future__ import annotations

import pathlib
import shutil
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fraud.v1 import scoring_service_pb2 as pb
from fraud.v1 import scoring_service_pb2_grpc as pb_grpc

from fraudctl.runtime.services import ServiceSupervisor
from fraudctl.shadow_registration import ShadowRegistrationError, register_shadow
from tests.e2e.clients import admin_channel, admin_headers, operator_env
from tests.e2e.model_versions import older_copy
from tests.e2e.test_model_activation import active_version

PAYMENTS = 15
STOP_PAYMENTS = 4


@pytest.fixture
def operator(stack: ServiceSupervisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """fraudctl's calls from this process go out as the operator's (key and certificate)."""
    for name, value in operator_env(stack).items():
        monkeypatch.setenv(name, value)


def model_copy(stack: ServiceSupervisor, version: str) -> str:
    """`version` under a new name in scoring's models folder, made older so that it never becomes the
    default; `drop_shadow` removes it."""
    return older_copy(pathlib.Path(stack.base_env["MODELS_DIR"]), version, "shadow")


async def drop_shadow(stack: ServiceSupervisor, version: str) -> None:
    """Stops scoring `version` as the shadow if it still is one (as the models page's "Stop shadow"
    does), then removes the copy: the tests after this one see the platform without a shadow."""
    async with admin_channel(stack, "scoring") as channel:
        scoring = pb_grpc.ScoringServiceStub(channel)
        listed = await scoring.ListModels(pb.ListModelsRequest(), timeout=10)
        if any(model.shadow for model in listed.models if model.version == version):
            await scoring.StopShadowModel(pb.StopShadowModelRequest(version=version), timeout=60)
    shutil.rmtree(pathlib.Path(stack.base_env["MODELS_DIR"]) / version)


@pytest.fixture
async def shadow_copy(stack: ServiceSupervisor) -> AsyncIterator[str]:
    """A copy of the active model, ready to register as the shadow; no longer the shadow afterwards."""
    active = await active_version(stack.ports.grpc_address("scoring"), stack.admin_credential, stack.client_tls)
    copy = model_copy(stack, active)
    yield copy
    await drop_shadow(stack, copy)


async def test_a_registered_shadow_is_compared_with_the_active_model_on_the_same_traffic(
    stack: ServiceSupervisor, operator: None, shadow_copy: str
):
    scoring = stack.ports.grpc_address("scoring")
    active = await active_version(scoring, stack.admin_credential, stack.client_tls)
    shadow = shadow_copy

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


async def pay(client: httpx.AsyncClient, user: str, count: int) -> list[dict]:
    decided = []
    for i in range(count):
        body = {"user_id": user, "amount": f"{25 + 31 * i}.00", "location": "Paris"}
        response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
        assert response.status_code == 200, response.text
        decided.append(response.json())
    return decided


async def test_a_stopped_shadow_scores_no_more_decisions_and_the_stop_is_audited(
    stack: ServiceSupervisor, operator: None, shadow_copy: str
):
    scoring = stack.ports.grpc_address("scoring")
    active = await active_version(scoring, stack.admin_credential, stack.client_tls)
    shadow = shadow_copy
    await register_shadow(scoring, shadow, stack.admin_credential)
    user = f"shadow-stop-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=60, headers=admin_headers(stack)) as admin:
        shadowed = await pay(admin, user, STOP_PAYMENTS)
        created = await admin.post("/api/keys", json={"name": f"analyst {user}", "role": "analyst"})
        analyst = {"Authorization": f"Bearer {created.json()['key']}"}

        refused = await admin.post(f"/api/models/{shadow}:stop-shadow", json={}, headers=analyst)
        still = {m["version"]: m for m in (await admin.get("/api/models")).json()["models"]}
        stopped = await admin.post(f"/api/models/{shadow}:stop-shadow", json={})
        after = await pay(admin, user, STOP_PAYMENTS)
        listed = {m["version"]: m for m in (await admin.get("/api/models")).json()["models"]}
        again = await admin.post(f"/api/models/{shadow}:stop-shadow", json={})
        audit = await admin.get("/api/audit", params={"action": "model.shadow_stop", "target": shadow})
        compared = await admin.get("/api/models:compare", params={"days": 1})

    assert all([s["model_version"] for s in d["shadow_scores"]] == [shadow] for d in shadowed)
    assert refused.status_code == 403
    assert still[shadow]["shadow"] is True

    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["model"]["version"], stopped.json()["model"]["shadow"]) == (shadow, False)
    # The active model goes on deciding; no decision carries a shadow score any more.
    assert {d["model_version"] for d in after} == {active}
    assert all(d["shadow_scores"] == [] for d in after)
    assert listed[shadow]["shadow"] is False and listed[active]["active"] is True
    assert not any(m["shadow"] for m in listed.values())

    assert again.status_code == 409
    assert f"{shadow} is not the shadow model" in again.text and "version" in again.text
    [event] = audit.json()["events"]
    assert event["role"] == "admin"
    assert (event["before"], event["after"]) == (
        {"active": active, "shadow": shadow},
        {"active": active, "shadow": None},
    )
    # Without a shadow there is nothing to compare.
    assert compared.status_code == 200 and compared.json().get("comparison") is None
