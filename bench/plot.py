"""The PNG of a run: submit-to-decision latency percentiles against offered load, one line per path."""

from __future__ import annotations

import pathlib
from collections import defaultdict
from collections.abc import Sequence

from bench.end_to_end import RateResult

PERCENTILE_STYLES = (("p50", ":"), ("p90", "--"), ("p99", "-"))


def series_by_path(runs: Sequence[RateResult]) -> dict[str, list[tuple[float, dict[str, float]]]]:
    """Per path (the run's label without "(search)"), points sorted by offered rate; runs with no decision
    are left out, as they have no latency to draw."""
    paths: dict[str, list[tuple[float, dict[str, float]]]] = defaultdict(list)
    for run in runs:
        if run.latency_ms.count == 0:
            continue
        path = run.label.replace(" (search)", "")
        paths[path].append((run.offered_per_s, {p: getattr(run.latency_ms, p) for p, _ in PERCENTILE_STYLES}))
    return {path: sorted(points, key=lambda point: point[0]) for path, points in paths.items()}


def latency_plot(runs: Sequence[RateResult], path: pathlib.Path, title: str) -> pathlib.Path | None:
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    series = series_by_path(runs)
    if not series:
        return None
    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=110)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, (name, points) in zip(colours, series.items(), strict=False):  # a cycle of ten: enough
        rates = [rate for rate, _ in points]
        for percentile, style in PERCENTILE_STYLES:
            axes.plot(
                rates,
                [values[percentile] for _, values in points],
                linestyle=style,
                marker="o",
                markersize=3,
                color=colour,
                label=f"{name} {percentile}",
            )
    axes.axhline(50, color="grey", linewidth=0.8, linestyle="-.", label="50 ms target (p99)")
    axes.set_yscale("log")
    axes.set_xlabel("offered load (transactions per second, open loop)")
    axes.set_ylabel("submit -> decision at subscriber (ms)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
