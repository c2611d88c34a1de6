"""`python -m edge.openapi_document [--out PATH]`: the edge's OpenAPI document as JSON, from the app
built offline (no server, no channel opened: the lifespan never runs). The console's API types
(web/src/api/schema.ts) are generated from it by `npm run api:generate` in web/."""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams


def openapi_document() -> dict:
    # The defaults, not this shell's environment: WAIT_MS_MAX, for one, shows in the document.
    settings = EdgeSettings.model_construct()
    upstreams = Upstreams(UpstreamAddresses.from_settings(settings))
    return create_app(settings, upstreams).openapi()


def render(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m edge.openapi_document", description="Print the edge's OpenAPI document as JSON."
    )
    parser.add_argument("--out", type=pathlib.Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    text = render(openapi_document())
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
