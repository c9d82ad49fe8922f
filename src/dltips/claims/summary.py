"""The figure that leads the report: every claim, its verdict, and the number that decided it.

One row per claim: on the left the claim and the statistic that decided it, in its own words
and unit; in the middle its own axis, with the mean (dot) and 95% Student-t interval over
seeds (bar) against what the claim needs: a threshold (dashed line), or an equivalence margin
(both of its sides, dashed, the band between them shaded); an exact check shows its largest
error against its tolerance on a log axis of a few decades, an error of 0 marked "exact" at
its left end. On the right: the verdict (and the first look where a second look overturned
it) and what the claim needs, colored by the verdict.
"""

import math
import textwrap

import pandas as pd

from ..io import missing
from ..lazy import plt
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED
from ..words import EQUIVALENT, needs
from .palette import INK, WASH

FONT = 9  # points: dltips.figures.MIN_FONT, readable at the report's width
# inches: the figure is 11.8 wide (figures.WIDTH); each row a strip with the claim left of it
WIDTH, LEFT, STRIP, ROW, HEAD = 11.8, 5.6, 3.7, 0.58, 0.85
WRAP = 72  # characters of a statistic's line: 9 pt text left of the strip
EXACT_DECADES = (8, 2)  # an exact check's axis: this many decades below and above its tolerance


def _finite(*values) -> bool:
    return not any(missing(v) for v in values)


def _two_sides(parts) -> float | None:
    """m where `parts` are the two one-sided tests (< m and > -m) of one statistic."""
    if not (isinstance(parts, list) and len(parts) == 2):
        return None
    a, b = parts
    t = [a.get("threshold"), b.get("threshold")]
    if {a.get("direction"), b.get("direction")} == {"<", ">"} and a.get("statistic") == b.get("statistic") \
            and _finite(*t) and math.isclose(t[0], -t[1]) and t[0] != 0:
        return abs(float(t[0]))
    return None


def margin_of(row) -> float | None:
    """The equivalence margin m of a row whose claim needs |value| < m: its direction says so
    ('|·| <'), or its parts are the two one-sided tests (< m and > −m) of one statistic, or
    the deciding part (the row's own statistic) is such an equivalence of several parts."""
    if "|" in str(row.direction) and _finite(row.threshold):
        return abs(float(row.threshold))
    parts = getattr(row, "parts", None)
    margin = _two_sides(parts)
    if margin is None and isinstance(parts, list) and parts and parts[0].get("statistic") == row.statistic:
        margin = _two_sides(parts[0].get("parts"))
    return margin


def needs_text(row) -> str:
    """What the claim needs, in the row's own notation (dltips.words.needs): 'needs > 0', 'needs within
    ±0.029', 'needs error ≤ 1e−10'."""
    margin = margin_of(row)
    if margin is not None:
        return f"needs {needs(EQUIVALENT, margin, row.value, row.ci_low, row.ci_high)}"
    if not _finite(row.threshold):
        return "needs: no threshold (no data)"
    what = "error " if row.direction == "<=" else ""
    return f"needs {what}{needs(row.direction, row.threshold, row.value, row.ci_low, row.ci_high)}"


def _limits(low: float, high: float) -> tuple[float, float]:
    """x-limits that show [low, high] with a margin."""
    pad = 0.15 * (high - low) or 0.1 * max(abs(high), 1e-12)
    return low - pad, high + pad


def _draw_exact(ax, row, color) -> None:
    """Largest error against tolerance on a log axis of EXACT_DECADES around the tolerance; an
    error below the axis (0 included) sits at its left end, labelled."""
    tolerance = float(row.threshold)
    below, above = EXACT_DECADES
    left, right = tolerance / 10 ** below, tolerance * 10 ** above
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    value = float(row.value)
    shown = min(max(value, left), right)
    ax.plot([shown], [0], "<" if value < left else "o", color=color, ms=8, clip_on=False)
    if value < left:
        ax.annotate("0: exact" if value == 0 else f"{value:.0e}".replace("-", "−"), (shown, 0), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=FONT, color=color)
    ax.axvline(tolerance, color="k", ls="--", lw=1.4)
    ax.set_xticks([left, tolerance, right])
    ax.set_xticklabels([f"{x:.0e}".replace("-", "−") for x in (left, tolerance, right)])
    ax.minorticks_off()


def _draw_interval(ax, row, color) -> None:
    margin = margin_of(row)
    lines = [-margin, margin] if margin is not None else [float(row.threshold)]
    if margin is not None:
        ax.axvspan(-margin, margin, color="0.85", lw=0)
    ax.errorbar([row.value], [0], xerr=[[row.value - row.ci_low], [row.ci_high - row.value]], fmt="o",
                color=color, ms=7, capsize=4, lw=2)
    for x in lines:
        ax.axvline(x, color="k", ls="--", lw=1.4)
    ax.set_xlim(*_limits(min(row.ci_low, *lines), max(row.ci_high, *lines)))
    ax.xaxis.set_major_locator(plt.MaxNLocator(4))


def _row(fig, ax, row, y: float) -> None:
    """One claim: its strip `ax`, and its texts at height `y` (inches from the bottom)."""
    color = INK.get(row.verdict, "0.4")
    if not _finite(row.value, row.threshold):
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="0.4", fontsize=FONT)
        ax.set_xticks([])
    elif row.direction == "<=":
        _draw_exact(ax, row, color)
    else:
        _draw_interval(ax, row, color)
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.tick_params(axis="x", labelsize=FONT, pad=1, length=3)
    ax.grid(axis="x", color="white", lw=0.8)
    ax.set_facecolor(WASH.get(row.verdict, WASH[INCONCLUSIVE]))
    inch = fig.dpi_scale_trans
    statistic = textwrap.shorten(row.statistic, 150, placeholder=" …") if isinstance(row.statistic, str) else ""
    fig.text(0.15, y, str(row.id), transform=inch, va="top", fontsize=FONT + 1, fontweight="bold")
    fig.text(0.15, y - 0.19, textwrap.fill(statistic, WRAP), transform=inch, va="top", fontsize=FONT,
             color="0.25", linespacing=1.1)
    second = "" if row.verdict == getattr(row, "first_look", row.verdict) else \
        f"\n(first look: {row.first_look})"
    x = LEFT + STRIP + 0.2
    fig.text(x, y, f"{row.verdict}{second}", transform=inch, va="top", fontsize=FONT + 1, color=color,
             fontweight="bold", linespacing=1.1)
    fig.text(x, y - (0.36 if second else 0.19), needs_text(row), transform=inch, va="top", fontsize=FONT,
             color="0.25")


def summary_figure(table: pd.DataFrame):
    """The summary of claims.csv (claims/table.py COLUMNS, and each claim's `parts` where the
    table has them: an equivalence claim's two sides), one row per claim in its order."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    height = HEAD + ROW * len(table) + 0.1
    fig = plt.figure(figsize=(WIDTH, height))
    fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))  # laid out here
    for i, row in enumerate(table.itertuples()):
        top = height - HEAD - ROW * i
        ax = fig.add_axes((LEFT / WIDTH, (top - 0.36) / height, STRIP / WIDTH, 0.3 / height))
        _row(fig, ax, row, top)
    counts = table.verdict.value_counts()
    fig.text(0.15, height - 0.1, "Every claim: the statistic that decided it, its mean (dot) and 95% t-interval "
             "over seeds (bar) against what the claim needs\n(dashed: its threshold, or both sides of an "
             "equivalence margin, shaded); exact checks: largest error against tolerance (dashed), log axis.\n"
             + ", ".join(f"{counts.get(w, 0)} {w}" for w in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)),
             transform=fig.dpi_scale_trans, va="top", fontsize=FONT + 1, linespacing=1.2)
    return fig
