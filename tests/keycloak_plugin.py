"""One real Keycloak for the session (fraudctl/runtime/keycloak.py, as `fraudctl` would run it),
started only when a test asks for it; tests that use it are marked `keycloak`, so
`-m "not keycloak"` leaves it out. Its download and start times are printed at the end.

A plugin (registered in tests/conftest.py) rather than a conftest, so the access tests and the
console's sign-in test share the one server."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator

import pytest

from fraudctl.runtime.keycloak import KEYCLOAK_VERSION, KeycloakServer, ensure_distribution
from fraudctl.runtime.waiting import free_port

_timings: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "keycloak: needs the real Keycloak the test session starts (set from the fixtures a test uses)"
    )


def _uses_keycloak(item: pytest.Item) -> bool:
    return "keycloak" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_keycloak(item):
            item.add_marker("keycloak")
            # The first test's time includes Keycloak's start: up to four minutes on a busy
            # two-core machine (its own wait gives up after eight), more than the usual 300 s allows.
            # A test that also starts more than Keycloak says so with a timeout of its own.
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(600))


def pytest_collection_finish(session: pytest.Session) -> None:
    # The download (177 MB) and build (`kc.sh build`, minutes on a busy machine) happen once per
    # machine, before any test's timeout starts, as the Jaeger build does.
    if not session.config.option.collectonly and any(_uses_keycloak(item) for item in session.items):
        started = time.monotonic()
        ensure_distribution()
        _timings["distribution (downloaded and built the first time) ready in"] = time.monotonic() - started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _timings:
        parts = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in _timings.items())
        terminalreporter.write_line(f"Keycloak {KEYCLOAK_VERSION}: {parts}")


@pytest.fixture(scope="session")
def keycloak(runtime_dir: pathlib.Path) -> Iterator[KeycloakServer]:
    server = KeycloakServer(runtime_dir / "keycloak", port=free_port(), management_port=free_port())
    server.data_dir.mkdir(parents=True)
    try:
        server.start()
        _timings["started (launch to realm served) in"] = server.started_in
        yield server
    finally:
        server.stop()
