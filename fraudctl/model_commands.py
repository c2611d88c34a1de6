"""The model commands of `fraudctl`: generate, train, score, evaluate, bench. Each handler is a plain
function of the parsed arguments returning an exit code; `register` adds them to fraudctl's parser."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_MODELS_DIR = Path("models")
GENERATORS = ("cardholders", "terminals")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "generate", help="write a generated labelled history of transactions (CSV, or Parquet by extension)"
    )
    p.add_argument("--out", type=Path, required=True, help="output file: .csv or .parquet")
    p.add_argument(
        "--generator",
        choices=GENERATORS,
        default="cardholders",
        help="cardholders: US cities, USD, labels after 7 days (default); terminals: Brazil, terminals "
        "with coordinates and no city, BRL, about 5%% fraud, labels after 6-10 days (a `labelled_at` column)",
    )
    p.add_argument("--users", type=int, default=2000, help="customers (default 2000)")
    p.add_argument("--days", type=int, default=56, help="days of history (default 56 = 8 weeks)")
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same file")
    p.add_argument("--start", type=_date, default=datetime(2025, 1, 6, tzinfo=UTC), help="first day, YYYY-MM-DD")
    p.add_argument(
        "--scenario-column",
        action="store_true",
        help="add a `scenario` column naming the fraud pattern of each row (for analysis)",
    )
    p.set_defaults(run=cmd_generate)

    p = subparsers.add_parser("train", help="train a model version from labelled history")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="labelled history, CSV or Parquet")
    source.add_argument(
        "--from-store",
        metavar="ADDRESS",
        nargs="?",
        const="127.0.0.1:50053",
        help="train on what store_svc holds, analysts' labels included (default 127.0.0.1:50053)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_MODELS_DIR, help="models folder (default models/)")
    p.add_argument(
        "--scoring",
        metavar="ADDRESS",
        default="127.0.0.1:50052",
        help="with --from-store: the scoring_svc that serves the trained model as its shadow, loading it "
        "from its MODELS_DIR, which --out must be (default 127.0.0.1:50052)",
    )
    p.add_argument(
        "--no-shadow",
        action="store_true",
        help="with --from-store: only write the model, do not make it scoring's shadow model",
    )
    p.add_argument("--no-baselines", action="store_true", help="skip the two random-forest baselines")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="OpenMP threads for the fit (default 1)")
    p.set_defaults(run=cmd_train)

    p = subparsers.add_parser("score", help="score a file after warming state on a history file")
    p.add_argument("--model", type=Path, required=True, help="a model version folder")
    p.add_argument("--history", type=Path, help="earlier transactions that warm user and merchant state")
    p.add_argument("--data", type=Path, required=True, help="transactions to score (labels in it are ignored)")
    p.add_argument("--out", type=Path, required=True, help="CSV: transaction_id,score,decision,reasons")
    p.set_defaults(run=cmd_score)

    p = subparsers.add_parser(
        "evaluate",
        help="score a labelled file and print the metrics fraud teams use; or, with --across-generators, "
        "train on each generator's history and test on every one beside the Handbook baseline",
    )
    p.add_argument("--model", type=Path, help="a model version folder (required without --across-generators)")
    p.add_argument("--history", type=Path, help="earlier transactions that warm user and merchant state")
    p.add_argument(
        "--data", type=Path, help="labelled transactions to evaluate on (required without --across-generators)"
    )
    p.add_argument("--json", type=Path, help="also write the metrics here as JSON")
    p.add_argument(
        "--across-generators",
        action="store_true",
        help="generate a cardholders and a terminals history, train on each, test on both (four cells)",
    )
    p.add_argument(
        "--customers", type=int, default=500, help="with --across-generators: customers per history (default 500)"
    )
    p.add_argument("--days", type=int, default=56, help="with --across-generators: days per history (default 56)")
    p.add_argument("--seed", type=int, default=7, help="with --across-generators: generators' seed (default 7)")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_MODELS_DIR / "evaluation",
        help="with --across-generators: folder of the report (default models/evaluation)",
    )
    p.set_defaults(run=cmd_evaluate)

    p = subparsers.add_parser("bench", help="benchmarks that print numbers")
    p.add_argument("target", choices=["scoring"], help="what to measure")
    p.add_argument("--model", type=Path, help="a model version folder (default: a starter model in a temp folder)")
    p.add_argument("--transactions", type=int, default=20000, help="transactions measured (default 20000)")
    p.add_argument("--users", type=int, default=2000, help="customers of the generated history (default 2000)")
    p.add_argument("--all-cores", action="store_true", help="do not pin the process to one core")
    p.set_defaults(run=cmd_bench)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--start: expected YYYY-MM-DD, got {text!r}") from None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_generate(args: argparse.Namespace) -> int:
    from fraudmodel.history_files import write_history

    try:
        frame, extra = _generated(args.generator, args.users, args.days, args.start, args.seed)
    except ValueError as error:
        return _fail(str(error))
    write_history(frame, args.out, extra_columns=(*extra, *(("scenario",) if args.scenario_column else ())))
    print(
        f"wrote {len(frame):,} transactions of {args.users:,} customers over {args.days} days to {args.out} "
        f"({frame['is_fraud'].mean():.2%} fraudulent)"
    )
    return 0


def _generated(generator: str, users: int, days: int, start: datetime, seed: int) -> tuple[Any, tuple[str, ...]]:
    """The generated history frame, and the extra columns it always writes."""
    if generator == "terminals":
        from fraudmodel.generators.terminals.config import TerminalsConfig
        from fraudmodel.generators.terminals.history import generate_terminals_history

        config = TerminalsConfig(customers=users, days=days, start=start, seed=seed)
        return generate_terminals_history(config).frame, ("labelled_at",)
    from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history

    return generate_history(HistoryConfig(users=users, days=days, start=start, seed=seed), progress=True), ()


def cmd_train(args: argparse.Namespace) -> int:
    from fraudmodel.evaluation.metrics import format_metrics
    from fraudmodel.history_files import HistoryFormatError
    from fraudmodel.training.training import TrainingOptions

    options = TrainingOptions(baselines=not args.no_baselines, seed=args.seed, threads=args.threads)
    if args.from_store:
        args.data = _export_store(args.from_store, args.out)
    try:
        result = _train_file(args.data, args.out, options)
    except (FileNotFoundError, HistoryFormatError, ValueError) as error:
        return _fail(str(error))
    print(f"\nmodel version {result.version} written to {result.folder}")
    print("candidates, by average precision on the validation weeks:")
    for candidate in sorted(result.candidates, key=lambda c: -c["validation_average_precision"]):
        settings = ", ".join(f"{key}={value}" for key, value in candidate["params"].items())
        print(
            f"  {'*' if candidate['chosen'] else ' '} {candidate['family']:<20} AP {candidate['validation_average_precision']:.4f}"
            f"  ROC AUC {candidate['validation_roc_auc']:.4f}  fit {candidate['fit_seconds']:.1f} s  ({settings})"
        )
    print(format_metrics("ours (test weeks)", result.metrics))
    for name, metrics in result.baseline_metrics.items():
        print(format_metrics(f"baseline: {name}", metrics))
    print(f"report: {result.folder / 'report.md'}")
    if args.from_store and not args.no_shadow:
        return _register_shadow(args.scoring, result.version)
    return 0


def _register_shadow(scoring_address: str, version: str) -> int:
    import asyncio

    from fraudctl.shadow_registration import ShadowRegistrationError, register_shadow

    try:
        asyncio.run(register_shadow(scoring_address, version))
    except ShadowRegistrationError as error:
        return _fail(str(error))
    print(
        f"{version} is now the shadow model of every scoring instance: it scores live traffic beside the "
        "active model without deciding; compare the two on the console's models page before activating it"
    )
    return 0


def _train_file(data: Path, out: Path, options: Any) -> Any:
    """train_from_file, except that a file saying when each label became known (`labelled_at`, as the
    terminals generator and the store's export write) feeds merchant risk from those times and gets a
    split gap as long as the 99th percentile of its label delays (fraudmodel.training.label_delays)."""
    from dataclasses import replace

    from fraudmodel.evaluation.cross_generator import events_with_label_times
    from fraudmodel.history_files import read_history
    from fraudmodel.training.label_delays import label_delays
    from fraudmodel.training.training import fingerprint, train

    frame = read_history(data)
    events = None
    delays = label_delays(frame)
    if delays is not None:
        print(delays.describe())
        events = events_with_label_times(frame)
        delay = max(delays.gap, options.label_delay)
        options = replace(options, label_delay=delay, split=replace(options.split, gap=max(options.split.gap, delay)))
    return train(frame, out, options, data_fingerprint=fingerprint(data), source=str(data), events=events)


def _export_store(address: str, models_dir: Path) -> Path:
    import asyncio

    from fraudctl.store_history import export_history

    path = models_dir / "exports" / f"store-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.parquet"
    rows = asyncio.run(export_history(address, path))
    print(f"exported {rows:,} stored transactions from {address} to {path}")
    return path


def cmd_score(args: argparse.Namespace) -> int:
    import csv

    from fraudmesh.errors import DomainError
    from fraudmodel.evaluation.batch_scoring import score_file
    from fraudmodel.history_files import HistoryFormatError

    try:
        scored = score_file(args.model, args.data, args.history)
    except (FileNotFoundError, HistoryFormatError, DomainError) as error:
        return _fail(str(error))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["transaction_id", "score", "decision", "reasons"])
        for tid, result in zip(scored.frame["transaction_id"], scored.results, strict=True):
            writer.writerow([tid, f"{result.score:.6f}", result.decision, "; ".join(r.text for r in result.reasons)])
    counts = {d: sum(r.decision == d for r in scored.results) for d in ("APPROVE", "REVIEW", "DECLINE")}
    summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"scored {len(scored.results):,} transactions to {args.out}: {summary}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.across_generators:
        from fraudctl.cross_evaluation import run_across_generators

        return run_across_generators(args.customers, args.days, args.seed, args.out)
    if args.model is None or args.data is None:
        return _fail("evaluate: --model and --data are required (or --across-generators)")
    import numpy as np

    from fraudmesh.errors import DomainError
    from fraudmodel.evaluation.batch_scoring import score_file
    from fraudmodel.evaluation.metrics import evaluate, format_metrics
    from fraudmodel.history_files import HistoryFormatError

    try:
        scored = score_file(args.model, args.data, args.history)
    except (FileNotFoundError, HistoryFormatError, DomainError) as error:
        return _fail(str(error))
    frame = scored.frame
    labelled = frame["is_fraud"].notna().to_numpy()
    scores = np.array([r.score for r in scored.results])
    model = scored.model
    try:
        metrics = evaluate(
            frame["is_fraud"].to_numpy()[labelled].astype(int),
            scores[labelled],
            frame["user_id"].to_numpy()[labelled],
            frame["occurred_at"][labelled],
            model.thresholds.review,
            model.thresholds.decline,
            frame["amount"].to_numpy(dtype=float)[labelled],
        )
    except ValueError as error:
        return _fail(f"--data {args.data}: {error}")
    print(format_metrics(f"model {model.version} on {args.data}", metrics))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"model_version": model.version, "data": str(args.data), **metrics.as_dict()}, indent=2) + "\n"
        )
        print(f"metrics written to {args.json}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bench import scoring_inprocess as bench

    results = bench.run(args.model, args.transactions, args.users, one_core=not args.all_cores)
    bench.print_results(results)
    return 0
