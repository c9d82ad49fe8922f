"""Shared figure style: readable defaults, seeded intervals, PNG + SVG output."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .io import atomic_write  # noqa: E402

CI = ("ci", 95)  # seaborn errorbar: 95% bootstrap interval over seeds
BOOT_SEED = 0  # fixed bootstrap seed: the same tables give the same figure
PALETTE = "colorblind"

sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)


def n_label(frame, groups: list[str], by: str = "seed") -> str:
    """'n = 3 seeds' per group (a range where groups differ), for titles and captions."""
    counts = frame.groupby(groups)[by].nunique() if groups else frame[[by]].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low} {by}s" if low == high else f"n = {low}–{high} {by}s"


def ci_text(v, fmt: str = "+.3f", scale=lambda x: x, prefix: str = "") -> str:
    """'mean [low, high]' of a verdict, or 'no data' (not 'nan [nan, nan]') where n is 0."""
    if v.n == 0:
        return "no data"
    return f"{prefix}{scale(v.value):{fmt}} [{prefix}{scale(v.ci_low):{fmt}}, {prefix}{scale(v.ci_high):{fmt}}]"


def save(fig, png, svg) -> None:
    fig.tight_layout()
    for path, fmt in ((png, "png"), (svg, "svg")):
        atomic_write(Path(path), lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight"))
    plt.close(fig)
