"""dropout-costs-training: dropout makes training performance worse while it improves test
performance when the net overfits.

Evidence (runs table, the studies in the settings: by default the `dropout` sweep): every
dropout-trained run paired with the run of its job without dropout and the same seed (same
data order, same initialisation). Accuracies are the reported ones, measured without
dropout, so "training performance" is the net's fit of its training data, not the noise
of its masks. A run trained identically in two studies counts once.

Two parts (verdicts.all_of):
  train drop   train accuracy without dropout minus with it, every pair whose plain net
               trained (train accuracy at least `min_train_accuracy`: a net at chance has
               no training performance to lose)
  test gain    test accuracy with dropout minus without, only pairs whose plain net
               overfits: its train minus test accuracy is above `min_overfit_gap`
"""

from dataclasses import replace

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import all_of, compare
from . import Claim, register

ID = "dropout-costs-training"
CONFIG = ["dataset", "activation", "optimizer", "depth", "width", "init", "lr", "epochs", "regularizer",
          "dropout_input", "dropout_hidden", "seed"]
COLUMNS = ["study", "job", "activation", "optimizer", "dropout_input", "dropout_hidden", "seed", "cell",
           "train_none", "train_dropout", "test_none", "test_dropout", "train_drop", "test_gain", "overfit_gap",
           "trained", "overfits"]
SPLITS = {"final_train_accuracy": "train", "final_test_accuracy": "test"}


def _runs(tables: dict, settings: dict) -> pd.DataFrame:
    runs = tables["runs"]
    if runs.empty or "study" not in runs:
        return runs
    runs = runs[runs.study.isin(settings["studies"]) & ~runs.diverged.astype(bool)]
    # studies listed first win: the same training run in the sweep and the grid is one observation
    rank = runs.study.map({s: i for i, s in enumerate(settings["studies"])})
    return runs.assign(_rank=rank).sort_values("_rank", kind="stable").drop_duplicates(
        [c for c in CONFIG if c in runs]).drop(columns="_rank")


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    runs = _runs(tables, settings)
    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)
    keep = ["job", "seed", "final_train_accuracy", "final_test_accuracy"]
    plain = runs[runs.regularizer == "none"][keep]
    dropped = runs[runs.regularizer == "dropout"]
    out = dropped.merge(plain, on=["job", "seed"], suffixes=("_dropout", "_none"))
    out = out.rename(columns={f"final_{split}_accuracy_{arm}": f"{split}_{arm}"
                              for split in ("train", "test") for arm in ("none", "dropout")})
    out["cell"] = out.activation + "/" + out.optimizer + " p=" + out.dropout_hidden.map("{:g}".format)
    out["train_drop"] = out.train_none - out.train_dropout
    out["test_gain"] = out.test_dropout - out.test_none
    out["overfit_gap"] = out.train_none - out.test_none
    out["trained"] = out.train_none >= settings["min_train_accuracy"]
    out["overfits"] = out.trained & (out.overfit_gap > settings["min_overfit_gap"])
    return out.reindex(columns=COLUMNS)


def parts(ev: pd.DataFrame, settings: dict):
    trained = ev[ev.trained.astype(bool)]
    drop = compare(trained.train_drop, settings["min_train_drop"], ">",
                   "train accuracy, no dropout minus dropout, paired by seed (fraction)",
                   detail=f"{len(ev) - len(trained)} pairs left out: plain net below "
                          f"{settings['min_train_accuracy']:g} train accuracy")
    overfit = ev[ev.overfits.astype(bool)]
    gain = compare(overfit.test_gain, settings["min_test_gain"], ">",
                   f"test accuracy, dropout minus no dropout, where the plain net overfits "
                   f"(train − test > {settings['min_overfit_gap']:g}) (fraction)")
    return drop, gain


def verdict(ev: pd.DataFrame, settings: dict):
    drop, gain = parts(ev, settings)
    combined = all_of(drop, gain)
    return replace(combined, detail=f"{combined.detail}; {drop.detail}")


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    fig, (sweep_ax, cells_ax, gap_ax) = plt.subplots(1, 3, figsize=(20, 5.5), gridspec_kw={"width_ratios": [1, 1.4, 1]})
    runs = _runs(tables, settings)
    sweep = runs[runs.study == settings["sweep"]] if len(runs) else runs
    if len(sweep):
        long = sweep.melt(id_vars=["dropout_hidden", "seed"], value_vars=list(SPLITS), var_name="split",
                          value_name="accuracy").assign(split=lambda d: d.split.map(SPLITS))
        sns.lineplot(data=long, x="dropout_hidden", y="accuracy", hue="split", style="split", markers=True,
                     dashes=False, errorbar=figures.CI, seed=figures.BOOT_SEED, ax=sweep_ax)
        sweep_ax.set_xticks(sorted(long.dropout_hidden.unique()))
        sweep_ax.legend(title="split (no dropout at evaluation)")
        sweep_ax.set_title(f"sweep '{settings['sweep']}': {', '.join(sorted(sweep.activation.unique()))} + "
                           f"{', '.join(sorted(sweep.optimizer.unique()))} "
                           f"({figures.n_label(sweep, ['dropout_hidden'])}, 95% CI)")
    else:
        sweep_ax.text(0.5, 0.5, f"no runs of study '{settings['sweep']}'", ha="center", transform=sweep_ax.transAxes)
    sweep_ax.set(xlabel="hidden dropout rate p (0 = no dropout)", ylabel="final accuracy (fraction)")

    shown = ev[ev.trained.astype(bool)]
    if len(shown):
        order = sorted(shown.cell.unique())
        overfits = shown.groupby("cell").overfits.mean() > 0.5
        long = shown.melt(id_vars=["cell", "seed"], value_vars=["train_drop", "test_gain"], var_name="change",
                          value_name="delta")
        long["delta"] = long.delta.where(long.change == "test_gain", -long.delta)  # both as dropout − none
        long["change"] = long.change.map({"train_drop": "train", "test_gain": "test"})
        sns.barplot(data=long, x="cell", y="delta", hue="change", order=order, errorbar=figures.CI,
                    seed=figures.BOOT_SEED, ax=cells_ax)
        cells_ax.set_xticks(range(len(order)), [f"{c}{' *' if overfits[c] else ''}" for c in order],
                            rotation=35, ha="right")
        cells_ax.axhline(0, color="k", lw=0.8)
        low, high = cells_ax.get_ylim()
        cells_ax.set_ylim(low, high + 0.3 * (high - low))  # headroom: the legend sits above the bars
        cells_ax.legend(title="accuracy change on", loc="upper right", ncol=2)
        cells_ax.set_title(f"dropout − no dropout, paired by seed ({figures.n_label(shown, ['cell'])}, 95% CI)\n"
                           f"* the plain net overfits (train − test > {settings['min_overfit_gap']:g})")
        sns.scatterplot(data=shown, x="overfit_gap", y="test_gain", hue="cell", hue_order=order, s=50, ax=gap_ax)
        gap_ax.legend(fontsize=8, title="cell", loc="upper left", bbox_to_anchor=(1.01, 1))
    cells_ax.set(xlabel="activation / optimizer, hidden dropout rate (grid and sweep cells)",
                 ylabel="accuracy with dropout − without (fraction)")
    gap_ax.axvline(settings["min_overfit_gap"], color="k", ls="--", lw=1)
    gap_ax.axhline(0, color="k", lw=0.8)
    gap_ax.set(xlabel="plain net's train − test accuracy (overfitting, fraction)",
               ylabel="test accuracy gain from dropout (fraction)")
    gap_ax.set_title("does dropout help where the plain net overfits?\n"
                     "(right of the dashed line: counted as overfitting)")
    drop, gain = parts(ev, settings)
    fig.suptitle(figures.verdict_title("Dropout costs training accuracy, pays on test when overfitting", v,
                                       parts=[(drop, "+.3f", "pairs"), (gain, "+.3f", "pairs")]))
    return fig


def condition(ev: pd.DataFrame) -> str:
    """Which cells gain on test: dropout's benefit depends on rate and on how much the net overfits."""
    shown = ev[ev.trained.astype(bool)]
    if shown.empty:
        return ""
    means = shown.groupby("cell")[["overfit_gap", "train_drop", "test_gain"]].mean()
    helped = [c for c, r in means.iterrows() if r.test_gain > 0]
    return (f"test gain > 0 in {len(helped)} of {len(means)} cells ({', '.join(helped) or 'none'}); "
            + "; ".join(f"{c}: overfit gap {r.overfit_gap:.2f}, train −{r.train_drop:.3f}, test {r.test_gain:+.3f}"
                        for c, r in means.iterrows()))


CLAIM = register(Claim(
    id=ID,
    title="Dropout makes training performance worse while it improves test performance when the net overfits.",
    source="Srivastava et al., 'Dropout', JMLR 15 (2014), sec. 6.1 and 7.3 (fig. 9: train and test error with "
           "and without dropout); Hinton et al., arXiv:1207.0580 (2012)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Left: final train and test accuracy (measured without dropout) against the hidden dropout rate "
                "in the dropout sweep. Middle: per grid and sweep cell, the change in train and test accuracy "
                "that dropout causes, paired by seed; a star marks cells whose plain net overfits. Right: the "
                "test gain of each pair against how much its plain net overfits. Error bars and bands are 95% "
                "bootstrap intervals over seeds.",
    condition=condition,
))
