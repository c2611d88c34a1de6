"""Serves the built console, so one port carries the console and the API.

The console routes on the client (/transactions/abc, /models): a path that is no file gets
index.html and the browser's router takes it from there. Paths under /api/ and missing files
(a stale asset) never do: they are a 404, not a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# The console's own files only: no inline script, no frames, no other origin but the sign-in's issuer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, "" for none: what a CSP source list names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(issuer_origin: str = "") -> str:
    connect = " ".join(filter(None, ["'self'", issuer_origin]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        f"connect-src {connect}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


class ConsoleFiles(StaticFiles):
    def __init__(self, *args: Any, issuer_origin: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._headers = {**SECURITY_HEADERS, "Content-Security-Policy": content_security_policy(issuer_origin)}

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await self._file_or_console(path, scope)
        response.headers.update(self._headers)
        return response

    async def _file_or_console(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or path == "api" or path.startswith("api/") or _looks_like_file(path):
                raise
            return await super().get_response("index.html", scope)


def _looks_like_file(path: str) -> bool:
    """/assets/app-1234.js that is missing is a stale asset, not a console route: 404 it."""
    return "." in path.rsplit("/", 1)[-1]
