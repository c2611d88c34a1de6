"""Where the services spend their time under load: py-spy samples each running service from outside
(no change to the service, little overhead) and writes collapsed stacks; the summary is the functions
most often on top of the stack (self) and anywhere on it (inclusive).

Only samples of a thread holding the GIL are kept (`--gil`): waiting in epoll or for a lock is not
work, and the share of instants at which the process held the GIL says how close it is to the one
core a Python process can use."""

from __future__ import annotations

import asyncio
import logging
import pathlib
import re
import shutil
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Frames on the way down to the work in every asyncio program: in the inclusive list they hide it.
SCAFFOLDING = ("asyncio/", "runpy", "/threading.py", "/selectors.py", "uvicorn/", "__main__.py", "concurrent/futures")


@dataclass
class Profile:
    service: str
    seconds: float
    samples: int
    busy: float  # share of the sampling instants at which the process held the GIL
    top_self: list[tuple[str, float]]  # function, share of samples with it on top of the stack
    top_inclusive: list[tuple[str, float]]  # function, share of samples with it anywhere on the stack
    collapsed_file: str


def frame_name(frame: str) -> str:
    """`function (path/to/module.py:123)` as `function (to/module.py)`: by function, not by line."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    short = "/".join(match["file"].split("/")[-2:])
    return f"{match['function']} ({short})"


def parse_collapsed(text: str) -> Counter[tuple[str, ...]]:
    """py-spy's raw output: one `frame;frame;...;leaf count` line per distinct stack."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        stacks[tuple(frame_name(f) for f in stack.split(";"))] += int(count)
    return stacks


def top_functions(
    stacks: Mapping[tuple[str, ...], int], limit: int = 12
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    total = sum(stacks.values())
    if total == 0:
        return [], []
    leaf: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for stack, count in stacks.items():
        if not stack:
            continue
        leaf[stack[-1]] += count
        for function in set(stack):
            anywhere[function] += count
    inclusive = [
        (name, count / total)
        for name, count in anywhere.most_common()
        if count / total < 0.999 and not any(part in name for part in SCAFFOLDING)
    ]
    return [(name, count / total) for name, count in leaf.most_common(limit)], inclusive[:limit]


def py_spy() -> str | None:
    return shutil.which("py-spy") or shutil.which("py-spy", path=str(pathlib.Path(sys.executable).parent))


async def profile_services(
    pids: Mapping[str, int], seconds: float, out_dir: pathlib.Path, rate_hz: int = 100
) -> list[Profile]:
    """Samples every service at once for `seconds` while the caller keeps the load on."""
    binary = py_spy()
    if binary is None:
        log.warning("py-spy is not installed (uv sync --group dev): no profiles")
        return []
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    runs = {}
    for service, pid in pids.items():
        output = out_dir / f"{service}.collapsed.txt"
        runs[service] = (
            output,
            await asyncio.create_subprocess_exec(
                binary,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(seconds))),
                "--rate",
                str(rate_hz),
                "--nonblocking",
                "--gil",
                "--format",
                "raw",
                "--output",
                str(output),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            ),
        )
    profiles = []
    for service, (output, process) in runs.items():
        _, stderr = await process.communicate()
        if process.returncode != 0 or not output.exists():
            log.warning("py-spy on %s failed: %s", service, stderr.decode(errors="replace")[-500:])
            continue
        stacks = parse_collapsed(output.read_text())
        samples = sum(stacks.values())
        top_self, top_inclusive = top_functions(stacks)
        profiles.append(
            Profile(service, seconds, samples, samples / (rate_hz * seconds), top_self, top_inclusive, str(output))
        )
    return profiles
