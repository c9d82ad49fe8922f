"""The report's figure of where a study's time went (dltips.study_time)."""

import matplotlib.pyplot as plt

from .study_time import IDLE, StudyTime


def time_split(study: StudyTime):
    """One bar per part: the cores' seconds it took and its share of wall x cores."""
    parts = {p: s for p, s in study.parts.items() if s > 0 or p == IDLE}
    held = study.wall * study.cores
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(parts) + 1.4))
    names = list(parts)[::-1]  # the first part on top
    values = [parts[p] for p in names]
    bars = ax.barh(names, values, color=["#9e9e9e" if p == IDLE else "#1565c0" for p in names])
    for bar, value in zip(bars, values):
        share = f"{value / held:.0%}" if held else "n/a"
        ax.text(max(bar.get_width(), 0), bar.get_y() + bar.get_height() / 2, f" {value:,.1f} s ({share})",
                va="center", fontsize=10)
    ax.set_xlim(0, max(max(values), 1e-9) * 1.35)
    ax.set_xlabel("core-seconds (wall seconds x cores held)")
    ax.set_title(f"Where the study's time went: {study.wall:,.1f} s wall x {study.cores} cores, "
                 f"{study.total_model_epochs:,} model-epochs", fontsize=11)
    return fig
