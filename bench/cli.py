"""`python -m bench` (what `make bench` runs) and `fraudctl platform-bench`: load benchmarks of the
whole platform. `--smoke` runs each part for a few seconds, to check the harness on a busy machine."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from fraudctl.runtime.services import ServicePorts
from fraudmesh.kafka_topics import TRANSACTIONS_PARTITIONS

if TYPE_CHECKING:
    from bench.runner import Options


def _rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected rates like 250,500,1000, got {text!r}") from None
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError(f"rates must be positive numbers, got {text!r}")
    return rates


def _parts(text: str) -> tuple[str, ...]:
    from bench.runner import PARTS

    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"parts: unknown {unknown or text!r}; choose from {', '.join(PARTS)}")
    return parts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.runner import PARTS, Options

    defaults = Options()
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds per rate and small counts: proves the harness, measures little",
    )
    parser.add_argument(
        "--only",
        type=_parts,
        default=None,
        metavar="PARTS",
        help=f"comma-separated parts to run (default all): {','.join(PARTS)}",
    )
    parser.add_argument(
        "--rates", type=_rates, default=None, help="end-to-end rates per second (default 250,500,1000,2000,3000)"
    )
    parser.add_argument(
        "--seconds", type=float, default=None, help=f"seconds per rate (default {defaults.seconds:g}; smoke 3)"
    )
    parser.add_argument("--search-steps", type=int, default=None, help="runs searching for the highest sustained rate")
    parser.add_argument(
        "--scale-rates", type=_rates, default=None, help="the `scale` part's rates per second (default 500,1000,2000)"
    )
    parser.add_argument(
        "--scale-instances",
        type=int,
        default=defaults.scale_instances,
        help="the `scale` part measures 1 to this many scoring instances (default %(default)d)",
    )
    parser.add_argument(
        "--sustain-p99-ms",
        type=float,
        default=defaults.sustain_p99_ms,
        help="a rate whose p99 exceeds this is not sustained (default %(default)g)",
    )
    parser.add_argument(
        "--generators", type=int, default=defaults.generators, help="load generator processes (default %(default)d)"
    )
    parser.add_argument(
        "--out", type=pathlib.Path, default=defaults.out_dir, help="results folder (default bench/results)"
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the private platform's folder (logs) afterwards")
    parser.add_argument(
        "--models",
        type=pathlib.Path,
        default=None,
        help="models folder the scoring service serves (default: a starter model trained for the run)",
    )
    parser.add_argument("--log-level", default=defaults.log_level, help="services' LOG_LEVEL (default %(default)s)")
    running = parser.add_argument_group("a platform already running (e.g. `make up`) instead of a private one")
    running.add_argument("--running", action="store_true", help="benchmark the platform at the addresses below")
    running.add_argument("--kafka", default=defaults.kafka, help="Kafka bootstrap servers (default %(default)s)")
    running.add_argument(
        "--database-url",
        default=defaults.database_url,
        help="its PostgreSQL (SQLAlchemy URL; default DATABASE_URL, else the owner's from --data-dir)",
    )
    running.add_argument("--postgres-port", type=int, default=defaults.postgres_port)
    running.add_argument(
        "--data-dir",
        type=pathlib.Path,
        default=defaults.data_dir,
        help="the folder `make up` keeps the platform's passwords, keys and certificates in (default .data)",
    )
    for name in ("ingest", "scoring", "store", "notify", "edge"):
        running.add_argument(f"--{name}-port", type=int, default=getattr(ServicePorts(), name))


def options_from(args: argparse.Namespace) -> Options:
    from bench.runner import SMOKE, Options

    chosen: dict[str, Any] = dict(SMOKE) if args.smoke else {}  # Options fields by name
    for name in ("rates", "seconds", "search_steps", "scale_rates"):
        if getattr(args, name) is not None:
            chosen[name] = getattr(args, name)
    if args.only:
        chosen["parts"] = args.only
    if args.generators < 1:
        raise SystemExit("--generators: must be at least 1")
    if not 1 <= args.scale_instances <= TRANSACTIONS_PARTITIONS:
        raise SystemExit(f"--scale-instances: must be 1 to {TRANSACTIONS_PARTITIONS}, the topic's partitions")
    ports = ServicePorts(
        **{name: getattr(args, f"{name}_port") for name in ("ingest", "scoring", "store", "notify", "edge")}
    )
    return dataclasses.replace(
        Options(),
        smoke=args.smoke,
        sustain_p99_ms=args.sustain_p99_ms,
        generators=args.generators,
        scale_instances=args.scale_instances,
        out_dir=args.out,
        keep_data=args.keep_data,
        log_level=args.log_level,
        models_dir=args.models,
        running=args.running,
        kafka=args.kafka,
        database_url=args.database_url,
        postgres_port=args.postgres_port,
        data_dir=args.data_dir,
        ports=ports,
        **chosen,
    )


def run(args: argparse.Namespace) -> int:
    from bench.runner import Run

    paths = Run(options_from(args)).run()
    print(
        f"\nsummary: {paths['markdown']}\nresults: {paths['json']}"
        + (f"\nplot:    {paths['plot']}" if "plot" in paths else "")
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `platform-bench` to fraudctl (`fraudctl bench` is the model's in-process benchmark)."""
    parser = subparsers.add_parser(
        "platform-bench", help="load benchmarks of the whole platform (what `make bench` runs)", description=__doc__
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
