"""Shared figure style: readable defaults, seeded intervals, PNG + SVG output."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .activations import ACTIVATIONS  # noqa: E402
from .inits import INITS  # noqa: E402
from .io import atomic_write  # noqa: E402
from .verdicts import t_interval  # noqa: E402

CI = ("ci", 95)  # seaborn errorbar: 95% bootstrap interval over seeds
BOOT_SEED = 0  # fixed bootstrap seed: the same tables give the same figure
PALETTE = "colorblind"

sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)


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


def by_activation(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments that give each activation the same colour in every figure of
    these claims (registry order), whichever activations a table holds."""
    names = ACTIVATIONS.names()
    colours = dict(zip(names, sns.color_palette(PALETTE, len(names))))
    present = [a for a in names if a in set(frame.activation)]
    # an empty table takes no palette: seaborn warns about a palette with nothing to colour
    return {"hue": "activation", "hue_order": present, "palette": {a: colours[a] for a in present} or None}


def by_init(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments for initialisations: a sequential palette no activation uses."""
    names = INITS.names()
    colours = dict(zip(names, sns.color_palette("flare", len(names))))
    present = [i for i in names if i in set(frame["init"])]
    return {"hue": "init", "hue_order": present, "palette": {i: colours[i] for i in present} or None}


def ci_text(v, fmt: str = "+.3f") -> str:
    """'mean [low, high]' of a verdict, or 'no data' (not 'nan [nan, nan]') where n is 0."""
    if v.n == 0:
        return "no data"
    return f"{v.value:{fmt}} [{v.ci_low:{fmt}}, {v.ci_high:{fmt}}]"


def rule_text(v, fmt: str | None = None, unit: str = "seeds") -> str:
    """A rule's numbers in one line: the statistic, its mean with 95% interval, n and the
    claimed side of the threshold; for an exact check (verdicts.exact) the largest error and
    the tolerance. `fmt` formats the numbers (default: +.3f, and .2g for an exact check)."""
    if v.direction == "<=":
        return f"{v.statistic} = {v.value:{fmt or '.2g'}}, n = {v.n} {unit} (tolerance {v.threshold:g})"
    return f"{v.statistic} = {ci_text(v, fmt or '+.3f')}, n = {v.n} {unit} (claim: {v.direction} {v.threshold:g})"


def verdict_title(name: str, v, fmt: str | None = None, unit: str = "seeds", parts=(), note: str = "") -> str:
    """The suptitle every claim figure opens with: the claim and its verdict, then the rule's
    numbers (rule_text). A rule of several parts (verdicts.all_of) passes them as `parts`,
    each (verdict, fmt, unit): a line per part with its own verdict, so the title shows which
    part decided. `note`: a last line of context that is reported, not judged."""
    lines = [f"{name} — {v.verdict}"]
    lines += [f"{rule_text(p, f, u)}: {p.verdict}" for p, f, u in parts] if parts else [rule_text(v, fmt, unit)]
    return "\n".join(lines + ([note] if note else []))


def save(fig, png, svg) -> None:
    fig.tight_layout()
    for path, fmt in ((png, "png"), (svg, "svg")):
        atomic_write(Path(path), lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight"))
    plt.close(fig)


def seed_interval(values):
    """Student-t 95% interval over seeds, as seaborn's `errorbar` callable: the verdicts' own interval."""
    _, low, high, _ = t_interval(values)
    return low, high
