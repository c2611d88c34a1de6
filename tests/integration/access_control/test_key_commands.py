"""`fraudctl keys` and `fraudctl audit` against the real PostgreSQL, as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from fraudmesh.access.api_keys import well_formed


def _fraudctl(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "fraudctl.cli", *args],
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_create_prints_the_key_once_list_shows_only_its_prefix_and_revoke_is_audited(access_database_url):
    created = json.loads(
        _fraudctl(access_database_url, "keys", "create", "--role", "viewer", "--name", "cli", "--json")
    )
    assert well_formed(created["key"]) and created["role"] == "viewer"
    listed = _fraudctl(access_database_url, "keys", "list")
    assert created["id"] in listed and created["prefix"] in listed
    assert created["key"] not in listed
    _fraudctl(access_database_url, "keys", "revoke", created["id"])
    assert created["id"] not in _fraudctl(access_database_url, "keys", "list")
    events = json.loads(_fraudctl(access_database_url, "audit", "--target", created["id"], "--json"))
    assert [event["action"] for event in events] == ["api_key.revoke", "api_key.create"]
    assert events[0]["actor"].startswith("operator:")
