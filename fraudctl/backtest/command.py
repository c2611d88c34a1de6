"""`fraudctl backtest --history FILE [--rules FILE | --ruleset VERSION] [--model DIR] [--replay-days N]`

Warms the features on the history before its last `--replay-days` days, then replays those days in
event time (labels arriving after the label delay) through the model and a rule set, and prints the
report: AP, precision and recall at the thresholds, the decision rates, fraud caught and legitimate
spend declined, and per rule its hits, precision and overlaps.

The rule set: `--rules FILE` (JSON: {"rules": [{"id", "name", "expression", "action", "priority",
"status", "score_delta"}], "lists": [{"name", "kind", "field", "entries"}]}), or the one store
kept at rule-set version N (`--ruleset N`: its rules as revised by then, its lists and their entries
as they were then; store keeps the rule set's history from migration 0008 on)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc

from fraudctl.backtest.replay import BacktestReport, backtest
from fraudctl.operator_channel import operator_channel
from fraudctl.rule_commands import STORE_ADDRESS
from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet, RuleStatus

DEFAULT_MODELS = Path("models")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backtest", help="replay labelled history through the model and a rule set")
    p.add_argument("--history", type=Path, required=True, help="labelled history, CSV or Parquet")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--rules", type=Path, help="a rule set as JSON (see `fraudctl backtest -h`)")
    which.add_argument(
        "--ruleset",
        type=int,
        help="the rule set store kept at this rule-set version (`fraudctl rules list` shows now's)",
    )
    p.add_argument("--model", default="", help="a model version folder, or a version under models/ (default: newest)")
    p.add_argument("--replay-days", type=float, default=7.0, help="the last days replayed (default 7)")
    p.add_argument("--store", default=STORE_ADDRESS, metavar="ADDRESS", help=f"store_svc (default {STORE_ADDRESS})")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(run=cmd_backtest)


def rule_set_from_file(path: Path) -> RuleSet:
    given: dict[str, Any] = json.loads(path.read_text())
    rules = [
        Rule(
            id=str(rule.get("id") or f"r{index}"),
            name=rule["name"],
            expression=rule["expression"],
            action=Action(rule["action"]),
            priority=int(rule.get("priority", 100)),
            status=RuleStatus(rule.get("status", "ACTIVE")),
            score_delta=float(rule.get("score_delta", 0.0)),
        )
        for index, rule in enumerate(given.get("rules", []), start=1)
    ]
    lists = [
        NamedList(
            named["name"],
            frozenset(named.get("entries", [])),
            ListKind(named.get("kind", "REFERENCE")),
            named.get("field"),
        )
        for named in given.get("lists", [])
    ]
    return RuleSet.compile(rules, lists, f"file:{path.name}")


async def rule_set_from_store(address: str, version: int) -> RuleSet:
    """The rule set, lists included, as it was at rule-set `version` (store keeps its history)."""
    from scoring_svc.rule_source import RuleSource

    if version == 0:  # before the first change (0 asks store for the set now)
        return RuleSet.empty("0")
    async with operator_channel(address) as channel:
        try:
            rule_set, _ = await RuleSource(channel).load(at_version=version)
        except grpc.aio.AioRpcError as error:
            raise SystemExit(f"--ruleset {version}: {error.code().name}: {error.details()}") from None
    return rule_set


def model_folder(given: str) -> Path:
    if given and Path(given).is_dir():
        return Path(given)
    versions = (
        sorted(p for p in DEFAULT_MODELS.iterdir() if (p / "model.onnx").is_file()) if DEFAULT_MODELS.is_dir() else []
    )
    chosen = [p for p in versions if p.name == given] if given else versions[-1:]
    if not chosen:
        raise SystemExit(f"--model {given or '(newest)'}: no such model version folder under {DEFAULT_MODELS}/")
    return chosen[0]


def cmd_backtest(args: argparse.Namespace) -> int:
    from fraudmodel.evaluation.batch_scoring import scorer_for, warm_from_history
    from fraudmodel.history_files import frame_to_events, read_history

    if args.rules is not None:
        rule_set = rule_set_from_file(args.rules)
    elif args.ruleset is not None:
        rule_set = asyncio.run(rule_set_from_store(args.store, args.ruleset))
    else:
        rule_set = RuleSet.empty("none")
    events = frame_to_events(read_history(args.history))
    if not events:
        raise SystemExit(f"--history {args.history}: no transactions")
    cut = max(e.occurred_at for e in events) - timedelta(days=args.replay_days)
    scorer = scorer_for(model_folder(args.model))
    warm_from_history(scorer, [e for e in events if e.occurred_at < cut])
    report = backtest(scorer, rule_set, [e for e in events if e.occurred_at >= cut])
    print(
        json.dumps(report_object(report, rule_set, scorer.registry.active.version), indent=2)
        if args.json
        else report_text(report, rule_set.version, scorer.registry.active.version)
    )
    return 0


def report_object(report: BacktestReport, rule_set: RuleSet, model_version: str) -> dict[str, Any]:
    from dataclasses import asdict

    return {"model_version": model_version, "rule_set_version": rule_set.version, **asdict(report)}


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def report_text(report: BacktestReport, rule_set_version: str, model_version: str) -> str:
    lines = [
        f"backtest: model {model_version}, rule set {rule_set_version}",
        f"  transactions {report.transactions:,}, frauds {report.frauds:,}",
        f"  average precision (model score)  {report.average_precision:.4f}",
        f"  at REVIEW or worse   precision {_share(report.precision_at_review)}  recall {_share(report.recall_at_review)}",
        f"  at DECLINE           precision {_share(report.precision_at_decline)}  recall {_share(report.recall_at_decline)}",
        "  rates  " + "  ".join(f"{name} {_share(rate)}" for name, rate in report.rates.items()),
        f"  fraud amount {report.fraud_amount:,.2f}, caught (review or decline) {report.fraud_amount_caught:,.2f}",
        f"  legitimate amount declined {report.legitimate_amount_declined:,.2f}",
    ]
    if report.rules:
        lines.append(
            f"  {'rule':<28} {'status':<7} {'hits':>7} {'frauds':>7} {'precision':>9} {'∩ model':>8} {'∩ rules':>8}"
        )
        for rule in report.rules:
            lines.append(
                f"  {rule.name[:28]:<28} {rule.status:<7} {rule.hits:>7,} {rule.frauds_hit:>7,} "
                f"{_share(rule.precision):>9} {_share(rule.overlap_with_model):>8} {_share(rule.overlap_with_rules):>8}"
            )
    for rule_id, count in report.rule_errors.items():
        lines.append(f"  rule {rule_id} failed on {count:,} transactions (counted as not fired)")
    return "\n".join(lines)
