"""Fixtures the console's browser tests share with the end-to-end tests."""

from tests.e2e.test_model_activation import second_version  # noqa: F401 (a second model version to activate)
