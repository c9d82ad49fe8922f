"""Shared figure style: readable defaults, seeded intervals, PNG + SVG output."""

import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from .activations import ACTIVATIONS  # noqa: E402
from .inits import INITS  # noqa: E402
from .io import atomic_write  # noqa: E402
from .verdicts import REPRODUCED, measured  # noqa: E402
from .verdicts import t_interval  # noqa: E402

CI = ("ci", 95)  # seaborn errorbar: 95% bootstrap interval (context panels; verdicts use seed_interval)
BOOT_SEED = 0  # fixed bootstrap seed: the same tables give the same figure
PALETTE = "colorblind"

sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)

# The report's viewer shows a figure about 900 px wide at a 1366 x 900 window: a PNG of at most
# 12 in (1440 px at 120 dpi) at 0.62x or more, where MIN_FONT points are still 9 px on screen.
# Wider figures become two rows of panels, not smaller text.
WIDTH = 11.8  # inches: 12 in less the margin savefig's tight bounding box adds around a full figure
MIN_FONT = 9  # points: the smallest text of any figure (annotations, legends, ticks)
TITLE_FONT = 11  # points: the suptitle, whose lines verdict_title wraps at 125 characters


def n_label(frame, groups: list[str], by: str = "seed") -> str:
    """'n = 3 seeds' per group (a range where groups differ), for titles and captions;
    'no runs' for a table without rows (a config that trains no such runs)."""
    if not len(frame):
        return "no runs"
    counts = frame.groupby(groups)[by].nunique() if groups else frame[[by]].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low} {by}s" if low == high else f"n = {low}–{high} {by}s"


def legend(ax, **kwargs) -> None:
    """A legend only where something labelled was drawn: an empty panel gets none."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def below(ax, gap: float = 4.0, **kwargs) -> dict:
    """Legend arguments that put it under the axes' tick labels and x label, off the data,
    centerd; call after the ticks and labels are set. The drop is measured in points, so it
    holds whatever size the layout later gives the axes. `kwargs` override (ncol, title)."""
    renderer = ax.figure.canvas.get_renderer()
    under = ax.xaxis.get_tightbbox(renderer)
    drop = 0.0 if under is None else max(0.0, ax.get_window_extent(renderer).y0 - under.y0) * 72 / ax.figure.dpi
    shift = ScaledTranslation(0, -(drop + gap) / 72, ax.figure.dpi_scale_trans)
    return {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": ax.transAxes + shift,
            "borderaxespad": 0.0, "fontsize": MIN_FONT + 1, "title_fontsize": MIN_FONT + 1, **kwargs}


def right_of(ax, **kwargs) -> dict:
    """Legend arguments that put it outside the axes, right of the data, top-aligned."""
    return {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, "fontsize": MIN_FONT + 1,
            "title_fontsize": MIN_FONT + 1, **kwargs}


def key_panel(ax, sections, **kwargs) -> None:
    """A grid cell of its own for the legends of the other panels, so none covers data: one
    block per panel, headed (in bold) by where that panel is and what its key means.
    `sections`: (heading, handles, labels) each; a section with no handles is left out."""
    ax.axis("off")
    handles, labels, headings = [], [], []
    for heading, hs, ls in sections:
        if len(hs):
            handles += [Line2D([], [], linestyle="none"), *hs]
            labels += [heading, *ls]
            headings.append(heading)
    if not handles:
        return
    key = ax.legend(handles, labels, **{"loc": "center", "fontsize": MIN_FONT + 1, "frameon": False, **kwargs})
    for text in key.get_texts():
        if text.get_text() in headings:
            text.set_fontweight("bold")


def by_activation(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments that give each activation the same color in every figure of
    these claims (registry order), whichever activations a table holds."""
    names = ACTIVATIONS.names()
    colors = dict(zip(names, sns.color_palette(PALETTE, len(names))))
    present = [a for a in names if a in set(frame.activation)]
    # an empty table takes no palette: seaborn warns about a palette with nothing to color
    return {"hue": "activation", "hue_order": present, "palette": {a: colors[a] for a in present} or None}


def by_init(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments for initializations: a sequential palette no activation uses."""
    names = INITS.names()
    colors = dict(zip(names, sns.color_palette("flare", len(names))))
    present = [i for i in names if i in set(frame["init"])]
    return {"hue": "init", "hue_order": present, "palette": {i: colors[i] for i in present} or None}


def ci_text(v, fmt: str = "+.3f") -> str:
    """'mean [low, high]' of a verdict, or 'no data' (not 'nan [nan, nan]') where n is 0."""
    if v.n == 0:
        return "no data"
    return f"{v.value:{fmt}} [{v.ci_low:{fmt}}, {v.ci_high:{fmt}}]"


def rule_text(v, fmt: str | None = None, unit: str = "seeds") -> str:
    """A rule's numbers in one line, in the verdicts' notation (verdicts.measured):
    'gain: measured +0.12 [0.09, 0.15] (n = 3 seeds); the claim needs > 0'. `fmt` is kept for
    callers that passed one; the notation picks the decimals from the interval's width."""
    return f"{v.statistic}: {measured(v, unit)}"


def verdict_title(name: str, v, fmt: str | None = None, unit: str = "seeds", parts=(), note: str = "",
                  width: int = 125) -> str:
    """The suptitle every claim figure opens with: the claim and its verdict, then a line per
    part of the rule (its own verdict first, then its numbers, rule_text), the part that
    decided first; then why, where it is not reproduced. `parts`: (verdict, fmt, unit) per
    part where units differ; by default the verdict's own parts (verdicts.all_of) in `unit`.
    `note`: a last line of context that is reported, not judged."""
    parts = parts or [(p, fmt, unit) for p in getattr(v, "parts", ())]
    lines = [f"{name} — {v.verdict}"]
    lines += [f"{p.verdict} — {rule_text(p, f, u)}" for p, f, u in parts] if parts else [rule_text(v, fmt, unit)]
    if v.verdict != REPRODUCED and getattr(v, "why", ""):
        lines.append(f"why: {v.why}")
    return "\n".join(_wrap(line, width) for line in lines + ([note] if note else []))


def _wrap(line: str, width: int) -> str:
    """A title line wrapped at `width`, never inside an interval '[a, b]' or '(n = 5 seeds)'."""
    glued = re.sub(r"\[[^\]]*\]|\(n = [^)]*\)", lambda m: m.group().replace(" ", "\u00a0"), line)
    return textwrap.fill(glued, width).replace("\u00a0", " ")


def save(fig, png, svg) -> None:
    if fig.get_layout_engine() is None:  # a figure that set its own layout keeps it
        fig.tight_layout()
    for path, fmt in ((png, "png"), (svg, "svg")):
        atomic_write(Path(path), lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight"))
    plt.close(fig)


def seed_interval(values):
    """Student-t 95% interval over seeds, as seaborn's `errorbar` callable: the verdicts' own interval."""
    _, low, high, _ = t_interval(values)
    return low, high
