"""The README's rules section, its fraudctl commands run as written, in order, against the real store
(PostgreSQL) and scoring's real rule engine: a list and a rule written, listed, a draft previewed, a
history generated and the rule set backtested at the version `rules list` printed. Only `--store` is
added (the test's store listens on a port of its own); the curl lines need the edge and are left out."""

from __future__ import annotations

import pathlib
import re
import shlex

import pytest
from fraudctl_runs import fraudctl
from rule_servers import rule_service
from test_store_rule_preview import evaluator, history  # noqa: F401  (history: stored decisions to preview on)
from test_store_rule_service import empty_rules

README = pathlib.Path(__file__).parents[3] / "README.md"
ON_STORE_GROUPS = {"rules", "lists"}  # take `--store` before their subcommand; backtest takes it after


def readme_commands(section: str = "### Rules and lists") -> list[list[str]]:
    """The fraudctl commands of the section's first bash block, each as its words."""
    text = README.read_text()
    block = re.search(r"```bash\n(.*?)```", text[text.index(section) :], re.S)
    assert block is not None, f"no bash block under {section!r}"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.startswith(".venv/bin/fraudctl ")]


@pytest.fixture
async def rules(store_engine, history):  # noqa: F811
    await empty_rules(store_engine)
    async with rule_service(store_engine, evaluator()) as running:
        yield running


# A history of 500 customers over five weeks generated and replayed, by processes that each load the
# model library, and a starter model trained on first use.
@pytest.mark.timeout(900)
async def test_the_readme_writes_previews_and_backtests_a_rule_in_a_few_commands(
    rules, models_dir: pathlib.Path, tmp_path: pathlib.Path
):
    (tmp_path / "models").symlink_to(models_dir)  # as `make up` leaves the newest model in ./models
    printed: dict[str, str] = {}  # what each command printed, by its name ("rules list")
    version = ""  # N in the README: the rule-set version `rules list` printed
    for words in readme_commands():
        command = words[1:]
        name = " ".join(command[:2]) if command[0] in ON_STORE_GROUPS else command[0]
        if command[0] in ON_STORE_GROUPS:
            command[1:1] = ["--store", rules.address]
        elif command[0] == "backtest":
            command += ["--store", rules.address]
        printed[name] = await fraudctl([version if word == "N" else word for word in command], tmp_path)
        if name == "rules list":
            version = re.search(r"rule set version (\d+)", printed[name]).group(1)  # type: ignore[union-attr]

    assert list(printed) == [
        "lists create",
        "lists add",
        "rules create",
        "rules list",
        "rules preview",
        "generate",
        "backtest",
    ]
    assert "big card-not-present" in printed["rules list"]
    assert printed["rules preview"].startswith("scanned ")
    report = printed["backtest"]
    assert report.splitlines()[0].endswith(f", rule set {version}")
    [rule_line] = [line for line in report.splitlines() if "big card-not-present" in line]
    assert "SHADOW" in rule_line.split()
