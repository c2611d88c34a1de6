"""`python -m bench.chaos` (what `make chaos` runs): see docs/reliability.md."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import pathlib
import sys

from bench.chaos import table
from bench.chaos.faults import DESCRIPTIONS, FAULTS
from bench.chaos.suite import LONG_FAULTS, Options


def _faults(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in FAULTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown {unknown or text!r}; choose from {', '.join(FAULTS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument(
        "--faults",
        type=_faults,
        default=LONG_FAULTS,
        help="comma-separated, in order: " + "; ".join(f"{name}: {DESCRIPTIONS[name]}" for name in FAULTS),
    )
    parser.add_argument("--rate", type=float, default=defaults.rate, help="transactions per second over REST")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="seconds of load per fault")
    parser.add_argument("--fault-at", type=float, default=defaults.fault_at_s, help="seconds into the load")
    parser.add_argument("--output", type=pathlib.Path, help="also write the table (markdown) to this file")
    parser.add_argument("--keep-data", action="store_true", help="keep the platform's folder and logs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = dataclasses.replace(
        defaults,
        faults=args.faults,
        rate=args.rate,
        seconds=args.seconds,
        fault_at_s=args.fault_at,
        keep_data=args.keep_data,
    )
    if options.fault_at_s >= options.seconds:
        parser.error("--fault-at must fall inside the --seconds of load")
    rows = asyncio.run(_run(options))
    text = (
        f"{options.rate:g} transactions/s over REST, {options.seconds:g} s of load per fault, "
        f"the fault {options.fault_at_s:g} s in.\n\n"
        + table.markdown(rows, options.recovery_target_s)
        + "\n\n"
        + table.details(rows)
        + "\n"
    )
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    missed = [row.fault for row in rows if not row.meets_target(options.recovery_target_s)]
    if missed:
        print(f"missed the target: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


async def _run(options: Options):
    from bench.chaos.suite import run

    return await run(options)


if __name__ == "__main__":
    sys.exit(main())
