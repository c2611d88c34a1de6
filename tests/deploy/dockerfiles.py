"""A Dockerfile read into build stages of (instruction, arguments), enough for structural checks;
hadolint does the linting proper."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re


@dataclasses.dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def read_stages(path: pathlib.Path) -> list[Stage]:
    logical_lines, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical_lines.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical_lines:
        instruction, _, args = line.strip().partition(" ")
        instruction, args = instruction.upper(), " ".join(args.split())
        if instruction == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            assert match, f"{path.name}: cannot read FROM {args}"
            stages.append(Stage(base=match.group(1), name=match.group(2)))
        elif stages:
            stages[-1].instructions.append((instruction, args))
    return stages


def exec_form(args: str) -> list[str]:
    """The JSON array of a CMD or HEALTHCHECK ... CMD in exec form."""
    return json.loads(args[args.index("[") :])


def uv_sync_commands(stages: list[Stage]) -> list[list[str]]:
    """The arguments of each `uv sync` in the RUN instructions, from `sync` on."""
    commands = []
    for stage in stages:
        for run in stage.all("RUN"):
            words = run.split()
            for index in range(len(words) - 1):
                if words[index] == "uv" and words[index + 1] == "sync":
                    end = next((i for i in range(index, len(words)) if words[i] in {"&&", ";", "||"}), len(words))
                    commands.append(words[index + 1 : end])
    return commands


def synced_extras(stages: list[Stage]) -> list[str]:
    """The project extras the image's `uv sync` installs (`--extra NAME`, `--extra=NAME`)."""
    extras = []
    for words in uv_sync_commands(stages):
        for index, word in enumerate(words):
            if word == "--extra" and index + 1 < len(words):
                extras.append(words[index + 1])
            elif word.startswith("--extra="):
                extras.append(word.split("=", 1)[1])
    return extras


def copied_paths(stage: Stage) -> list[str]:
    """What the stage copies from the build context (not from other stages), as written."""
    paths = []
    for args in stage.all("COPY"):
        words = args.split()
        if any(word.startswith("--from") for word in words):
            continue
        paths.extend(word.rstrip("/") for word in words[:-1] if not word.startswith("--"))
    return paths
