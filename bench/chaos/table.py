"""The markdown table of the suite's figures, one row per fault."""

from __future__ import annotations

from collections.abc import Sequence

from bench.chaos.accounting import PhaseFigures

HEADER = (
    "| fault | sent | accepted | refused | decided | lost | stored twice | stored unanswered "
    "| WS missing | WS twice | longest delay | first new decision | recovery | target |"
)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def markdown(rows: Sequence[PhaseFigures], recovery_target_s: float) -> str:
    lines = [HEADER, "|" + " --- |" * HEADER.count(" | ") + " --- |"]
    for f in rows:
        verdict = "met" if f.meets_target(recovery_target_s) else "**missed**"
        lines.append(
            f"| {f.fault} | {f.sent} | {f.accepted} | {f.refused} | {f.decided} | {f.lost} | {f.stored_twice} "
            f"| {f.stored_unanswered} | {f.ws_missing} | {f.ws_twice} | {_seconds(f.longest_delay_s)} "
            f"| {_seconds(f.first_new_decision_s)} | {_seconds(f.recovery_s)} | {verdict} |"
        )
    return "\n".join(lines)


def details(rows: Sequence[PhaseFigures]) -> str:
    """What the table leaves out: the refusals by kind and what the keeper restarted, per fault."""
    lines = []
    for f in rows:
        refusals = ", ".join(f"{kind} x{count}" for kind, count in sorted(f.refusals.items())) or "none"
        restarts = "; ".join(f.restarts) or "nothing"
        lines.append(f"- {f.fault}: refusals {refusals}; keeper restarted {restarts}")
    return "\n".join(lines)
