"""Which Node.js versions the console's engines accept, and that the fallback is one of them."""

from __future__ import annotations

import pytest

from fraudctl.devtools import node_runtime
from fraudctl.devtools.node_runtime import parse_version, satisfies

ENGINES = "^20.19.0 || ^22.13.0 || >=24"


@pytest.mark.parametrize(
    ("version", "fits"),
    [
        ("v18.19.0", False),  # Debian 12's
        ("v20.18.3", False),
        ("v20.19.0", True),
        ("v20.20.2", True),
        ("v21.7.0", False),
        ("v22.12.0", False),
        ("v22.13.1", True),
        ("v23.11.0", False),
        ("v24.0.0", True),
        ("v26.10.0", True),
    ],
)
def test_engines_range(version: str, fits: bool) -> None:
    assert satisfies(parse_version(version), ENGINES) is fits


def test_an_exact_version_matches_only_itself() -> None:
    assert satisfies((22, 13, 0), "22.13.0")
    assert not satisfies((22, 13, 1), "22.13.0")


def test_a_version_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not a Node\.js version"):
        parse_version("node: command not found")


def test_the_fallback_fits_the_console_and_matches_nvmrc() -> None:
    fallback = parse_version(node_runtime.FALLBACK_VERSION)
    assert satisfies(fallback, node_runtime.required_range())
    assert fallback[0] == parse_version(node_runtime.NVMRC.read_text())[0]
