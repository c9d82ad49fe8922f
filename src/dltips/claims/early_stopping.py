"""early-stopping: validation loss falls, then rises while training loss keeps falling;
stopping at the validation minimum gives better test performance than training to the end.

Evidence (grid, unregularized runs that did not diverge): per run, the test metric at the
stopping point against the last epoch -- a paired comparison within the run, so nothing but
the stopping point differs. The rule stops on validation LOSS, so it is judged in test loss
(Prechelt 1998: monitor and score the same metric); the accuracy-monitored rule (stop at the
epoch of highest validation accuracy, read from epochs.csv) is reported beside it in test
accuracy, with the loss-monitored rule's accuracy: validation loss can turn up from
over-confidence while accuracy still rises (Guo et al. 2017).

Two parts (verdicts.all_of), each a mean over the condition's cells within a seed, then a
Student-t interval over seeds:
  test-loss gain  last epoch's test loss minus the test loss at the validation-loss minimum
  curve shape     fraction of runs whose validation loss rose after its minimum while the
                  training loss kept falling (the curves the notes describe)
Conditions: per optimizer and per activation; the headline condition is a setting (Settings.headline).
"""

from dataclasses import replace

import numpy as np
import pandas as pd
from pydantic import model_validator

from ..io import missing
from ..verdicts import ACCURACY_DIFFERENCE, FRACTION, all_of, compare
from . import TEST, Claim, register
from .evidence import Evidence
from .settings import ClaimSettings, setting
from ..lazy import lazy_import

plt = lazy_import("matplotlib.pyplot")
sns = lazy_import("seaborn")
figures = lazy_import("dltips.figures")

ID = "early-stopping"
AXES = ("optimizer", "activation")  # what the gain may depend on, each a condition of its own
RUN_COLUMNS = ["run_id", "diverged", "activation", "optimizer", "seed", "best_epoch", "epochs_run", "best_train_loss",
               "final_train_loss", "best_val_loss", "final_val_loss", "best_test_loss", "final_test_loss",
               "best_test_accuracy", "final_test_accuracy"]
RULES = {"val_loss": "stop at the lowest validation loss", "val_accuracy": "stop at the highest validation accuracy"}
GAIN, SHAPE = "test-loss gain", "curve shape"  # the verdict's parts


class Headline(ClaimSettings):
    """An optimizer or an activation of the study (at most one); neither: every cell."""

    optimizer: str | None = setting(None, "the optimizer whose cells the verdict reads", registry="optimizer")
    activation: str | None = setting(None, "the activation whose cells the verdict reads", registry="activation")

    @model_validator(mode="after")
    def _one_axis(self):
        if len(self.axes()) > 1:
            raise ValueError(f"headline names one condition, an optimizer or an activation; given {self.axes()}")
        return self

    def axes(self) -> dict:
        """The condition as {column: value}; {} for every cell."""
        return {axis: value for axis, value in dict(self).items() if value is not None}


class Example(ClaimSettings):
    activation: str = setting("relu", "activation of the cell drawn", registry="activation")
    optimizer: str = setting("adam", "optimizer of the cell drawn", registry="optimizer")


class Settings(ClaimSettings):
    study: str = setting("grid", "runs.study compared: its unregularized runs")
    headline: Headline = setting(Headline(optimizer="adam"), "the verdict's condition: Adam, the optimizer of the "
                                 "other test-side sweeps; every optimizer and activation is reported as a condition")
    min_test_gain: float = setting(0.0, "claim: test LOSS at the end minus at the val-loss minimum > this (nats): "
                                        "the rule stops on val loss, so it is scored in loss; 0 = \"better\"")
    min_fraction_turned_up: float = setting(0.5, "claim: more than this fraction of runs (per seed) have val loss "
                                                 "rising after its minimum while train loss falls: the notes' curve "
                                                 "is the typical one", ge=0, le=1)
    min_accuracy_gain: float = setting(0.0, "reported beside, not judged: test accuracy gain of stopping on val loss "
                                            "and on val accuracy, against this (fraction)")
    example: Example = setting(Example(), "the cell whose loss curves the figure shows")


def accuracy_monitored(epochs: pd.DataFrame, run_ids) -> pd.DataFrame:
    """Per run: the first epoch of highest validation accuracy and the test accuracy there."""
    columns = ["run_id", "acc_epoch", "acc_stop_test_accuracy"]
    if epochs.empty:
        return pd.DataFrame(columns=columns)
    curves = epochs[epochs.run_id.isin(set(run_ids))].pivot_table(index=["run_id", "epoch"], columns="split",
                                                                  values="accuracy")
    if curves.empty or not {"val", "test"} <= set(curves.columns):
        return pd.DataFrame(columns=columns)
    curves = curves.dropna(subset=["val"]).reset_index().sort_values(["run_id", "epoch"])
    best = curves.loc[curves.groupby("run_id").val.idxmax()]  # idxmax: the first maximum, as a patient rule stops
    return best.rename(columns={"epoch": "acc_epoch", "test": "acc_stop_test_accuracy"})[columns]


def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"runs": stopping(tables, settings.study)}


def stopping(tables: dict, study: str) -> pd.DataFrame:
    """Per unregularized run of the study: the test metrics at each stopping point and at the
    last epoch, and whether its curves have the notes' shape."""
    runs = tables["runs"]
    runs = runs[(runs.study == study) & (runs.regularizer == "none")]
    out = runs.reindex(columns=RUN_COLUMNS).assign(diverged=lambda d: d.diverged.astype(bool))
    out = out.merge(accuracy_monitored(tables["epochs"], out.run_id), on="run_id", how="left")
    out["test_loss_gain"] = out.final_test_loss - out.best_test_loss
    out["loss_stop_accuracy_gain"] = out.best_test_accuracy - out.final_test_accuracy
    out["acc_stop_accuracy_gain"] = out.acc_stop_test_accuracy.astype(float) - out.final_test_accuracy
    # the notes' curves: validation loss rose after its minimum while training loss kept falling
    out["val_turned_up"] = ((out.best_epoch < out.epochs_run) & (out.final_val_loss > out.best_val_loss)
                            & (out.final_train_loss < out.best_train_loss))
    return out


def per_seed(ev: pd.DataFrame, column: str) -> pd.Series:
    """The condition's cells averaged within each seed (the seed is the unit of replication);
    diverged runs have no curves to stop on: left out, and counted by the caller."""
    return ev[~ev.diverged].groupby("seed")[column].mean().astype(float)


def judge(ev: pd.DataFrame, settings: Settings):
    """Both parts on these runs (the figure finds them by name: GAIN, SHAPE), and the
    accuracy gains of both stopping rules reported beside them."""
    gain = compare(per_seed(ev, "test_loss_gain"), settings.min_test_gain, ">",
                   "test loss, last epoch minus at the validation-loss minimum (nats)", name=GAIN)
    shape = compare(per_seed(ev, "val_turned_up"), settings.min_fraction_turned_up, ">",
                    "fraction of runs whose validation loss rose after its minimum while training loss fell",
                    name=SHAPE, bounds=FRACTION)
    beside = {rule: compare(per_seed(ev, column), settings.min_accuracy_gain, ">",
                            f"test accuracy gain, {RULES[rule]} (fraction)", bounds=ACCURACY_DIFFERENCE)
              for rule, column in (("val_loss", "loss_stop_accuracy_gain"), ("val_accuracy", "acc_stop_accuracy_gain"))}
    verdict = all_of(gain, shape)
    reported = "; ".join(f"reported beside, {b.statistic}: {figures.ci_text(b)} ({b.verdict} against "
                         f"{b.threshold:g})" for b in beside.values())
    left_out = int(ev.diverged.sum())
    return replace(verdict, detail=f"{verdict.detail}; {reported}; {left_out} diverged run(s) left out")


def select(ev: pd.DataFrame, axes: dict) -> pd.DataFrame:
    keep = np.ones(len(ev), dtype=bool)
    for axis, value in axes.items():
        keep &= (ev[axis] == value).to_numpy()
    return ev[keep]


def verdict(ev: Evidence, settings: Settings):
    return judge(select(ev["runs"], settings.headline.axes()), settings)


def conditions(tables: dict, settings: Settings) -> list:
    ev = evidence(tables, settings)["runs"]
    return [({axis: value}, judge(select(ev, {axis: value}), settings))
            for axis in AXES for value in sorted(ev[axis].dropna().unique())]


def _curves(ax_loss, ax_acc, tables: dict, ev: pd.DataFrame, example: Example) -> None:
    chosen = ev[(ev.activation == example.activation) & (ev.optimizer == example.optimizer)].head(1)
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss (nats)")
    ax_acc.set_ylabel("accuracy (fraction)")
    if not len(chosen):
        ax_loss.text(0.5, 0.5, "example cell not trained", ha="center", transform=ax_loss.transAxes)
        return
    row = chosen.iloc[0]
    curves = tables["epochs"]
    curves = curves[curves.run_id == row.run_id]
    name = f"{example.activation} + {example.optimizer}, seed {row.seed}"
    for ax, value, splits in ((ax_loss, "loss", ["train", "val"]), (ax_acc, "accuracy", ["val", "test"])):
        shown = curves[curves.split.isin(splits)]
        sns.lineplot(data=shown, x="epoch", y=value, hue="split", hue_order=splits, ax=ax)
        ax.axvline(row.best_epoch, color="k", ls="--", lw=1, label=f"val-loss minimum ({int(row.best_epoch)})")
        if ax is ax_acc and not missing(row.acc_epoch):
            ax.axvline(row.acc_epoch, color="k", ls=":", lw=1, label=f"val-accuracy maximum ({int(row.acc_epoch)})")
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        ax.set_title(f"{name}: {value}", fontsize=10)


def _gains(ax_loss, ax_acc, ev: pd.DataFrame) -> None:
    seeds = ev[~ev.diverged].groupby(["optimizer", "seed"], as_index=False)[
        ["test_loss_gain", "loss_stop_accuracy_gain", "acc_stop_accuracy_gain"]].mean()
    n = figures.n_label(seeds, ["optimizer"])
    order = sorted(seeds.optimizer.unique())
    if len(seeds):
        sns.barplot(data=seeds, x="optimizer", y="test_loss_gain", order=order, errorbar=figures.seed_interval,
                    color=sns.color_palette(figures.PALETTE)[0], ax=ax_loss, label=f"mean, 95% t-interval ({n})")
        long = seeds.melt(id_vars=["optimizer", "seed"],
                          value_vars=["loss_stop_accuracy_gain", "acc_stop_accuracy_gain"],
                          var_name="rule", value_name="gain")
        long["rule"] = long.rule.map({"loss_stop_accuracy_gain": RULES["val_loss"],
                                      "acc_stop_accuracy_gain": RULES["val_accuracy"]})
        sns.barplot(data=long, x="optimizer", y="gain", hue="rule", order=order, errorbar=figures.seed_interval,
                    ax=ax_acc)
        ax_acc.legend(title=f"95% t-interval over seeds ({n})", fontsize=9, title_fontsize=9, loc="upper center",
                      bbox_to_anchor=(0.5, -0.2), ncol=1)
        ax_loss.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    for ax in (ax_loss, ax_acc):
        ax.axhline(0, color="k", lw=0.8)
    ax_loss.set(xlabel="optimizer", ylabel="test loss, last epoch − at stop (nats)",
                title="judged: stopping on val loss, scored in test loss\n(mean over activations within a seed)")
    ax_acc.set(xlabel="optimizer", ylabel="test accuracy, at stop − last epoch (fraction)",
               title="beside it: test accuracy gain per stopping rule")


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    ev = ev["runs"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 10))
    _curves(axes[0, 0], axes[0, 1], tables, ev, settings.example)
    _gains(axes[1, 0], axes[1, 1], ev)
    gain, shape = v.part(GAIN), v.part(SHAPE)
    where = ", ".join(f"{k} {val}" for k, val in settings.headline.axes().items()) or "every grid cell"
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"Early stopping ({where})", v,
                                       parts=[(gain, "+.3f", "seeds"), (shape, ".2f", "seeds")],
                                       note=f"{int(ev.diverged.sum())} diverged run(s) left out of "
                                            f"every panel"), fontsize=11)
    return fig


CLAIM = register(Claim(
    id=ID,
    title="Validation loss falls then rises while training loss keeps falling; stopping at the "
          "validation minimum gives better test performance than training to the end.",
    source="Prechelt, 'Early Stopping — But When?' (1998), sec. 2; Goodfellow et al., Deep Learning (2016), sec. 7.8",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Top: one run's training and validation loss with the epoch of lowest validation loss (dashed), "
                "and its validation and test accuracy with the epoch of highest validation accuracy (dotted). "
                "Bottom left: the judged statistic, test loss at the last epoch minus at the validation-loss "
                "minimum, per optimizer. Bottom right: test accuracy gained by stopping on validation loss and "
                "on validation accuracy. Bars are means over seeds of the activations' average, error bars the "
                "95% Student-t interval over seeds; diverged runs are left out.",
    conditions=conditions,
    settings=Settings,
    tables=("runs", "epochs"),
    category=TEST,
    curves=("study",),
))
