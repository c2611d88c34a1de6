"""The cross evaluation's two figures: precision-recall and calibration curves of every cell, ours
solid and the Handbook baseline dashed, one colour per cell. Drawn without pyplot's global state."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve

from fraudmodel.evaluation.cross_generator import Cell


def write_cell_curves(folder: Path, cells: Sequence[Cell]) -> None:
    drawn = [(c, c.scores) for c in cells if c.scores is not None]
    if not drawn:
        return
    pr, pr_axes = _figure()
    cal, cal_axes = _figure()
    for colour, (cell, scores) in enumerate(drawn):
        for kind, values, style in (("ours", scores.ours, "-"), ("baseline", scores.baseline, "--")):
            label = f"{cell.trained_on} → {cell.tested_on}, {kind}"
            precision, recall, _ = precision_recall_curve(scores.y, values)
            pr_axes.plot(recall, precision, style, color=f"C{colour}", label=label, linewidth=1)
            observed, predicted = calibration_curve(scores.y, np.clip(values, 0, 1), n_bins=10, strategy="quantile")
            cal_axes.plot(predicted, observed, style, color=f"C{colour}", marker="o", markersize=3, label=label)
    pr_axes.set(xlabel="recall", ylabel="precision", title="Precision-recall, test weeks", xlim=(0, 1), ylim=(0, 1.02))
    cal_axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    cal_axes.set(xlabel="mean score in the bin", ylabel="share of frauds in the bin", title="Calibration, test weeks")
    # Most transactions score near 0: a linear axis would crowd nine of the ten bins into one corner.
    cal_axes.set_xscale("symlog", linthresh=1e-3)
    cal_axes.set_yscale("symlog", linthresh=1e-3)
    for axes in (pr_axes, cal_axes):
        axes.legend(fontsize=6)
    pr.savefig(folder / "precision_recall.png")
    cal.savefig(folder / "calibration.png")


def _figure() -> tuple[Figure, Any]:
    fig = Figure(figsize=(7, 5), dpi=100, layout="constrained")
    return fig, fig.add_subplot()
