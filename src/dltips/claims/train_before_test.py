"""train-before-test: look at training performance first. A deeper network that is worse on
the *training* set is not overfitting but a training problem, fixed with training-side tools;
only "good on train, bad on test" is overfitting, fixed with test-side tools.

Evidence (sweep `diagnosis`): a factorial of a training-side fix (e.g. Adam for SGD) × a
test-side fix (e.g. dropout) on the notes' plain net, in two regimes: the sweep's deepest
depth (the notes' underfitting case) and its shallowest (the overfitting case). Every cell
is tuned for its own rate; diverged runs are left out and counted. Per regime and seed, each
fix's main effect is the mean over the other fix's two levels of (with − without): the
factorial's estimate, cells averaged within the seed.

The rule per regime (conditions), parts paired by seed, the deciding part first:
  underfitting  the deep plain net trains worse than the shallow one (train accuracy,
                shallow − deep > 0: the notes' evidence); the training-side fix raises train
                accuracy (> 0; where every net of both cells is at chance, the floor,
                inconclusive and said); the test-side fix does not raise test accuracy
                (upper end of its interval < a margin of `margin_test_se` binomial standard
                errors of the plain net's test accuracy on the test set).
  overfitting   the plain net is better on train than on test (train − test > 0), and the
                test-side fix raises test accuracy (> 0).
The claim's verdict is the headline regime's (setting `headline`). Evidence tables: `runs`
(one row per run of the factorial), `effects` (per regime and seed) and `conditions`.
"""

import math
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..verdicts import ACCURACY_DIFFERENCE, compare
from . import DIAGNOSIS, Claim, register
from .chance import Floor, floor_checked
from .compose import deciding_first, no_condition, with_note
from .evidence import Evidence
from .floor import condition_sentence, condition_verdicts
from .panels import headline_note, legend_with_n
from .select import runs_of
from .settings import ClaimSettings, setting
from ..lazy import lazy_import

plt = lazy_import("matplotlib.pyplot")
sns = lazy_import("seaborn")
figures = lazy_import("dltips.figures")

ID = "train-before-test"
CELLS = ("plain", "training fix", "test fix", "both fixes")
REGIMES = ("underfitting", "overfitting")
SPLITS = {"final_train_accuracy": "train", "final_test_accuracy": "test"}
RegimeDepth = Literal["deepest", "shallowest"] | Annotated[int, Field(ge=1)]


class Regimes(ClaimSettings):
    underfitting: RegimeDepth = setting("deepest", "the notes' deep plain net: the sweep's deepest depth, or a depth")
    overfitting: RegimeDepth = setting("shallowest", "a shallow plain net: the sweep's shallowest depth, or a depth")


class Headline(ClaimSettings):
    regime: Literal["underfitting", "overfitting"] = setting(
        "underfitting", "the notes' case: a deeper net worse on the training set")


class Settings(ClaimSettings):
    study: str = setting("diagnosis", "sweep of the factorial (runs.csv `study`): fixes x depths on the plain net")
    base: dict = setting({"optimizer": "sgd", "regularizer": "none"},
                         "the notes' plain net (runs.csv columns and values)", min_length=1)
    train_fix: dict = setting({"optimizer": "adam"}, "a training-side tool (the notes: activation, optimizer)",
                              min_length=1)
    test_fix: dict = setting({"regularizer": "dropout"},
                             "a test-side tool (the notes: early stopping, regularization, dropout)", min_length=1)
    regimes: Regimes = setting(Regimes(), "depth of each regime (each regime's premise is a part of its rule)")
    min_gain: float = setting(0.0, "claim: each effect the notes name > this (fraction); 0 is the literal \"better\"")
    margin_test_se: float = setting(1.0, "\"the test-side fix does not help\" the deep net: its test-accuracy effect "
                                         "stays below this many binomial SEs sqrt(p(1-p)/N) of the plain net's test "
                                         "accuracy (N = floor.samples), the test set's own noise", gt=0)
    headline: Headline = setting(Headline(), "the verdict's regime; both are reported as conditions")
    floor: Floor = setting(Floor(), "a training-side fix whose cells are all at chance says nothing: the floor")


def _cell_filters(settings: Settings) -> dict[str, dict]:
    base, train_fix, test_fix = settings.base, settings.train_fix, settings.test_fix
    return {"plain": base, "training fix": {**base, **train_fix}, "test fix": {**base, **test_fix},
            "both fixes": {**base, **train_fix, **test_fix}}


def regime_depths(runs: pd.DataFrame, settings: Settings) -> dict[str, int]:
    """regime -> depth: `deepest` / `shallowest` of the sweep, or a number."""
    depths = sorted(runs.depth.unique())
    if not depths:
        return {}
    pick = {"deepest": depths[-1], "shallowest": depths[0]}
    return {regime: int(pick.get(spec, spec)) for regime, spec in dict(settings.regimes).items()}


def cells(runs: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """One row per run of the factorial: regime, cell, seed, train and test accuracy."""
    runs = runs_of(runs, settings.study)
    frames = []
    for regime, depth in regime_depths(runs, settings).items():
        here = runs[runs.depth == depth]
        for cell, where in _cell_filters(settings).items():
            mask = np.logical_and.reduce([here[k] == v for k, v in where.items()]) if len(here) else []
            picked = here[mask] if len(here) else here
            frames.append(picked.assign(regime=regime, cell=cell))
    columns = ["regime", "cell", "depth", "seed", "run_id", "diverged", "final_train_accuracy", "final_test_accuracy"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["diverged"] = out.diverged.astype(bool) if "diverged" in out else False
    return out[columns]


def effects(table: pd.DataFrame) -> pd.DataFrame:
    """Per regime and seed: the cells' accuracies and each fix's main effect (diverged runs out)."""
    used = table[~table.diverged]
    if not len(used):
        return pd.DataFrame(columns=["regime", "seed"])
    wide = used.pivot_table(index=["regime", "seed"], columns="cell",
                            values=["final_train_accuracy", "final_test_accuracy"])
    rows = []
    for (regime, seed), r in wide.iterrows():
        def acc(split, cell):
            key = (f"final_{split}_accuracy", cell)
            return float(r[key]) if key in r.index else math.nan
        row = {"regime": regime, "seed": seed}
        for split in ("train", "test"):
            plain, train_fix, test_fix, both = (acc(split, c) for c in CELLS)
            row[f"plain_{split}"], row[f"train_fix_{split}"] = plain, train_fix
            row[f"test_fix_{split}"], row[f"both_{split}"] = test_fix, both
            row[f"train_fix_effect_{split}"] = np.nanmean([train_fix - plain, both - test_fix])
            row[f"test_fix_effect_{split}"] = np.nanmean([test_fix - plain, both - train_fix])
        row["plain_overfit_gap"] = row["plain_train"] - row["plain_test"]
        rows.append(row)
    return pd.DataFrame(rows)


def _binomial_margin(accuracy: pd.Series, settings: Settings) -> float:
    p = float(np.nanmean(accuracy)) if len(accuracy) else math.nan
    return settings.margin_test_se * math.sqrt(p * (1 - p) / settings.floor.samples)


def regime_verdict(table: pd.DataFrame, fx: pd.DataFrame, settings: Settings, regime: str):
    here = fx[fx.regime == regime]
    used = table[(table.regime == regime) & ~table.diverged]
    if not len(here):
        return no_condition("the factorial's effects", {"regime": regime})
    left_out = int(table[table.regime == regime].diverged.sum())
    gain = settings.min_gain
    if regime == "underfitting":
        other = fx[fx.regime == "overfitting"].set_index("seed").plain_train
        drop = (other - here.set_index("seed").plain_train).dropna()
        deeper_worse = compare(drop, gain, ">", "final train accuracy of the plain net, shallow minus deep (fraction)",
                               bounds=ACCURACY_DIFFERENCE, name="deeper worse")
        train_fix = compare(here.train_fix_effect_train, gain, ">",
                            "training-side fix's effect on train accuracy, deep net (fraction)",
                            bounds=ACCURACY_DIFFERENCE, name="training fix")
        train_fix = floor_checked(train_fix, {c: used[used.cell == c].final_train_accuracy for c in CELLS[:2]},
                                  settings.floor)
        margin = _binomial_margin(here.plain_test, settings)
        test_fix = compare(here.test_fix_effect_test, margin, "<",
                           f"test-side fix's effect on test accuracy, deep net, below +{margin:.3f} (fraction; "
                           f"{settings.margin_test_se:g} binomial SE)", bounds=ACCURACY_DIFFERENCE, name="test fix")
        v = deciding_first(train_fix, deeper_worse, test_fix)
    else:
        overfits = compare(here.plain_overfit_gap, gain, ">", "plain net's train minus test accuracy, shallow net",
                           bounds=ACCURACY_DIFFERENCE, name="overfits")
        test_fix = compare(here.test_fix_effect_test, gain, ">",
                           "test-side fix's effect on test accuracy, shallow net (fraction)",
                           bounds=ACCURACY_DIFFERENCE, name="test fix")
        v = deciding_first(test_fix, overfits)
    return with_note(v, f"{left_out} diverged run(s) left out" if left_out else "")


def found_conditions(table: pd.DataFrame, fx: pd.DataFrame, settings: Settings) -> list[tuple[dict, object]]:
    return [({"regime": regime}, regime_verdict(table, fx, settings, regime))
            for regime in dict(settings.regimes) if regime in set(table.regime)]


def evidence(tables: dict, settings: Settings) -> Evidence:
    table = cells(tables["runs"], settings)
    fx = effects(table)
    return {"runs": table, "effects": fx, "conditions": condition_verdicts(found_conditions(table, fx, settings))}


def conditions(tables: dict, settings: Settings) -> list[tuple[dict, object]]:
    table = cells(tables["runs"], settings)
    return found_conditions(table, effects(table), settings)


def verdict(ev: Evidence, settings: Settings):
    regime = settings.headline.regime
    table = ev["runs"]
    if not len(table) or regime not in set(table.regime):
        return no_condition("the factorial's effects", dict(settings.headline))
    return regime_verdict(table, ev["effects"], settings, regime)


def condition(ev: Evidence) -> str:
    return condition_sentence(ev["conditions"], ["regime"], "Per regime, the deciding part's statistic (fraction)")


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    runs = ev["runs"]
    fig, axes = plt.subplots(1, 2, figsize=(figures.WIDTH, 7), sharey=True, layout="constrained")
    for ax, regime in zip(axes, REGIMES):
        frame = runs[runs.regime == regime]
        left_out = int(frame.diverged.sum())
        frame = frame[~frame.diverged]
        long = frame.melt(id_vars=["cell", "seed", "depth"], value_vars=list(SPLITS), var_name="split",
                          value_name="accuracy") if len(frame) else pd.DataFrame(columns=["cell", "accuracy", "split"])
        long["split"] = long.split.map(SPLITS)
        if len(long):
            sns.pointplot(data=long, x="cell", y="accuracy", hue="split", order=list(CELLS),
                          hue_order=["train", "test"], errorbar=figures.seed_interval, dodge=0.25, ax=ax)
        depth = f"depth {int(frame.depth.iloc[0])}" if len(frame) else "no runs"
        ax.set(xlabel="cell of the factorial", ylabel="final accuracy (fraction)",
               title=f"{regime} regime ({depth})" + (f"; {left_out} diverged left out" if left_out else ""))
        ax.tick_params(axis="x", rotation=15)
        if len(long):  # under the x label, off the points
            legend_with_n(ax, long, "split", **figures.below(ax, ncol=2))
    fixes = (f"training fix: {', '.join(f'{k} {x}' for k, x in settings.train_fix.items())}; "
             f"test fix: {', '.join(f'{k} {x}' for k, x in settings.test_fix.items())}")
    fig.suptitle(figures.verdict_title("Train before test", v, note=f"{fixes}. {headline_note(settings)}"),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = register(Claim(
    id=ID,
    title="A deeper network that is worse on the training set is not overfitting but a training (optimization) "
          "problem, fixed with training-side tools; only good-on-train, bad-on-test is overfitting, fixed with "
          "test-side tools.",
    source="He, Zhang, Ren & Sun, 'Deep Residual Learning' CVPR (2016), sec. 1 and 4.1 (the degradation problem); "
           "Glorot & Bengio, AISTATS (2010), sec. 1 and 6",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    condition=condition,
    conditions=conditions,
    settings=Settings,
    figure_text="Final train and test accuracy of the four cells of the factorial (plain net, training-side fix, "
                "test-side fix, both), in the underfitting regime (deep plain net) and the overfitting regime "
                "(shallow plain net). A training problem shows as low train accuracy that the training-side fix "
                "lifts; overfitting as train far above test, a gap the test-side fix narrows on the test side. "
                "Error bars: 95% Student-t intervals over seeds (n in the legend); diverged runs left out and counted.",
    tables=("runs",),
    category=DIAGNOSIS,
))
