"""relu-variants: Leaky ReLU (0.01·x for x < 0), Parametric ReLU (slope learned) and ELU
are improvements on ReLU.

Evidence (grid): for each variant, its test accuracy minus ReLU's in the same cell
(dataset, optimizer, regulariser, architecture, initialisation, seed) -- a paired difference,
so only the activation differs. A run that diverged counts with the accuracy it ended at:
diverging is that cell's failure, not missing data. Rule: every variant's mean difference has its 95% interval above the threshold
-> reproduced; any variant's interval entirely below -> not reproduced; otherwise
inconclusive. The verdict reports the weakest variant. Beside it (part `slopes`), the
distribution of the learned PReLU slopes per layer (slopes.csv).
"""

import math

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .. import figures
from ..activations import LEAKY_SLOPE, PRELU_INIT
from ..verdicts import all_of, compare
from . import Claim, register
from ..figures import legend, n_label

ID = "relu-variants"
CELL = ["dataset", "optimizer", "regularizer", "variant", "depth", "width", "init", "seed"]  # all but the activation
SLOPE_COLUMNS = ["run_id", "layer", "unit", "slope"]


def paired_differences(runs: pd.DataFrame, study: str, baseline: str, others, metric: str) -> pd.DataFrame:
    """One row per (activation in `others`, cell): metric minus the baseline's in that cell."""
    runs = runs[runs.study == study]
    base = runs[runs.activation == baseline].set_index(CELL)[metric].rename("baseline_value")
    rows = runs[runs.activation.isin(list(others))].join(base, on=CELL, how="inner")
    out = rows[["activation"] + CELL].assign(value=rows[metric], baseline_value=rows.baseline_value)
    out["difference"] = out.value - out.baseline_value
    return out.reset_index(drop=True)


def slope_summary(slopes: pd.DataFrame) -> pd.DataFrame:
    slopes = slopes.reindex(columns=SLOPE_COLUMNS)  # a table from a config without PReLU may have none
    summary = slopes.groupby("layer").slope.agg(
        n_units="size", mean="mean", q05=lambda s: s.quantile(0.05), median="median",
        q95=lambda s: s.quantile(0.95), fraction_negative=lambda s: (s < 0).mean())
    return summary.reset_index()


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    diffs = paired_differences(tables["runs"], settings["study"], settings["baseline"], settings["variants"],
                               settings["metric"]).assign(part="difference")
    slopes = slope_summary(tables["slopes"]).assign(part="slopes")
    out = pd.concat([diffs, slopes], ignore_index=True)
    return out[["part"] + [c for c in out.columns if c != "part"]]


def parts(ev: pd.DataFrame, settings: dict) -> list:
    """One rule per variant, the weakest first (a variant with no data is the weakest of all)."""
    diffs = ev[ev.part == "difference"]
    per_variant = [compare(diffs[diffs.activation == act].difference, settings["min_gain"], ">",
                     f"{settings['metric']}, {act} minus {settings['baseline']}, same grid cell (fraction)")
             for act in settings["variants"]]
    return sorted(per_variant, key=lambda p: -math.inf if math.isnan(p.value) else p.value)


def verdict(ev: pd.DataFrame, settings: dict):
    return all_of(*parts(ev, settings))


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5.6), gridspec_kw={"width_ratios": [1.1, 1]})
    diffs = ev[ev.part == "difference"]
    order = list(settings["variants"])
    sns.stripplot(data=diffs, x="activation", y="difference", hue="optimizer", order=order, dodge=True, size=4,
                  alpha=0.7, ax=left)
    sns.pointplot(data=diffs, x="activation", y="difference", order=order, color="k", linestyle="none",
                  markers="D", errorbar=figures.CI, seed=figures.BOOT_SEED, ax=left, label="mean over cells, 95% CI")
    left.axhline(settings["min_gain"], color="k", ls="--", lw=1, label=f"threshold {settings['min_gain']:g}")
    legend(left, fontsize="x-small", title="optimizer (one point per cell)", title_fontsize="x-small")
    metric = settings["metric"].replace("_", " ")
    left.set(xlabel="activation", ylabel=f"{metric} − {settings['baseline']}'s (fraction)",
             title=f"paired by grid cell: {diffs.groupby('activation').size().max() if len(diffs) else 0} cells "
                   f"per variant ({n_label(diffs, ['activation'])})")
    if not len(diffs):
        left.text(0.5, 0.5, "no grid runs of these activations", ha="center", transform=left.transAxes)

    slopes = tables["slopes"].reindex(columns=SLOPE_COLUMNS)
    if len(slopes):
        sns.violinplot(data=slopes, x="layer", y="slope", color=sns.color_palette(figures.PALETTE)[2], cut=0,
                       inner="quartile", ax=right)
    else:
        right.text(0.5, 0.5, "no learned PReLU slopes", ha="center", transform=right.transAxes)
    for value, style, label in ((PRELU_INIT, "--", f"initial slope {PRELU_INIT:g}"),
                                (LEAKY_SLOPE, ":", f"Leaky ReLU {LEAKY_SLOPE:g}"), (0, "-", "ReLU 0")):
        right.axhline(value, color="k", ls=style, lw=1, label=label)
    legend(right, fontsize="small")
    right.set(xlabel="hidden layer (1 = nearest the input)", ylabel="learned PReLU slope a for x < 0 (dimensionless)",
              title=f"learned slopes per layer ({slopes.run_id.nunique()} runs, "
                    f"{slopes.groupby('run_id').size().max() if len(slopes) else 0} units each)")
    fig.suptitle(figures.verdict_title("ReLU variants", v, parts=[(p, "+.3f", "cells") for p in parts(ev, settings)]))
    return fig


CLAIM = register(Claim(
    id=ID,
    title="Leaky ReLU, Parametric ReLU (learned slope) and ELU are improvements on ReLU.",
    source="Maas, Hannun & Ng, ICML workshop (2013) (leaky ReLU); He, Zhang, Ren & Sun, ICCV (2015), sec. 2 "
           "(PReLU); Clevert, Unterthiner & Hochreiter, ICLR (2016) (ELU)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Left: each variant's test accuracy minus ReLU's in the same grid cell (points, coloured by "
                "optimizer), with the mean and its 95% bootstrap interval (black). Right: the learned PReLU slopes "
                "of every unit, per hidden layer, against the initial slope, Leaky ReLU's fixed slope and ReLU's 0.",
))
