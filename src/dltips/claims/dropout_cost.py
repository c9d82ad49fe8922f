"""dropout-costs-training: dropout makes training performance worse while it improves test
performance when the net overfits.

Evidence (runs table, the study in the settings: by default the `dropout` sweep, widths x
hidden dropout rates, each rate with its own tuned learning rate, trained until validation
loss plateaus): every dropout-trained run paired with the run of the same architecture
without dropout and the same seed (same data order, same initialization). Accuracies are the
reported ones, measured without dropout, so "training performance" is the net's fit of its
training data, not the noise of its masks. A pair where either run diverged is left out and
counted.

Per condition (width, hidden dropout rate), two parts (verdicts.all_of), each the mean of
the condition's pairs within a seed, then a Student-t interval over seeds:
  train drop   train accuracy without dropout minus with it, pairs whose plain net trained
               (train accuracy at least `min_train_accuracy`: a net at chance has no
               training performance to lose)
  test gain    test accuracy with dropout minus without, pairs whose plain net overfits
               (its train minus test accuracy above `min_overfit_gap`, stated at MNIST-1D's
               1,000 test examples and read at the judged dataset's own: claims.resolution)
Dropout thins a layer (n units with keep probability q act like ~q*n), so the claim is read
per width, never pooled across widths or rates. Per width, the rate with the best mean
validation accuracy ("chosen on validation", as a practitioner picks it) is a condition of
its own, `dropout_hidden: validation`.
"""

from dataclasses import replace
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..verdicts import ACCURACY_DIFFERENCE, all_of, compare
from . import TEST, declare
from .evidence import Evidence
from .grids import Axis, Grid
from .resolution import SIZES, at_size, at_judged_test_size, scaled_words, judged_test_size
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns
from ..words import count

ID = "dropout-costs-training"
VALIDATION = "validation"  # the condition value for the rate chosen on validation accuracy
ARCHITECTURE = ["study", "dataset", "activation", "optimizer", "depth", "width", "init", "seed"]
COLUMNS = ["width", "dropout_hidden", "seed", "train_none", "train_dropout", "test_none", "test_dropout",
           "val_dropout", "train_drop", "test_gain", "overfit_gap", "trained", "overfits", "diverged",
           "plateau", "chosen_on_validation"]
ARMS = {"none": "_none", "dropout": "_dropout"}


class Headline(ClaimSettings):
    width: int = setting(400, "the wider net: dropout thins a layer to ~q*n units", ge=1)
    dropout_hidden: Annotated[float, Field(gt=0, lt=1)] | Literal["validation"] = setting(
        VALIDATION, "a swept hidden rate, or the rate with the best mean validation accuracy at that width")


class Settings(ClaimSettings):
    study: str = setting("dropout", "runs.study whose dropout runs are paired with its unregularized runs (same "
                                    "architecture and seed): the width x rate sweep, trained to a val-loss plateau")
    headline: Headline = setting(Headline(), "the verdict's condition; every (width, rate) is reported as a condition")
    min_train_accuracy: float = setting(0.2, "pairs whose plain net trains below this (chance = 0.1) are left out: "
                                             "nothing to lose", ge=0, le=1)
    min_train_drop: float = setting(0.0, "claim part 1: train acc(none) - train acc(dropout) above this (fraction), "
                                         "per seed; 0 = the notes' \"worse\", nothing more")
    min_overfit_gap: float = setting(0.05, "a plain net \"overfits\" when its train - test accuracy is above this: "
                                           "~3 binomial SEs of its test accuracy (0.015 at 0.6, N = 1,000), a gap "
                                           "noise does not explain. Stated at 1,000 test examples; read at the "
                                           "judged dataset's N as this x sqrt(1000/N), as a binomial SE scales "
                                           "(claims.resolution)", gt=0)
    min_test_gain: float = setting(0.0, "claim part 2, overfitting pairs only: test acc(dropout) - test acc(none) "
                                        "above this, per seed; 0 = the notes' \"improves\"")


def evidence(tables: dict, settings: Settings) -> Evidence:
    gap = at_judged_test_size(settings.min_overfit_gap, tables["datasets"])
    return {"pairs": pairs(tables["runs"], settings, gap), SIZES: tables["datasets"]}


def pairs(runs: pd.DataFrame, settings: Settings, min_overfit_gap: float) -> pd.DataFrame:
    """Every dropout run beside its plain twin; a pair overfits where the plain net's train -
    test accuracy exceeds `min_overfit_gap` (the setting at the judged dataset's test size)."""
    if runs.empty or "study" not in runs:
        return pd.DataFrame(columns=COLUMNS)
    runs = runs[runs.study == settings.study]
    if "stopped_on_plateau" not in runs:  # a table from before the plateau criterion: unknown, not false
        runs = runs.assign(stopped_on_plateau=np.nan)
    keep = [*ARCHITECTURE, "diverged", "stopped_on_plateau", "final_train_accuracy", "final_val_accuracy",
            "final_test_accuracy"]
    plain = runs[runs.regularizer == "none"][keep]
    dropped = runs[runs.regularizer == "dropout"][[*keep, "dropout_hidden"]]
    out = dropped.merge(plain, on=ARCHITECTURE, suffixes=(ARMS["dropout"], ARMS["none"]))
    out = out.rename(columns={f"final_{split}_accuracy{suffix}": f"{split}{suffix}"
                              for split in ("train", "val", "test") for suffix in ARMS.values()})
    out["train_drop"] = out.train_none - out.train_dropout
    out["test_gain"] = out.test_dropout - out.test_none
    out["overfit_gap"] = out.train_none - out.test_none
    out["diverged"] = out.diverged_none.astype(bool) | out.diverged_dropout.astype(bool)
    out["trained"] = ~out.diverged & (out.train_none >= settings.min_train_accuracy)
    out["overfits"] = out.trained & (out.overfit_gap > min_overfit_gap)
    out["plateau"] = out.stopped_on_plateau_none.astype(float) * out.stopped_on_plateau_dropout.astype(float)
    out["chosen_on_validation"] = out.dropout_hidden == out.width.map(chosen_rates(out))
    return out.reindex(columns=COLUMNS)


def chosen_rates(pairs: pd.DataFrame) -> pd.Series:
    """Per width: the hidden dropout rate with the best mean validation accuracy over seeds."""
    ok = pairs[~pairs.diverged.astype(bool)]
    if ok.empty:
        return pd.Series(dtype=float)
    means = ok.groupby(["width", "dropout_hidden"]).val_dropout.mean().reset_index()
    return means.loc[means.groupby("width").val_dropout.idxmax()].set_index("width").dropout_hidden


def judge(ev: pd.DataFrame, settings: Settings, n_test: int):
    """Both parts on these pairs (their `overfits` read at `n_test` test examples); the figure
    finds them by name ("train drop", "test gain")."""
    least = at_size(settings.min_overfit_gap, n_test)
    trained = ev[ev.trained.astype(bool)]
    drop = compare(trained.groupby("seed").train_drop.mean(), settings.min_train_drop, ">",
                   "train accuracy, none − dropout, paired by seed (fraction)", name="train drop",
                   bounds=ACCURACY_DIFFERENCE)
    overfit = ev[ev.overfits.astype(bool)]
    gain = compare(overfit.groupby("seed").test_gain.mean(), settings.min_test_gain, ">",
                   f"test accuracy, dropout − none, plain net overfitting (train − test > "
                   f"{least:.3g}, {scaled_words(least, settings.min_overfit_gap, n_test)}) (fraction)",
                   name="test gain", bounds=ACCURACY_DIFFERENCE)
    combined = all_of(drop, gain)
    diverged = int(ev.diverged.astype(bool).sum())
    untrained = int((~ev.diverged.astype(bool) & ~ev.trained.astype(bool)).sum())
    no_plateau = int((ev.plateau == 0).sum())
    levels = sorted(ev.dropout_hidden.unique())
    rates = f"{'rate' if len(levels) == 1 else 'rates'} {', '.join(f'{r:g}' for r in levels) or 'none'}"
    return replace(combined, detail=f"{combined.detail}; {rates}; {count(diverged, 'pair')} left out: a "
                                    f"run diverged; {untrained} left out: plain net below "
                                    f"{settings.min_train_accuracy:g} train accuracy; {count(no_plateau, 'pair')} "
                                    f"stopped before validation loss plateaued")


def rule(ev: Evidence, settings: Settings):
    return judge(ev["pairs"], settings, judged_test_size(ev[SIZES]))


# every (width, swept rate), then per width the rate chosen on validation accuracy
GRIDS = (Grid("pairs", (Axis("width", int),
                        Axis("dropout_hidden", float, flags={VALIDATION: "chosen_on_validation"}))),)


def _label(width, rate) -> str:
    return f"w{int(width)} p{rate:g}"


def _levels(ax, runs: pd.DataFrame, settings: Settings) -> None:
    """Train and test accuracy against the hidden rate (0 = no dropout), one line per width."""
    ok = runs[(runs.study == settings.study) & ~runs.diverged.astype(bool)] if len(runs) else runs
    if not len(ok):
        ax.text(0.5, 0.5, f"no runs of study '{settings.study}'", ha="center", transform=ax.transAxes)
    else:
        ok = ok.assign(dropout_hidden=ok.dropout_hidden.fillna(0.0))
        long = ok.melt(id_vars=["width", "dropout_hidden", "seed"], value_vars=["final_train_accuracy",
                       "final_test_accuracy"], var_name="split", value_name="accuracy")
        long["split"] = long.split.str.split("_").str[1]
        long["width"] = long.width.map(lambda w: f"width {w}")
        sns.lineplot(data=long, x="dropout_hidden", y="accuracy", hue="width", style="split", markers=True,
                     errorbar=figures.seed_interval, ax=ax)
        ax.set_xticks(sorted(long.dropout_hidden.unique()))
        left_out = int(runs[runs.study == settings.study].diverged.astype(bool).sum())
        ax.set_title(f"accuracy measured without dropout\n({count(left_out, 'diverged run')} left out)", fontsize=10)
    ax.set(xlabel="hidden dropout rate p (0 = no dropout)", ylabel="final accuracy (fraction)")
    if len(ok):  # under the x label, off the bands
        ax.legend(**figures.below(ax, title=f"95% t-interval, {figures.n_label(ok, ['width', 'dropout_hidden'])}",
                                  ncol=2))


def _changes(ax, ev: pd.DataFrame, settings: Settings) -> None:
    """Per (width, rate): the change dropout makes in train and test accuracy, paired by seed."""
    shown = ev[ev.trained.astype(bool)]
    if not len(shown):
        ax.text(0.5, 0.5, "no trained pairs", ha="center", transform=ax.transAxes)
    else:
        shown = shown.assign(cell=[_label(w, p) for w, p in zip(shown.width, shown.dropout_hidden)])
        cells = shown.sort_values(["width", "dropout_hidden"]).drop_duplicates("cell")
        marks = {c.cell: ("*" if c.chosen_on_validation else "") for c in cells.itertuples()}
        overfits = shown.groupby("cell").overfits.mean() > 0.5
        seeds = shown.groupby(["cell", "seed"], as_index=False)[["train_drop", "test_gain"]].mean()
        long = seeds.melt(id_vars=["cell", "seed"], var_name="change", value_name="delta")
        long["delta"] = long.delta.where(long.change == "test_gain", -long.delta)  # both as dropout − none
        long["change"] = long.change.map({"train_drop": "train", "test_gain": "test"})
        order = list(cells.cell)
        sns.barplot(data=long, x="cell", y="delta", hue="change", order=order, errorbar=figures.seed_interval, ax=ax)
        ax.set_xticks(range(len(order)), [f"{c}{marks[c]}{'' if overfits[c] else ' (no overfit)'}" for c in order],
                      rotation=30, ha="right")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="width w, hidden dropout rate p\n(* chosen on validation)",
           ylabel="accuracy with dropout − without\n(fraction)")
    ax.set_title("dropout − no dropout, paired by seed", fontsize=10)
    if len(shown):  # under the rotated tick labels and the x label, off the bars
        ax.legend(**figures.below(ax, title=f"accuracy change on\n(95% t-interval, "
                                            f"{figures.n_label(seeds, ['cell'])})", ncol=2))


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    fig, (levels_ax, changes_ax) = plt.subplots(1, 2, figsize=(figures.WIDTH, 6.5), layout="constrained")
    _levels(levels_ax, tables["runs"], settings)
    _changes(changes_ax, ev["pairs"], settings)
    drop, gain = v.part("train drop"), v.part("test gain")
    where = ", ".join(f"{k} {val}" for k, val in dict(settings.headline).items())
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"Dropout costs training accuracy, pays on test when overfitting ({where})",
                                       v, parts=[(drop, "+.3f", "seeds"), (gain, "+.3f", "seeds")]), fontsize=11)
    return fig


def findings(ev: Evidence) -> str:
    """Which (width, rate) gain on test: dropout's benefit depends on both and on overfitting."""
    shown = ev["pairs"][ev["pairs"].trained.astype(bool)]
    if shown.empty:
        return ""
    means = shown.groupby(["width", "dropout_hidden"])[["overfit_gap", "train_drop", "test_gain"]].mean()
    helped = [_label(*c) for c, r in means.iterrows() if r.test_gain > 0]
    return (f"test gain > 0 in {len(helped)} of {len(means)} (width, rate) ({', '.join(helped) or 'none'}); "
            + "; ".join(f"{_label(*c)}: overfit gap {r.overfit_gap:.2f}, train −{r.train_drop:.3f}, "
                        f"test {r.test_gain:+.3f}" for c, r in means.iterrows()))


def reads(settings: Settings) -> tuple[dict, ...]:
    """The headline width's unregularized runs and its dropout runs at the headline rate (every
    rate where the rate is chosen on validation accuracy) -- dltips.headline_runs."""
    h = settings.headline
    at = {"study": settings.study, "width": h.width}
    rate = {} if h.dropout_hidden == VALIDATION else {"reg_params": {"hidden": h.dropout_hidden}}
    return ({**at, "regularizer": "none"}, {**at, "regularizer": "dropout", **rate})


CLAIM = declare(
    __name__,
    title="Dropout makes training performance worse while it improves test performance when the net overfits.",
    source="Srivastava et al., 'Dropout', JMLR 15 (2014), sec. 6.1, 7.3 (fig. 9: train and test error with "
           "and without dropout) and appendix A.1 (widen a layer to n/q units); Hinton et al., arXiv:1207.0580 (2012)",
    figure_text="Left: final train and test accuracy (measured without dropout) against the hidden dropout rate, "
                "one line per width. Right: per width and rate, the change in train and test accuracy that dropout "
                "causes, paired by seed; a star marks the rate chosen on validation accuracy, '(no overfit)' a "
                "width whose plain net does not overfit. Error bars and bands are 95% Student-t intervals over "
                "seeds; diverged runs are left out.",
    tables=("runs", "datasets"),
    category=TEST,
)
