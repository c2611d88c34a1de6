from __future__ import annotations

import pathlib

import pytest

from .compose_files import load_compose, read_env_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP_SERVICES = ("ingest", "scoring", "store", "notify", "edge")


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return read_env_file(ROOT / ".env.example")


@pytest.fixture(scope="session")
def compose(env_example: dict[str, str]) -> dict:
    return load_compose(ROOT / "docker-compose.yml", env_example)
