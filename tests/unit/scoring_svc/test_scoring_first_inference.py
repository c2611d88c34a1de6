"""Ready means warm (scoring_svc.readiness): the first inference, run before an instance says
SERVING, must leave nothing for the first batch to build. The gazetteer (GeoNames' cities, seconds
of CPU on its first lookup) is the one a payment naming a city without coordinates needs; built in
the first batch, it held every decision of the first seconds after a start."""

from __future__ import annotations

import pytest

import fraudmodel.events
from fraudmodel.geo import Gazetteer
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.readiness import first_inference


@pytest.fixture
def unbuilt_gazetteer(monkeypatch) -> Gazetteer:
    """A gazetteer nothing has looked a city up in yet, as in a process that just started."""
    fresh = Gazetteer()
    monkeypatch.setattr(fraudmodel.events, "default_gazetteer", lambda: fresh)
    return fresh


def test_the_first_inference_builds_the_gazetteer_the_first_batch_would_need(model_dir, unbuilt_gazetteer):
    scorer = Scorer(ModelRegistry(model_dir.parent, active_version=model_dir.name))
    assert unbuilt_gazetteer._located.cache_info().currsize == 0

    first_inference(scorer)

    assert unbuilt_gazetteer._by_name is not None  # built: the first batch's lookups find it ready
    assert unbuilt_gazetteer._located.cache_info().currsize == 1  # by a lookup, as a payment's would be
    assert not scorer.knows_user("first-inference")  # a what-if: no customer's state changed
