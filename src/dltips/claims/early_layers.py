"""early-layers-learn-slowly: with one learning rate, layers near the output move while
layers near the input are still close to their random start.

Evidence (depth sweep): each layer's relative weight change from initialisation,
||W - W0|| / ||W0|| (layers.csv rel_change; scale-free, so layers of different shapes
compare), at a chosen epoch. Statistic, per seed: log10(rel_change of layer 1 / rel_change
of the output layer) of the deepest net of the chosen activation and init; -1 means the
first layer has moved a tenth as far as the output layer.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import compare
from . import Claim, register
from ..figures import by_activation, legend, n_label
from .vanishing_gradient import REL_LABEL, RUN_KEYS, deepest, layers_of, plot_rel_change

ID = "early-layers-learn-slowly"


def at_epoch(lay: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """Each run's rows at the last recorded epoch <= `epoch`: a run that ended sooner (a
    shorter preset, a diverged run) is read at its end, and says so in `epoch_used`."""
    lay = lay[lay.epoch <= epoch]
    used = lay.groupby("run_id").epoch.transform("max")
    return lay[lay.epoch == used].rename(columns={"epoch": "epoch_used"})


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    lay = at_epoch(layers_of(tables, [settings["study"]]), settings["epoch"])
    first = lay[lay.layer == 1].set_index("run_id").rel_change
    output = lay[lay.layer == lay.depth + 1].set_index("run_id").rel_change
    out = lay.drop_duplicates("run_id")[RUN_KEYS + ["epoch_used"]].set_index("run_id")
    out["rel_first"] = first
    out["rel_output"] = output
    with np.errstate(divide="ignore", invalid="ignore"):  # epoch 0: nothing moved yet, 0/0
        out["log10_ratio"] = np.log10(out.rel_first / out.rel_output)
    return out.reset_index().sort_values(["activation", "init", "depth", "seed"], kind="stable")


def verdict(ev: pd.DataFrame, settings: dict):
    rows = deepest(ev, settings)
    depth = int(rows.depth.max()) if len(rows) else "?"
    epochs = sorted(rows.epoch_used.unique())
    return compare(rows.log10_ratio, settings["max_log10_ratio"], "<",
                   f"log10(weight change of layer 1 / output layer), {settings['activation']}, depth {depth}, "
                   f"{settings['init']} init, epoch {', '.join(map(str, epochs)) or settings['epoch']}")


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    lay = layers_of(tables, [settings["study"]])
    fig, (profile, curves, summary) = plt.subplots(1, 3, figsize=(18, 5.8))

    # every init at each activation's deepest depth, so a reader sees the init's part too
    deep = at_epoch(lay[lay.depth == lay.groupby("activation").depth.transform("max")], settings["epoch"])
    sns.lineplot(data=deep, x="layer", y="rel_change", **by_activation(deep), style="init", marker="o",
                 errorbar=figures.CI, seed=figures.BOOT_SEED, ax=profile)
    profile.set_yscale("log")
    used = ", ".join(map(str, sorted(deep.epoch_used.unique())))
    profile.set(xlabel="layer (1 = nearest the input; the last is the output layer)", ylabel=REL_LABEL,
                title=f"deepest nets, epoch {used} ({n_label(deep, ['activation', 'init'])})")
    if len(deep):
        profile.set_xticks(range(1, int(deep.layer.max()) + 1))

    plot_rel_change(curves, deepest(lay, settings), f"{settings['activation']}, {settings['init']} init")
    for epoch in deep.epoch_used.unique():
        curves.axvline(epoch, color="k", ls=":", lw=1)

    sns.lineplot(data=ev, x="depth", y="log10_ratio", **by_activation(ev), style="init", marker="o",
                 errorbar=figures.CI, seed=figures.BOOT_SEED, ax=summary)
    summary.axhline(settings["max_log10_ratio"], color="k", ls="--", lw=1,
                    label=f"threshold {settings['max_log10_ratio']:g}")
    summary.axhline(0, color="grey", lw=0.8)
    legend(summary, fontsize="small")
    summary.set(xlabel="hidden layers (depth)", ylabel="log10(Δ layer 1 / Δ output layer) (decades)",
                title=f"the statistic, epoch {', '.join(map(str, sorted(ev.epoch_used.unique())))} "
                      f"({n_label(ev, ['activation', 'init', 'depth'])})")
    if len(ev):
        summary.set_xticks(sorted(ev.depth.unique()))
    fig.suptitle(figures.verdict_title("Early layers learn slowly", v, "+.2f"))
    return fig


CLAIM = register(Claim(
    id=ID,
    title="With one learning rate, layers near the output move and converge while layers near the input are "
          "still close to their random start.",
    source="Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994), sec. 2; Glorot & Bengio, AISTATS (2010), sec. 4.2; "
           "Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 8.2.5",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Left: each layer's relative weight change from initialisation at the chosen epoch for the deepest "
                "net of each activation and init (log scale). Middle: the same for every layer of the claim's "
                "deepest net over training (dotted line: the chosen epoch). Right: the statistic against depth. "
                "Bands: 95% bootstrap intervals over seeds.",
))
