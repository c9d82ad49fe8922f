"""early-stopping: validation loss falls, then rises while training loss keeps falling;
stopping at the validation minimum gives better test performance than training to the end.

Evidence (grid, unregularised runs): for each run, test accuracy at the epoch of lowest
validation loss against test accuracy at the last epoch -- a paired comparison within
each run, so nothing but the stopping point differs. The figure adds the loss curves of
one cell with its stopping point.
"""

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import all_of, compare
from . import Claim, register

ID = "early-stopping"


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    runs = tables["runs"]
    runs = runs[(runs.study == settings["study"]) & (runs.regularizer == "none") & ~runs.diverged.astype(bool)]
    out = runs[["run_id", "activation", "optimizer", "seed", "best_epoch", "epochs_run",
                "best_test_accuracy", "final_test_accuracy", "best_val_loss", "final_val_loss",
                "final_train_loss"]].copy()
    out["test_gain"] = out.best_test_accuracy - out.final_test_accuracy
    # the curve shape the notes describe: the validation minimum lies before the end and
    # validation loss has risen from it by the end
    out["val_turned_up"] = (out.best_epoch < out.epochs_run) & (out.final_val_loss > out.best_val_loss)
    return out


def parts(ev: pd.DataFrame, settings: dict):
    gain = compare(ev.test_gain, settings["min_test_gain"], ">",
                   "test accuracy gain of stopping at the validation minimum (fraction)")
    shape = compare(ev.val_turned_up.astype(float), settings["min_fraction_turned_up"], ">",
                    "fraction of runs whose validation loss rose after its minimum")
    return gain, shape


def verdict(ev: pd.DataFrame, settings: dict):
    return all_of(*parts(ev, settings))


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    example = settings["example"]
    chosen = ev[(ev.activation == example["activation"]) & (ev.optimizer == example["optimizer"])].head(1)
    if len(chosen):
        curves = tables["epochs"]
        curves = curves[(curves.run_id == chosen.run_id.iloc[0]) & (curves.split != "test")]
        sns.lineplot(data=curves, x="epoch", y="loss", hue="split", ax=left)
        stop = int(chosen.best_epoch.iloc[0])
        left.axvline(stop, color="k", ls="--", lw=1, label=f"stop (epoch {stop})")
        left.legend(title="split")
        left.set_title(f"{example['activation']} + {example['optimizer']}, seed {chosen.seed.iloc[0]}")
    left.set(xlabel="epoch", ylabel="cross-entropy loss (nats)")
    long = ev.melt(id_vars=["activation", "optimizer", "seed"], value_vars=["best_test_accuracy", "final_test_accuracy"],
                   var_name="when", value_name="test accuracy")
    long["when"] = long.when.map({"best_test_accuracy": "at val-loss minimum", "final_test_accuracy": "last epoch"})
    sns.barplot(data=long, x="optimizer", y="test accuracy", hue="when", errorbar=figures.CI,
                seed=figures.BOOT_SEED, ax=right)
    right.set(ylabel="test accuracy (fraction)", xlabel="optimizer")
    right.set_title(f"grid, no regularisation, mean over activations ({figures.n_label(ev, ['activation', 'optimizer'])})")
    gain, shape = parts(ev, settings)
    fig.suptitle(figures.verdict_title("Early stopping", v, parts=[(gain, "+.3f", "runs"), (shape, ".2f", "runs")]))
    return fig


CLAIM = register(Claim(
    id=ID,
    title="Validation loss falls then rises while training loss keeps falling; stopping at the "
          "validation minimum gives better test performance than training to the end.",
    source="Prechelt, 'Early Stopping — But When?' (1998), sec. 2; Goodfellow et al., Deep Learning (2016), sec. 7.8",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
))
