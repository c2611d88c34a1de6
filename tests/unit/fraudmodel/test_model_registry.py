from __future__ import annotations

import shutil
import threading

import pytest

from fraudmesh.errors import NotFound
from fraudmodel.serving.registry import ModelRegistry, ensure_starter_model
from fraudmodel.serving.scorer import Scorer


@pytest.fixture()
def two_versions(model_dir, tmp_path):
    """The trained version plus a copy of it under a newer name."""
    older = tmp_path / model_dir.name
    shutil.copytree(model_dir, older)
    newer = tmp_path / "29991231T000000Z-copy"
    shutil.copytree(model_dir, newer)
    meta = (
        (newer / "metadata.json")
        .read_text()
        .replace(f'"created_at": "{_created(model_dir)}"', '"created_at": "2999-12-31T00:00:00+00:00"')
    )
    (newer / "metadata.json").write_text(meta)
    return tmp_path, older.name, newer.name


def _created(folder):
    import json

    return json.loads((folder / "metadata.json").read_text())["created_at"]


def test_lists_versions_newest_first_and_serves_the_newest(two_versions):
    models, older, newer = two_versions
    registry = ModelRegistry(models)
    listed = registry.list()
    assert [v.version for v in listed] == [newer, older]
    assert listed[0].active and not listed[1].active
    assert 0 < listed[0].review_threshold <= listed[0].decline_threshold <= 1
    assert listed[0].metrics["average_precision"] > 0 and "amount_to_usual" in listed[0].feature_names


def test_activate_swaps_without_restart_and_unknown_version_is_not_found(two_versions, small_events):
    models, older, newer = two_versions
    registry = ModelRegistry(models)
    scorer = Scorer(registry)
    assert scorer.score(small_events[:5])[0].model_version == newer
    info = registry.activate(older)
    assert info.active and info.version == older
    assert scorer.score(small_events[5:10])[0].model_version == older
    with pytest.raises(NotFound):
        registry.activate("no-such-version")


def test_scoring_continues_while_versions_are_switched(two_versions, small_events):
    models, older, newer = two_versions
    registry = ModelRegistry(models)
    scorer = Scorer(registry)
    errors: list[BaseException] = []

    def score_loop():
        try:
            for i in range(0, 2000, 100):
                results = scorer.score(small_events[i : i + 100], update_state=False)
                assert {r.model_version for r in results} <= {older, newer}
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=score_loop)
    worker.start()
    for _ in range(6):
        registry.activate(older)
        registry.activate(newer)
    worker.join()
    assert errors == []


def test_starter_model_is_not_retrained_when_a_version_exists(two_versions):
    models, _, newer = two_versions
    assert ensure_starter_model(models).name == newer


def test_empty_models_folder_has_no_active_model(tmp_path):
    from fraudmesh.errors import FailedPrecondition

    registry = ModelRegistry(tmp_path)
    assert registry.list() == []
    with pytest.raises(FailedPrecondition, match="fraudctl train"):
        _ = registry.active


def test_a_loaded_version_is_served_only_once_activated_and_is_not_loaded_again(two_versions, small_events):
    models, older, newer = two_versions
    registry = ModelRegistry(models)
    loaded = registry.load(older)
    assert registry.choice == (newer, None)
    assert registry.activate(older, loaded).active
    assert registry.active is loaded and registry.choice == (older, None)
    assert Scorer(registry).score(small_events[:3])[0].model_version == older


def test_a_shadow_version_is_set_and_cleared(two_versions, small_events):
    models, older, newer = two_versions
    registry = ModelRegistry(models)
    info = registry.set_shadow(older)
    assert info is not None and info.shadow and not info.active
    assert registry.choice == (newer, older)
    [result] = Scorer(registry).score(small_events[:1])
    assert [shadow.model_version for shadow in result.shadow] == [older]
    assert registry.set_shadow(None) is None
    assert registry.choice == (newer, None) and Scorer(registry).score(small_events[:1])[0].shadow == ()


def test_loading_an_unknown_version_is_not_found_and_changes_nothing(two_versions):
    models, _, newer = two_versions
    registry = ModelRegistry(models)
    with pytest.raises(NotFound):
        registry.load("no-such-version")
    with pytest.raises(NotFound):
        registry.set_shadow("no-such-version")
    assert registry.choice == (newer, None)
