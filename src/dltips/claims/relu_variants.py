"""relu-variants: Leaky ReLU (0.01·x for x < 0), Parametric ReLU (slope learned) and ELU
are improvements on ReLU.

The notes list the variants under *training* difficulties, so the statistic is training
loss: per unregularized cell (dataset, optimizer, architecture, initialization, seed), ReLU's
final training loss minus the variant's, each at its own tuned learning rate -- a paired
difference, so only the activation differs; positive = the variant trains better. A pair
where either run diverged is left out of the statistic and counted (divergence is a
learning-rate failure, reported, not averaged). Test accuracy (the `metric` setting) is
reported beside it, paired the same way.

Conditions: variant x (depth, init, optimizer): the grid at depth 4 and the `deep_study`
sweep at each of its depths (He init, the init a deep ReLU net needs), each optimizer on its
own: an adaptive optimizer rescales the very gradients a dead or small negative slope
starves, so pooling optimizers would average a difficulty with its cure. Within a condition,
one pair per seed, then a Student-t interval over seeds. A gain must clear the smallest
effect of interest (`min_gain`, claims.effects: inside it is "no difference", not "not
reproduced"); a condition where ReLU itself has no training difficulty (its mean training
loss below that same effect) has nothing for a variant to fix and is not judged. The verdict
is the headline condition's (config `headline`: SGD at He depth 10, where a deep ReLU net's
training is hard): every variant must improve on ReLU there (verdicts.all_of, the weakest
variant first). Beside it (not judged), the learned PReLU slopes per layer (slopes.csv) of
runs that did not diverge, and the training loss against the learning rate of every candidate
of the headline's rate search (claims.rate_curves).
"""

import math
from dataclasses import replace
from typing import Annotated

import numpy as np
import pandas as pd

from ..activations import LEAKY_SLOPE, PRELU_INIT
from ..io import missing
from ..verdicts import ACCURACY_DIFFERENCE, INCONCLUSIVE, all_of, compare, interval_text
from . import TRAINING, declare
from .effects import gain
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import init_depth_headline, resolve_depth
from .rate_curves import legend_below, rate_curves, rate_panel, seed_label, unregularized
from .select import paired_differences
from .settings import ClaimSettings, RunMetric, distinct, registered, setting
from ..lazy import figures, plt, sns
from ..words import count, number, point

ID = "relu-variants"
SLOPE_COLUMNS = ["run_id", "layer", "unit", "slope"]
TRAIN = "final_train_loss"
NOTHING_TO_FIX = "nothing to fix"  # a `why` that starts so: the baseline already fits its training data


class Headline(init_depth_headline("he", "the init a deep ReLU net needs", 10,
                                   "the sweep's deepest depth, where a difference in training difficulty can show")):
    """The condition whose verdict is the claim's: an init, a depth and an optimizer."""

    optimizer: str = setting("sgd", "plain SGD: no per-weight rescaling of the gradients a dead unit or a small "
                                    "negative slope starves, where the variants' papers place ReLU's difficulty "
                                    "(Maas et al. 2013; Clevert et al. 2016 trained with SGD)", registry="optimizer")


class Settings(ClaimSettings):
    study: str = setting("grid", "depth-4 runs at the default init, paired cell by cell (the grid)")
    deep_study: str = setting("variants", "the sweep of these activations at several depths, He init (a study "
                                          "the config does not train leaves its conditions without data)")
    regularizer: str = setting("none", "runs compared: the notes list the variants under training difficulties, "
                                       "and a regularizer's training loss measures the regularizer too",
                               registry="regularizer")
    baseline: str = setting("relu", "what the variants are claimed to improve on", registry="activation")
    variants: distinct(Annotated[str, registered("activation")]) = setting(
        ["leaky_relu", "prelu", "elu"], "each must improve on the baseline; activations of both studies",
        min_length=1)
    metric: RunMetric = setting("final_test_accuracy", "the test side, reported beside the judged training loss")
    min_gain: float = setting(0.02, "the smallest effect of interest: the baseline's final training loss minus "
                                    "the variant's must exceed it (nats, per seed); 0.02 nats is a 2% change in the "
                                    "likelihood a net gives its training labels, below which two nets fit their "
                                    "data alike for any purpose of the notes. Inside +-it: no difference. A "
                                    "condition whose baseline's training loss is below it has no difficulty to fix",
                              ge=0)
    headline: Headline = setting(Headline(), "the verdict's condition: every variant must improve there; depth 4 "
                                             "and every other depth of both studies are reported as conditions")


def slope_summary(slopes: pd.DataFrame) -> pd.DataFrame:
    slopes = slopes.reindex(columns=SLOPE_COLUMNS)  # a table from a config without PReLU may have none
    summary = slopes.groupby("layer").slope.agg(
        n_units="size", mean="mean", q05=lambda s: s.quantile(0.05), median="median",
        q95=lambda s: s.quantile(0.95), fraction_negative=lambda s: (s < 0).mean())
    return summary.reset_index()


def trained_slopes(slopes: pd.DataFrame, runs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Slopes of runs that did not diverge (a diverged run's slopes are whatever it blew up
    to), with the run's depth; and how many runs were left out."""
    slopes = slopes.reindex(columns=SLOPE_COLUMNS)
    info = runs.set_index("run_id")[["depth", "diverged"]] if len(runs) else pd.DataFrame(
        columns=["depth", "diverged"])
    slopes = slopes.join(info, on="run_id")
    bad = slopes.diverged.fillna(False).astype(bool) | ~np.isfinite(slopes.slope.astype(float))
    left_out = slopes[bad].run_id.nunique()
    return slopes[~bad], int(left_out)


def evidence(tables: dict, settings: Settings) -> Evidence:
    """`pairs`: every variant run paired with the baseline's in its cell, per study;
    `slopes`: the learned PReLU slopes per layer (context, not judged)."""
    runs = tables["runs"]
    runs = runs[runs.regularizer == settings.regularizer] if len(runs) else runs
    frames = []
    for study in dict.fromkeys([settings.study, settings.deep_study]):
        args = (runs, study, settings.baseline, settings.variants)
        train = paired_differences(*args, TRAIN)
        test = paired_differences(*args, settings.metric)
        frames.append(train.rename(columns={"value": "train_loss", "baseline_value": "baseline_train_loss"}).assign(
            study=study, train_gain=-train.difference, test_difference=test.difference).drop(columns="difference"))
    return {"pairs": pd.concat(frames, ignore_index=True),
            "slopes": slope_summary(trained_slopes(tables["slopes"], tables["runs"])[0])}


def judge_variant(pairs: pd.DataFrame, activation: str, settings: Settings):
    """The variant's rule in these pairs: a part named after the variant."""
    mine = pairs[pairs.activation == activation]
    ok = mine[~mine.diverged]
    train = gain(ok.groupby("seed").train_gain.mean(), settings.min_gain,
                 f"training loss, {settings.baseline} minus {activation}, same cell (nats)",
                 detail=f"{activation}: {count(int(mine.diverged.sum()), 'pair')} left out (a run diverged), "
                        f"{int(ok.lr_at_edge.sum())} kept with a tuned rate at its grid's edge",
                 name=activation)
    baseline_loss = ok.baseline_train_loss.mean()
    if len(ok) and baseline_loss < settings.min_gain:
        train = replace(train, verdict=INCONCLUSIVE,
                        why=f"{NOTHING_TO_FIX}: {settings.baseline}'s own training loss here, "
                            f"{point(baseline_loss, (settings.min_gain,))} nats, is below the smallest effect of "
                            f"interest, {settings.min_gain:g}")
    test = compare(ok.groupby("seed").test_difference.mean(), 0.0, ">", settings.metric, bounds=ACCURACY_DIFFERENCE)
    shown = "no data" if test.n == 0 else interval_text(test)
    beside = f"{settings.metric}, {activation} minus {settings.baseline}: {shown} (not judged)"
    # whether the depth is trainable at all: chance level is ln(classes), 2.30 nats for 10 classes
    beside += f"; {settings.baseline}'s mean training loss here {number(baseline_loss)} nats" if len(ok) else ""
    return replace(train, detail=f"{train.detail}; {beside}")


def weakest_first(parts, settings: Settings) -> list:
    """The variants' parts, weakest first (a variant with no data is the weakest of all),
    in the settings' order where they tie."""
    return sorted(parts, key=lambda p: (-math.inf if missing(p.value) else p.value, settings.variants.index(p.name)))


def rule(ev: Evidence, settings: Settings):
    """One variant's rule in one condition's pairs (the grid gives each variant a condition)."""
    pairs = ev["pairs"]
    found = list(dict.fromkeys(pairs.activation))
    return judge_variant(pairs, found[0] if len(found) == 1 else "the variant", settings)


def headline(ev: Evidence, settings: Settings) -> dict:
    """The settings' init, at their depth (a number, or the deepest one trained at that init)."""
    wanted = settings.headline
    depths = ev["pairs"][ev["pairs"].init == wanted.init].depth
    return {"depth": resolve_depth(wanted.depth, depths), "init": wanted.init, "optimizer": wanted.optimizer}


def combine(parts, settings: Settings):
    """Every variant must improve on the baseline in the headline condition: all_of, the
    weakest variant first, each variant's own words kept."""
    ordered = weakest_first(parts, settings)
    combined = all_of(*ordered)
    return replace(combined, detail="; ".join([combined.detail] + [p.detail for p in ordered]))


# per depth, init and optimizer, each variant on its own; the headline (one of each) spans the variants
GRIDS = (Grid("pairs", (Axis("depth", int), Axis("init"), Axis("optimizer"),
                        Axis("activation", levels=lambda s: s.variants))),)


def _condition_label(depth, init, optimizer) -> str:
    return f"depth {int(depth)}, {init} init, {optimizer}"


def _difference_panel(ax, pairs: pd.DataFrame, column: str, settings: Settings, **labels) -> None:
    """Bars per variant and condition; `labels`: the axes' x and y labels and title, set before
    the legend goes under them."""
    ax.set(**labels)
    ok = pairs[~pairs.diverged]
    seeds = ok.groupby(["activation", "depth", "init", "optimizer", "seed"], as_index=False)[column].mean()
    if not len(seeds):
        ax.text(0.5, 0.5, "no paired runs of these activations", ha="center", transform=ax.transAxes)
        return
    seeds["condition"] = [_condition_label(d, i, o) for d, i, o in zip(seeds.depth, seeds.init, seeds.optimizer)]
    hue_order = [_condition_label(d, i, o) for d, i, o in seeds[["depth", "init", "optimizer"]].drop_duplicates()
                 .sort_values(["depth", "init", "optimizer"]).itertuples(index=False)]
    sns.barplot(data=seeds, x="activation", y=column, hue="condition", order=list(settings.variants),
                hue_order=hue_order, errorbar=figures.seed_interval, ax=ax)
    left_out = int(pairs.diverged.sum())
    ax.set(**labels)  # seaborn labels the axes by column
    ax.legend(**figures.below(ax, title=f"95% t-interval, {figures.n_label(seeds, ['activation', 'condition'])}; "
                                        f"{count(left_out, 'diverged pair')} left out", fontsize=9, title_fontsize=9,
                              ncol=2))
    ax.axhline(0, color="k", lw=0.8)


def _slope_panel(ax, tables: dict) -> None:
    slopes, left_out = trained_slopes(tables["slopes"], tables["runs"])
    if len(slopes):
        slopes = slopes.assign(depth=slopes.depth.map(
            lambda d: "depth not in runs.csv" if missing(d) else f"depth {int(d)}"))
        sns.boxplot(data=slopes, x="layer", y="slope", hue="depth", showfliers=False, ax=ax)
    else:
        ax.text(0.5, 0.5, "no learned PReLU slopes", ha="center", transform=ax.transAxes)
    for value, style, label in ((PRELU_INIT, "--", f"initial slope {PRELU_INIT:g}"),
                                (LEAKY_SLOPE, ":", f"Leaky ReLU {LEAKY_SLOPE:g}"), (0, "-", "ReLU 0")):
        ax.axhline(value, color="k", ls=style, lw=1, label=label)
    ax.set(xlabel="hidden layer (1 = nearest the input)", ylabel="learned PReLU slope a for x < 0 (dimensionless)",
           title=f"learned PReLU slopes per layer, box 25–75%,\nwhiskers 1.5 IQR ({slopes.run_id.nunique()} runs; "
                 f"{count(left_out, 'diverged run')} left out)")
    figures.legend(ax, **figures.below(ax, ncol=2))


def _rate_panel(ax, tuning: pd.DataFrame, ev: Evidence, settings: Settings) -> None:
    """The judged statistic against the rate in the headline condition, a line per activation,
    from the rate search of the deep study."""
    wanted = headline(ev, settings)
    arms = [settings.baseline, *settings.variants]
    colors = figures.by_activation(pd.DataFrame({"activation": arms}))["palette"] or {}
    where = {"study": settings.deep_study, "depth": wanted["depth"], "optimizer": wanted["optimizer"],
             "condition": unregularized(wanted["init"])}
    curves = rate_curves(tuning, "train_loss", arms, where)
    if settings.regularizer != "none":  # the search names a regularized condition by its variant, not
        curves = curves.iloc[:0]       # by the regularizer the settings give: drawn for "none" only
    marks = rate_panel(ax, curves, "train_loss", colors,
                       f"judged statistic against the rate, headline:\n{wanted['optimizer']}, depth "
                       f"{wanted['depth']}, {wanted['init']} init ({seed_label(curves)})")
    ax.set_ylim(bottom=0)
    legend_below(ax, marks, ncol=2)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    fig, axes = plt.subplot_mosaic([["train", "test"], ["slopes", "rate"]], figsize=(12, 10.5),
                                   layout="constrained")  # legends under their panels
    _rate_panel(axes["rate"], tables.get("tuning", pd.DataFrame()), ev, settings)
    pairs = ev["pairs"]
    _difference_panel(axes["train"], pairs, "train_gain", settings, xlabel="variant",
                      ylabel=f"{settings.baseline}'s training loss − variant's (nats)",
                      title="judged: training loss (> 0: the variant trains better)")
    metric = settings.metric.replace("_", " ")
    _difference_panel(axes["test"], pairs, "test_difference", settings, xlabel="variant",
                      ylabel=f"{metric}:\nvariant − {settings.baseline} (fraction)",
                      title="beside it: test side (not judged)")
    _slope_panel(axes["slopes"], tables)
    where = ", ".join(f"{k} {val}" for k, val in dict(settings.headline).items())
    per_variant = weakest_first([p for p in v.parts or (v,) if p.name in settings.variants], settings)
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"ReLU variants ({where})", v,
                                       parts=[(p, "+.3f", "seeds") for p in per_variant]), fontsize=11)
    return fig


def reads(settings: Settings) -> tuple[dict, ...]:
    """The headline init, depth and optimizer of the deep sweep: the baseline and every variant
    (dltips.headline_runs)."""
    return ({"study": settings.deep_study, "activation": [settings.baseline, *settings.variants],
             "regularizer": settings.regularizer, **dict(settings.headline)},)


CLAIM = declare(
    __name__,
    title="Leaky ReLU, Parametric ReLU (learned slope) and ELU are improvements on ReLU.",
    source="Maas, Hannun & Ng, ICML workshop (2013) (leaky ReLU); He, Zhang, Ren & Sun, ICCV (2015), sec. 2 "
           "(PReLU); Clevert, Unterthiner & Hochreiter, ICLR (2016) (ELU)",
    figure_text="Top left: ReLU's final training loss minus each variant's in the same unregularized cell, each at "
                "its own tuned learning rate, per depth and initialization (the judged statistic). Top right: each "
                "variant's test accuracy minus ReLU's, paired the same way. Bars are means over seeds of the cells' "
                "average, error bars the 95% Student-t interval over seeds; pairs with a diverged run are left "
                "out. Bottom left: the learned PReLU slopes of every unit per hidden layer and depth (runs that did "
                "not diverge), against the initial slope, Leaky ReLU's fixed slope and ReLU's 0. Bottom right: the "
                "judged statistic against the learning rate in the headline condition, a line per activation, from "
                "the rate search (tuning.csv: each candidate's final training loss on the train-evaluation subset, "
                "mean over the tuning seeds), so the reader sees whether the order of the activations holds across "
                "the rates the search could not tell apart. The line joins the candidates that trained as the runs "
                "do; a candidate successive halving stopped early is hollow at its own, shorter, training (its "
                "loss is higher for that alone); x on the top edge: diverged on a tuning seed; black ring: the "
                "pick; grey ring: a runner-up tied with it.",
    tables=("runs", "slopes", "tuning"),
    category=TRAINING,
)
