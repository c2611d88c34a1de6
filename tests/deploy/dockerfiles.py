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
