"""early-stopping: validation loss falls, then rises while training loss keeps falling;
stopping at the validation minimum gives better test performance than training to the end.

Evidence (grid, unregularized runs that did not diverge): per run, the test metrics at a
stopping point against the last epoch -- a paired comparison within the run, so nothing but
the stopping point differs. Two stopping rules, each a condition of its own (`monitor`), each
scored in the metric it monitors (Prechelt 1998: monitor and score the same metric):
  val_loss      stop at the lowest validation loss (the notes' figure), judged in test loss,
                two parts (verdicts.all_of):
                  test-loss gain  last epoch's test loss minus the test loss at the stop
                  curve shape     fraction of runs whose validation loss rose after its
                                  minimum while the training loss kept falling (the notes' curves)
  val_accuracy  stop at the first epoch of highest validation accuracy (read from epochs.csv),
                judged in test error: last epoch's minus at the stop
Each rule's change in the other metric is reported beside it, not judged: validation loss can
turn up from over-confidence while accuracy still rises (Guo et al. 2017), so stopping on it
may cost accuracy while it gains in loss. A gain is judged against the smallest effect of
interest fixed in advance (claims.effects: inside it, "no difference"), stated at MNIST-1D's 1,000
test examples and read at the judged dataset's own test size (claims.resolution). Every statistic is a
mean over the condition's cells within a seed, then a Student-t interval over seeds.
Conditions: each stopping rule per optimizer and per activation; the headline is a setting
(Settings.headline): the val-loss rule, at one optimizer or one activation.
"""

from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from ..io import missing
from ..verdicts import ACCURACY_DIFFERENCE, FRACTION, all_of, compare, interval_text
from . import TEST, declare
from .effects import gain
from .evidence import Evidence
from .grids import Axis, Grid
from .resolution import REFERENCE_SIZE, SIZES, at_size, scaled_words, judged_test_size
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns
from ..words import count

ID = "early-stopping"
AXES = ("optimizer", "activation")  # what the gain may depend on, each a condition of its own
RUN_COLUMNS = ["run_id", "diverged", "activation", "optimizer", "seed", "best_epoch", "epochs_run", "best_train_loss",
               "final_train_loss", "best_val_loss", "final_val_loss", "best_test_loss", "final_test_loss",
               "best_test_accuracy", "final_test_accuracy"]
VAL_LOSS, VAL_ACCURACY = "val_loss", "val_accuracy"
RULES = {VAL_LOSS: "stop at the lowest validation loss", VAL_ACCURACY: "stop at the highest validation accuracy"}
STOP_COLUMNS = ["run_id", "monitor", "optimizer", "activation", "seed", "diverged", "stop_epoch", "test_loss_gain",
                "test_error_gain", "val_turned_up"]
GAIN, SHAPE, ERROR_GAIN = "test-loss gain", "curve shape", "test-error gain"  # the verdicts' parts


class Headline(ClaimSettings):
    """A stopping rule at an optimizer or an activation of the study: exactly one of the two,
    a condition of one of the two grids (every cell pooled would mix unlike conditions)."""

    monitor: Literal["val_loss", "val_accuracy"] = setting(VAL_LOSS, "the stopping rule: the notes' figure stops "
                                                                     "at the lowest validation loss")
    optimizer: str | None = setting(None, "the optimizer whose cells the verdict reads", registry="optimizer")
    activation: str | None = setting(None, "the activation whose cells the verdict reads", registry="activation")

    @model_validator(mode="after")
    def _one_axis(self):
        if len(self.cells()) != 1:
            raise ValueError(f"headline names one condition, an optimizer or an activation; given {self.cells()}")
        return self

    def cells(self) -> dict:
        """The optimizer or activation it names, as {column: value}."""
        return {axis: getattr(self, axis) for axis in AXES if getattr(self, axis) is not None}


class Example(ClaimSettings):
    activation: str = setting("relu", "activation of the cell drawn", registry="activation")
    optimizer: str = setting("adam", "optimizer of the cell drawn", registry="optimizer")


class Settings(ClaimSettings):
    study: str = setting("grid", "runs.study compared: its unregularized runs")
    headline: Headline = setting(Headline(optimizer="adam"), "the verdict's condition: stopping on validation loss "
                                 "(the notes' figure) under Adam, the optimizer of the other test-side sweeps; "
                                 "each rule at every optimizer and activation is reported as a condition")
    min_test_gain: float = setting(
        0.04, "val-loss rule, claim part 1: test LOSS at the end minus at the stop above this (nats). The smallest "
              "effect of interest, from the test set's resolution: one standard error of a net's mean test loss on "
              "MNIST-1D's 1,000 test examples (per-example cross-entropy SD ~1.25 nats near accuracy 0.5: 1.25 / "
              "sqrt(1000) = 0.04, dropout_eval's test_loss_se); inside +-this: no difference. Stated at 1,000 test "
              "examples; read at the judged dataset's N as this x sqrt(1000/N), as a mean's SE scales "
              "(claims.resolution)", ge=0)
    min_fraction_turned_up: float = setting(0.5, "val-loss rule, claim part 2: more than this fraction of runs (per "
                                                 "seed) have val loss rising after its minimum while train loss "
                                                 "falls: the notes' curve is the typical one", ge=0, le=1)
    min_error_gain: float = setting(
        0.015, "val-accuracy rule, claim: test ERROR at the end minus at the stop above this (fraction). The smallest "
               "effect of interest, from the test set's resolution: one binomial SE of an accuracy near 0.7 on "
               "MNIST-1D's 1,000 test examples (sqrt(0.7 x 0.3 / 1000) = 0.0145); inside +-this: no difference. "
               "Stated at 1,000 test examples; read at the judged dataset's N as this x sqrt(1000/N), as a "
               "binomial SE scales (claims.resolution)",
        ge=0, le=1)
    example: Example = setting(Example(), "the cell whose loss curves the figure shows")


def accuracy_monitored(epochs: pd.DataFrame, run_ids) -> pd.DataFrame:
    """Per run: the first epoch of highest validation accuracy, and the test accuracy and test
    loss there."""
    columns = ["run_id", "acc_epoch", "acc_stop_test_accuracy", "acc_stop_test_loss"]
    if epochs.empty:
        return pd.DataFrame(columns=columns)
    curves = epochs[epochs.run_id.isin(set(run_ids))].pivot_table(index=["run_id", "epoch"], columns="split",
                                                                  values=["accuracy", "loss"])
    curves.columns = [f"{metric}_{split}" for metric, split in curves.columns]
    if curves.empty or not {"accuracy_val", "accuracy_test", "loss_test"} <= set(curves.columns):
        return pd.DataFrame(columns=columns)
    curves = curves.dropna(subset=["accuracy_val"]).reset_index().sort_values(["run_id", "epoch"])
    best = curves.loc[curves.groupby("run_id").accuracy_val.idxmax()]  # idxmax: the first maximum, as a patient rule stops
    return best.rename(columns={"epoch": "acc_epoch", "accuracy_test": "acc_stop_test_accuracy",
                                "loss_test": "acc_stop_test_loss"})[columns]


def evidence(tables: dict, settings: Settings) -> Evidence:
    """runs: one row per run, both stopping points side by side (the figure's); stops: one row
    per run and stopping rule (the conditions')."""
    runs = stopping(tables, settings.study)
    return {"runs": runs, "stops": stops(runs), SIZES: tables["datasets"]}


def margins(settings: Settings, n_test: int) -> dict[str, float]:
    """Each smallest effect's setting -> its value at `n_test` test examples (stated at REFERENCE_SIZE)."""
    return {field: at_size(getattr(settings, field), n_test, REFERENCE_SIZE)
            for field in ("min_test_gain", "min_error_gain")}


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
    out["acc_stop_loss_gain"] = out.final_test_loss - out.acc_stop_test_loss.astype(float)
    # the notes' curves: validation loss rose after its minimum while training loss kept falling
    out["val_turned_up"] = ((out.best_epoch < out.epochs_run) & (out.final_val_loss > out.best_val_loss)
                            & (out.final_train_loss < out.best_train_loss))
    return out


def stops(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run and stopping rule: its stop epoch and both metrics' gains there against
    the last epoch (a test-error gain is the accuracy's: error = 1 - accuracy). The curve shape
    is the val-loss rule's (NaN for the other)."""
    keys = runs[["run_id", "optimizer", "activation", "seed", "diverged"]]
    by_loss = keys.assign(monitor=VAL_LOSS, stop_epoch=runs.best_epoch, test_loss_gain=runs.test_loss_gain,
                          test_error_gain=runs.loss_stop_accuracy_gain, val_turned_up=runs.val_turned_up)
    by_accuracy = keys.assign(monitor=VAL_ACCURACY, stop_epoch=runs.acc_epoch, test_loss_gain=runs.acc_stop_loss_gain,
                              test_error_gain=runs.acc_stop_accuracy_gain, val_turned_up=np.nan)
    return pd.concat([by_loss, by_accuracy], ignore_index=True).reindex(columns=STOP_COLUMNS)


def per_seed(ev: pd.DataFrame, column: str) -> pd.Series:
    """The condition's cells averaged within each seed (the seed is the unit of replication);
    diverged runs have no curves to stop on: left out, and counted by the caller."""
    return ev[~ev.diverged.astype(bool)].groupby("seed")[column].mean().astype(float)


def change(values: pd.Series, metric: str, unit: str, bounds: tuple[float, float] | None = None) -> str:
    """A change reported beside a verdict, its direction in words only where the whole interval
    has one sign: 'test accuracy falls by 0.055 [0.038, 0.071] (fraction)'; `bounds`: its range."""
    v = compare(values, 0.0, ">", metric, bounds=bounds)
    if v.n == 0:
        return f"{metric}: no data"
    if v.ci_low > 0 or v.ci_high < 0:
        sign = 1 if v.ci_low > 0 else -1
        size = replace(v, value=sign * v.value, ci_low=min(sign * v.ci_low, sign * v.ci_high),
                       ci_high=max(sign * v.ci_low, sign * v.ci_high))
        return f"{metric} {'rises' if sign > 0 else 'falls'} by {interval_text(size)} ({unit}, n = {v.n} seeds)"
    if v.ci_low == v.ci_high == 0:
        return f"{metric} does not change (0 in every seed, n = {v.n})"
    return f"{metric} changes by {interval_text(v)} ({unit}, n = {v.n} seeds), an interval of both signs"


def judge(ev: pd.DataFrame, settings: Settings, n_test: int):
    """The rule of the condition's stopping rule (its rows' `monitor`) on these rows, the
    smallest effects at `n_test` test examples; its parts are named (GAIN, SHAPE; ERROR_GAIN)."""
    at_n = margins(settings, n_test)
    smallest = {field: f"smallest effect of interest {at_n[field]:.3g}, "
                       f"{scaled_words(at_n[field], getattr(settings, field), n_test)}" for field in at_n}
    monitors = ev.monitor.dropna().unique()
    monitor = monitors[0] if len(monitors) else VAL_LOSS
    at = "the validation-loss minimum" if monitor == VAL_LOSS else "the validation-accuracy maximum"
    if monitor == VAL_LOSS:
        loss = gain(per_seed(ev, "test_loss_gain"), at_n["min_test_gain"],
                    f"test loss, last epoch minus at {at} (nats; {smallest['min_test_gain']})", name=GAIN)
        shape = compare(per_seed(ev, "val_turned_up"), settings.min_fraction_turned_up, ">",
                        "fraction of runs whose validation loss rose after its minimum while training loss fell",
                        name=SHAPE, bounds=FRACTION)
        verdict = all_of(loss, shape)
        beside = change(per_seed(ev, "test_error_gain"), f"stopping at {at}: test accuracy", "fraction",
                        bounds=ACCURACY_DIFFERENCE)
    else:
        verdict = gain(per_seed(ev, "test_error_gain"), at_n["min_error_gain"],
                       f"test error, last epoch minus at {at} (fraction; {smallest['min_error_gain']})",
                       name=ERROR_GAIN, bounds=ACCURACY_DIFFERENCE)
        beside = change(-per_seed(ev, "test_loss_gain"), f"stopping at {at}: test loss", "nats")
    left_out = int(ev.diverged.astype(bool).sum())
    detail = "; ".join(d for d in (verdict.detail, f"reported beside, not judged: {beside}",
                                   f"{count(left_out, 'diverged run')} left out") if d)
    return replace(verdict, detail=detail)


def rule(ev: Evidence, settings: Settings):
    return judge(ev["stops"], settings, judged_test_size(ev[SIZES]))


def _monitor_levels(settings: Settings) -> list[str]:
    return list(RULES)


# each stopping rule per optimizer, then per activation: what the gain may depend on, each a condition of its own
GRIDS = tuple(Grid("stops", (Axis("monitor", levels=_monitor_levels), Axis(axis))) for axis in AXES)


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


def _gains(ax_loss, ax_acc, ev: pd.DataFrame, at_n: dict) -> None:
    """The gains per optimizer against the smallest effects `at_n` (margins())."""
    seeds = ev[~ev.diverged].groupby(["optimizer", "seed"], as_index=False)[
        ["test_loss_gain", "loss_stop_accuracy_gain", "acc_stop_accuracy_gain"]].mean()
    n = figures.n_label(seeds, ["optimizer"])
    order = sorted(seeds.optimizer.unique())
    # the smallest effect of interest: inside the band, no difference
    for ax, smallest in ((ax_loss, at_n["min_test_gain"]), (ax_acc, at_n["min_error_gain"])):
        ax.axhspan(-smallest, smallest, color="0.9", zorder=0, label=f"no difference (±{smallest:.3g})")
    if len(seeds):
        sns.barplot(data=seeds, x="optimizer", y="test_loss_gain", order=order, errorbar=figures.seed_interval,
                    color=sns.color_palette(figures.PALETTE)[0], ax=ax_loss, label=f"mean, 95% t-interval ({n})")
        long = seeds.melt(id_vars=["optimizer", "seed"],
                          value_vars=["acc_stop_accuracy_gain", "loss_stop_accuracy_gain"],
                          var_name="rule", value_name="gain")
        long["rule"] = long.rule.map({"acc_stop_accuracy_gain": f"{RULES[VAL_ACCURACY]} (judged)",
                                      "loss_stop_accuracy_gain": f"{RULES[VAL_LOSS]} (beside)"})
        sns.barplot(data=long, x="optimizer", y="gain", hue="rule", order=order, errorbar=figures.seed_interval,
                    ax=ax_acc)
    for ax, title in ((ax_acc, f"95% t-interval over seeds ({n})"), (ax_loss, None)):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(title=title, fontsize=9, title_fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                      ncol=1)
    for ax in (ax_loss, ax_acc):
        ax.axhline(0, color="k", lw=0.8)
    ax_loss.set(xlabel="optimizer", ylabel="test loss, last epoch − at stop (nats)",
                title="judged: stopping on val loss, scored in test loss\n(mean over activations within a seed)")
    ax_acc.set(xlabel="optimizer", ylabel="test error, last epoch − at stop\n= test accuracy, at stop − last (fraction)",
               title="judged: stopping on val accuracy, scored in test error;\nbeside it: the val-loss stop's")


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    at_n = margins(settings, judged_test_size(ev[SIZES]))
    ev = ev["runs"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 10))
    _curves(axes[0, 0], axes[0, 1], tables, ev, settings.example)
    _gains(axes[1, 0], axes[1, 1], ev, at_n)
    headline = settings.headline
    where = ", ".join([RULES[headline.monitor], *(f"{k} {val}" for k, val in headline.cells().items())])
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"Early stopping ({where})", v,
                                       parts=[(p, None, "seeds") for p in v.parts or (v,)],
                                       note=f"{count(int(ev.diverged.sum()), 'diverged run')} left out of "
                                            f"every panel"), fontsize=11)
    return fig


def reads(settings: Settings) -> tuple[dict, ...]:
    """The study's unregularized runs at the headline's optimizer or activation (dltips.headline_runs)."""
    return ({"study": settings.study, "regularizer": "none", **settings.headline.cells()},)


CLAIM = declare(
    __name__,
    title="Validation loss falls then rises while training loss keeps falling; stopping at the "
          "validation minimum gives better test performance than training to the end.",
    source="Prechelt, 'Early Stopping — But When?' (1998), sec. 2; Goodfellow et al., Deep Learning (2016), sec. 7.8",
    figure_text="Top: one run's training and validation loss with the epoch of lowest validation loss (dashed), "
                "and its validation and test accuracy with the epoch of highest validation accuracy (dotted). "
                "Bottom left: stopping on validation loss, judged in test loss: test loss at the last epoch minus "
                "at the validation-loss minimum, per optimizer. Bottom right: test error at the last epoch minus at "
                "the stop, judged for stopping on validation accuracy, beside it for stopping on validation loss. "
                "Grey bands: the smallest effect of interest (inside: no difference). Bars are means over seeds of "
                "the activations' average, error bars the 95% Student-t interval over seeds; diverged runs are left "
                "out.",
    tables=("runs", "epochs", "datasets"),
    category=TEST,
    curves=("study",),
)
