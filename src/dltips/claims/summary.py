"""The figure that leads the report: every claim, its verdict, and the number that decided it.

One row per claim. Statistics differ in unit and scale, so each row has its own x-axis: the
deciding part's mean (dot) and 95% Student-t interval over seeds (bar) against the
threshold the claim needs (dashed line), colored by the verdict; an exact check shows its
largest error against its tolerance on a log axis. Left: the claim; right: the verdict, and
the second look where the first did not stand.
"""

import pandas as pd

from ..io import missing
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED
from ..lazy import lazy_import
from .palette import INK, WASH

plt = lazy_import("matplotlib.pyplot")

ROW_HEIGHT = 0.42  # inches: 18 rows and a header fit a laptop screen at the report's width


def _limits(row) -> tuple[float, float]:
    """x-limits that show the interval and the threshold with a margin."""
    low, high = min(row.ci_low, row.threshold), max(row.ci_high, row.threshold)
    pad = 0.15 * (high - low) or 0.1 * max(abs(high), 1e-12)
    return low - pad, high + pad


def _draw_exact(ax, row, color) -> None:
    value, tolerance = max(float(row.value), 1e-300), float(row.threshold)
    ax.set_xscale("log")
    ax.plot([value], [0], "o", color=color, ms=7)
    ax.axvline(tolerance, color="k", ls="--", lw=1.6)
    low, high = min(value, tolerance), max(value, tolerance)
    ax.set_xlim(low / 30, high * 30)


def _draw_interval(ax, row, color) -> None:
    ax.errorbar([row.value], [0], xerr=[[row.value - row.ci_low], [row.ci_high - row.value]], fmt="o",
                color=color, ms=7, capsize=4, lw=2)
    ax.axvline(row.threshold, color="k", ls="--", lw=1.6)
    ax.set_xlim(*_limits(row))


def _row(ax, row) -> None:
    color = INK.get(row.verdict, "0.4")
    if missing(row.value) or missing(row.threshold):
        ax.text(0.5, 0, "no data", ha="center", va="center", transform=ax.get_yaxis_transform(), color="0.4")
        ax.set_xticks([])
    elif row.direction == "<=":
        _draw_exact(ax, row, color)
    else:
        _draw_interval(ax, row, color)
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.tick_params(axis="x", labelsize=7, pad=1)
    ax.grid(axis="x", color="white", lw=0.8)
    ax.set_ylabel(row.id, rotation=0, ha="right", va="center", fontsize=9)
    second = "" if row.verdict == row.first_look else f" (first look {row.first_look})"
    ax.text(1.02, 0, f"{row.verdict}{second}", transform=ax.get_yaxis_transform(), va="center", fontsize=9,
            color=color, fontweight="bold")
    ax.set_facecolor(WASH.get(row.verdict, WASH[INCONCLUSIVE]))


def summary_figure(table: pd.DataFrame):
    """The summary of claims.csv (claims/table.py COLUMNS), one row per claim in its order."""
    fig, axes = plt.subplots(len(table), 1, figsize=(11, 1.2 + ROW_HEIGHT * len(table)), squeeze=False,
                             layout="constrained")
    for ax, row in zip(axes[:, 0], table.itertuples()):
        _row(ax, row)
    counts = table.verdict.value_counts()
    fig.suptitle("Every claim: the deciding statistic's mean (dot) and 95% t-interval over seeds (bar) against "
                 "the threshold it needs (dashed); exact checks: largest error vs tolerance (log axis)\n"
                 + ", ".join(f"{counts.get(w, 0)} {w}" for w in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)),
                 fontsize=10)
    return fig
