"""Reads one trace from Jaeger's query API (JAEGER_QUERY_URL). The edge has no HTTP client library
and needs one request per trace view, so the standard library's, in a worker thread, is enough."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any


class JaegerUnavailable(Exception):
    """Jaeger is not configured, cannot be reached, or answered with an error."""


class TraceNotFound(Exception):
    """Jaeger holds no span of the trace (yet: services export their spans in batches)."""


def _get(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (configured URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise TraceNotFound from None
        raise JaegerUnavailable(f"Jaeger answered {error.code} at {url}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise JaegerUnavailable(f"cannot read {url}: {error}") from None


async def fetch_trace(query_url: str, trace_id: str, timeout: float) -> dict[str, Any]:
    """Jaeger's JSON for the trace (its UI's /api/traces/{id} form)."""
    if not query_url:
        raise JaegerUnavailable("no Jaeger is configured: set JAEGER_QUERY_URL on the edge")
    url = f"{query_url.rstrip('/')}/api/traces/{trace_id}"
    return await asyncio.to_thread(_get, url, timeout)
