"""Serves the built console, so one port carries the console and the API.

The console routes on the client (/transactions/abc, /models): a path that is no file gets
index.html and the browser's router takes it from there. Paths under /api/ and missing files
(a stale asset) never do: they are a 404, not a page.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class ConsoleFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or path == "api" or path.startswith("api/") or _looks_like_file(path):
                raise
            return await super().get_response("index.html", scope)


def _looks_like_file(path: str) -> bool:
    """/assets/app-1234.js that is missing is a stale asset, not a console route: 404 it."""
    return "." in path.rsplit("/", 1)[-1]
