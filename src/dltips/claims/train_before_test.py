"""train-before-test: a deeper network that is worse on the *training* set is not
overfitting; it is an optimisation problem.

Evidence (depth sweep, SGD, no regularisation): final train and test accuracy of the
shallowest and the deepest net of each activation and init, paired by seed. Statistic, per
seed: final train accuracy of the shallowest minus the deepest net of the plain network
(sigmoid, default init). Positive means the deep net fits its own training data worse --
the failure the notes call a training problem; the figure shows test accuracy beside it,
so a reader sees the deep net is not "good on train, bad on test".
"""

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import compare
from . import Claim, register
from ..figures import by_init, n_label

ID = "train-before-test"
SPLITS = {"final_train_accuracy": "train", "final_test_accuracy": "test"}
GROUP = ["dataset", "activation", "init"]  # a shallow and a deep net are paired within these, by seed


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    runs = tables["runs"]
    runs = runs[runs.study == settings["study"]]
    depth = runs.groupby(GROUP).depth
    columns = GROUP + ["seed", "depth", "final_train_accuracy", "final_test_accuracy"]
    shallow = runs[runs.depth == depth.transform("min")][columns]
    deep = runs[runs.depth == depth.transform("max")][columns]
    out = shallow.merge(deep, on=GROUP + ["seed"], suffixes=("_shallow", "_deep"))
    out = out.rename(columns={f"{long}_{end}": f"{end}_{short}" for end in ("shallow", "deep")
                              for long, short in (("depth", "depth"), ("final_train_accuracy", "train"),
                                                  ("final_test_accuracy", "test"))})
    out["train_drop"] = out.shallow_train - out.deep_train
    out["test_drop"] = out.shallow_test - out.deep_test
    # overfitting would show as a deep net far better on train than on test
    out["deep_train_minus_test"] = out.deep_train - out.deep_test
    return out.sort_values(GROUP + ["seed"], kind="stable").reset_index(drop=True)


def verdict(ev: pd.DataFrame, settings: dict):
    rows = ev[(ev.activation == settings["activation"]) & (ev.init == settings["init"])]
    depths = f"depth {rows.shallow_depth.min()} minus depth {rows.deep_depth.max()}" if len(rows) else "no runs"
    return compare(rows.train_drop, settings["min_train_drop"], ">",
                   f"final train accuracy, {depths}, {settings['activation']} {settings['init']} init (fraction)")


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    runs = tables["runs"]
    runs = runs[runs.study == settings["study"]]
    long = runs.melt(id_vars=["activation", "init", "depth", "seed"], value_vars=list(SPLITS),
                     var_name="split", value_name="accuracy")
    long["split"] = long.split.map(SPLITS)
    # the claim's activation first: the panel a reader should look at
    claimed = settings["activation"]
    activations = sorted(set(long.activation) | {claimed}, key=lambda a: (a != claimed, a))
    fig, axes = plt.subplots(1, len(activations), figsize=(6.2 * len(activations), 4.8), sharey=True, squeeze=False)
    for ax, act in zip(axes[0], activations):
        frame = long[long.activation == act]
        sns.lineplot(data=frame, x="depth", y="accuracy", **by_init(long), style="split", style_order=["train", "test"],
                     marker="o", errorbar=figures.CI, seed=figures.BOOT_SEED, ax=ax)
        ax.set(xlabel="hidden layers (depth)", ylabel="final accuracy (fraction)",
               title=f"{act}, {settings['study']} sweep ({n_label(frame, ['init', 'depth'])})")
        if len(frame):
            ax.set_xticks(sorted(frame.depth.unique()))
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        axes[0, -1].legend(handles, labels, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.suptitle(figures.verdict_title("Train before test", v))
    return fig


CLAIM = register(Claim(
    id=ID,
    title="A deeper network that is worse on the training set is not overfitting but a training (optimisation) "
          "problem: the deep plain sigmoid net has lower training accuracy than the shallow one.",
    source="He, Zhang, Ren & Sun, 'Deep Residual Learning' CVPR (2016), sec. 1 and 4.1 (the degradation problem); "
           "Glorot & Bengio, AISTATS (2010), sec. 1 and 6",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Final train (solid) and test (dashed) accuracy against the number of hidden layers, one panel "
                "per activation, one colour per initialisation; bands are 95% bootstrap intervals over seeds. "
                "A deep net whose train accuracy falls with its test accuracy has a training problem, not "
                "overfitting.",
))
