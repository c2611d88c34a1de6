"""fraudctl run as a user runs it, against a test's store server."""

from __future__ import annotations

import asyncio
import os
import pathlib
import shlex
import sys

FRAUDCTL = [sys.executable, "-m", "fraudctl.cli"]


async def fraudctl(words: list[str], cwd: pathlib.Path) -> str:
    """Its standard output. In its own process, so the test's event loop keeps serving store
    meanwhile; in plaintext, as the test's store server listens."""
    process = await asyncio.create_subprocess_exec(
        *FRAUDCTL,
        *words,
        cwd=cwd,
        env={**os.environ, "GRPC_TLS": "false", "FRAUDMESH_API_KEY": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=600)
    assert process.returncode == 0, f"fraudctl {shlex.join(words)}: {err.decode()}"
    return out.decode()
