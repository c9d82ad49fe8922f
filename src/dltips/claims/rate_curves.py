"""The claim's statistic against the learning rate, one line per arm: what the rate search
(tuning.csv) measured of every candidate, for the claims about training itself.

A verdict compares each arm at its own picked rate; where a runner-up is tied with a pick
(dltips.tuning), it could have been compared at that rate as well. This panel shows the whole
curve on the shared grid, so the reader sees whether the arms' order holds across the rates
the search could not tell apart, or only at the two points compared.

Each point is a candidate's training loss or accuracy at its last epoch, the mean over its
tuning seeds. Successive halving stops most candidates early: a candidate halved at epoch e
trained e epochs, not the runs' length, so its point is drawn hollow and its epoch named; it
is not on the line, which joins the candidates that trained as the runs do (kept to the end
or stopped on the plateau). A rate that diverged on a tuning seed has no point: it is marked
on the panel's top edge. The pick is ringed black; the runner-ups tied with it grey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lazy import figures, legend_handler, mlines, transforms
from ..tuning import CONFIRMED, UNSTABLE

STATISTICS = {"train_loss": "final training loss (nats)", "train_accuracy": "final train accuracy (fraction)"}
FULL = "as the runs train"  # a candidate kept to the end of the search, or stopped on its plateau
HALVED_MARKERS = ("v", "s", "D", "^")  # one per halving epoch, earliest first
TIED_GREY = "0.55"  # the ring of a runner-up tied with the pick; the pick's is black


def unregularized(init: str) -> str:
    """The search's condition of the unregularized runs at `init` (dltips.tuning.Condition.key)."""
    return f"none/{init}"


def seed_label(curves: pd.DataFrame) -> str:
    """'1 tuning seed' (a range where rates differ); 'no candidates' for an empty curve."""
    if not len(curves):
        return "no candidates"
    low, high = int(curves.n_seeds.min()), int(curves.n_seeds.max())
    n = f"{low}" if low == high else f"{low}–{high}"
    return f"{n} tuning seed{'' if high == 1 else 's'}"


def rate_curves(tuning: pd.DataFrame, statistic: str, arms: list[str], where: dict, arm: str = "activation",
                ) -> pd.DataFrame:
    """One row per arm and rate of the search in the condition `where` (columns of tuning.csv ->
    value): the statistic's mean over the tuning seeds, how long the candidate trained
    (`trained`: FULL or "halved at epoch e"), whether it `diverged`, and whether it was `chosen`
    or `tied` with the pick. Confirmation runs are no candidates and are left out."""
    if statistic not in STATISTICS:
        raise ValueError(f"statistic: {statistic!r} is not recorded by the rate search; recorded: {list(STATISTICS)}")
    columns = ["arm", "lr", "value", "trained", "halved_at", "diverged", "chosen", "tied", "n_seeds"]
    if not len(tuning):  # a study whose rates were fixed or taken from the grid searched none
        return pd.DataFrame(columns=columns)
    rows = tuning[~tuning.fate.isin([CONFIRMED, UNSTABLE]) & tuning[arm].isin(arms)]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    if statistic not in rows or not len(rows):
        return pd.DataFrame(columns=columns)
    out = []
    for (name, lr), own in rows.groupby([arm, "lr"], sort=True):
        halved = own.fate[own.fate.str.startswith("halved")]
        halved_at = int(halved.iloc[0].rsplit(" ", 1)[1]) if len(halved) else np.nan
        diverged = bool(own.diverged.astype(bool).any())
        out.append({"arm": name, "lr": float(lr), "value": np.nan if diverged else own[statistic].mean(),
                    "trained": FULL if np.isnan(halved_at) else f"halved at epoch {int(halved_at)}",
                    "halved_at": halved_at, "diverged": diverged, "chosen": bool(own.chosen.astype(bool).any()),
                    "tied": bool(own.tied_with_pick.fillna(False).astype(bool).any())
                    if "tied_with_pick" in own else False,
                    "n_seeds": own.seed.nunique()})
    order = {a: i for i, a in enumerate(arms)}
    frame = pd.DataFrame(out, columns=columns)
    return frame.sort_values(["arm", "lr"], key=lambda s: s.map(order) if s.name == "arm" else s, kind="stable")


def rate_panel(ax, curves: pd.DataFrame, statistic: str, colors: dict, title: str) -> list:
    """Draws `curves` (rate_curves) on `ax`, log rate on x, a line per arm in `colors`; returns
    the (handle, label) of each mark (how long a candidate trained, divergence, pick, tie) for
    the legend (legend_below)."""
    halving_epochs = sorted(curves.halved_at.dropna().unique().astype(int))
    marker_of = dict(zip(halving_epochs, HALVED_MARKERS))
    top = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for name, own in curves.groupby("arm", sort=False):
        color = colors.get(name, "k")
        full = own[(own.trained == FULL) & ~own.diverged]
        ax.plot(full.lr, full.value, "o-", color=color, lw=1.6, ms=6, label=name)
        for epoch, marker in marker_of.items():
            cut = own[own.halved_at == epoch]
            ax.plot(cut.lr, cut.value, marker, mfc="none", mec=color, ms=7, mew=1.4, ls="none")
        gone = own[own.diverged]
        ax.plot(gone.lr, np.full(len(gone), 0.97), "x", color=color, ms=8, mew=1.8, transform=top, ls="none")
        picked = own[own.chosen & ~own.diverged]
        ax.plot(picked.lr, picked.value, "o", mfc="none", mec="k", ms=15, mew=1.6, ls="none")
        tied = own[own.tied & ~own.diverged]
        ax.plot(tied.lr, tied.value, "o", mfc="none", mec=TIED_GREY, ms=15, mew=1.6, ls="none")
    ax.set_xscale("log")
    if not len(curves):
        ax.text(0.5, 0.5, "no candidates of the rate search here", ha="center", transform=ax.transAxes)
    ax.set(xlabel="learning rate (log scale)", ylabel=STATISTICS[statistic], title=title)
    # the shared grid: a tick at every rate some arm tried, the decades labelled
    rates = sorted(curves.lr.unique())
    if rates:
        decades = [r for r in rates if float(f"{r:.0e}"[0]) == 1.0] or rates
        ax.set_xticks(decades, [f"{r:g}" for r in decades])
        ax.set_xticks([r for r in rates if r not in decades], minor=True)
        ax.tick_params(axis="x", which="minor", length=3)
    line = mlines.Line2D
    marks = [(line([], [], marker="o", color="0.3", lw=1.6), f"trained {FULL}")]
    if marker_of:  # one entry for every halving epoch: a tuple of markers, drawn side by side
        marks.append((tuple(line([], [], marker=m, mfc="none", mec="0.3", ls="none", ms=7, mew=1.4)
                            for m in marker_of.values()),
                      f"halved at epoch {', '.join(str(e) for e in marker_of)}"))
    return marks + [(line([], [], marker="x", color="0.3", ls="none", ms=8, mew=1.8), "diverged (tuning seed)"),
                    (line([], [], marker="o", mfc="none", mec="k", ls="none", ms=12, mew=1.6), "the pick"),
                    (line([], [], marker="o", mfc="none", mec=TIED_GREY, ls="none", ms=12, mew=1.6),
                     "tied with the pick")]


def legend_below(ax, marks: list, **kwargs) -> None:
    """The panel's legend under it: what it labelled (the arms, chance), then `marks`."""
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles + [h for h, _ in marks], labels + [text for _, text in marks],
              handler_map={tuple: legend_handler.HandlerTuple(ndivide=None)}, **figures.below(ax, **kwargs))
