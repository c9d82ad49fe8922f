"""The report's figure of where a study's time went (dltips.study_time)."""

import matplotlib.pyplot as plt

from .study_time import IDLE, StudyTime


def time_split(study: StudyTime):
    """One bar per part: the cores' seconds it took, its share of wall x cores, and its CPU
    seconds where known (on a shared machine, the wall seconds count the waits for a core)."""
    parts = {p: s for p, s in study.parts.items() if s > 0 or p == IDLE}
    held = study.wall * study.cores
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(parts) + 1.4))
    names = list(parts)[::-1]  # the first part on top
    values = [parts[p] for p in names]
    bars = ax.barh(names, values, color=["#9e9e9e" if p == IDLE else "#1565c0" for p in names])
    for bar, name, value in zip(bars, names, values):
        share = f"{value / held:.0%}" if held else "n/a"
        cpu = study.cpu.get(name)
        label = f" {value:,.1f} s ({share})" + (f"; CPU {cpu:,.1f} s" if cpu is not None else "")
        ax.text(max(bar.get_width(), 0), bar.get_y() + bar.get_height() / 2, label, va="center", fontsize=10)
    ax.set_xlim(0, max(max(values), 1e-9) * 1.6)
    ax.set_xlabel("core-seconds (wall seconds x cores held)")
    ax.set_title(f"Where the study's time went: {study.wall:,.1f} s wall x {study.cores} cores, "
                 f"{study.total_model_epochs:,} model-epochs", fontsize=11)
    return fig
