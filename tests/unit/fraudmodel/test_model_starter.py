"""`make up` after a change of the features (their names or what they mean): a model folder left by
an older checkout is replaced by a new starter model instead of stopping the platform."""

import json

from fraudmodel.serving.registry import ModelRegistry, ensure_starter_model


def test_a_model_needing_features_the_code_no_longer_computes_gets_a_new_starter(tmp_path):
    old = ensure_starter_model(tmp_path)
    metadata = json.loads((old / "metadata.json").read_text())
    metadata["feature_names"][0] = "a_feature_removed_since"
    (old / "metadata.json").write_text(json.dumps(metadata))

    new = ensure_starter_model(tmp_path)

    assert new != old
    assert ModelRegistry(tmp_path).active.folder == new


def test_a_model_trained_on_older_feature_definitions_gets_a_new_starter(tmp_path):
    old = ensure_starter_model(tmp_path)
    metadata = json.loads((old / "metadata.json").read_text())
    del metadata["feature_definitions"]  # as written before the definitions were versioned
    (old / "metadata.json").write_text(json.dumps(metadata))

    new = ensure_starter_model(tmp_path)

    assert new != old
    assert ModelRegistry(tmp_path).active.folder == new
