"""train-before-test: look at training performance first. A deeper network that is worse on
the *training* set is not overfitting but a training problem, fixed with training-side tools;
only "good on train, bad on test" is overfitting, fixed with test-side tools.

Evidence (sweep `diagnosis`): a factorial of a training-side fix (e.g. Adam for SGD) × a
test-side fix (e.g. dropout) on the notes' plain net, in two regimes: the sweep's deepest
depth (the notes' underfitting case) and its shallowest (the overfitting case). Every cell
is tuned for its own rate; diverged runs are left out and counted. Per regime and seed, each
fix's main effect is the mean over the other fix's two levels of (with − without): the
factorial's estimate, cells averaged within the seed.

The rule per regime, parts paired by seed, the deciding part first:
  underfitting  the deep plain net trains worse than the shallow one (train accuracy,
                shallow − deep > 0: the notes' evidence); the training-side fix raises train
                accuracy (> 0; where every net of both cells is at chance, the floor,
                inconclusive and said); the test-side fix does not raise test accuracy
                (upper end of its interval < a margin of `margin_test_se` binomial standard
                errors of the plain net's test accuracy on the judged dataset's test set).
  overfitting   the regime's net (`overfitting_net`, a cell of the factorial: by default the
                shallow net with the training-side fix, the net the notes reach once training
                is checked first) overfits: train − test accuracy above `overfit_z` binomial
                standard errors of that difference at its largest, sqrt(1/(4 N_train) +
                1/(4 N_test)) with the judged dataset's evaluated training and test examples
                (table `datasets`), a gap noise does not explain; and the test-side fix raises that
                net's test accuracy (with − without at its level of the training-side fix > 0).
                A plain net that does not train (sigmoid under SGD) has no gap to close.
The claim's verdict is the headline regime's (setting `headline`). Evidence tables: `runs`
(one row per run of the factorial), `effects` (per regime and seed; `shallow_plain_train`
carries the overfitting regime's plain net into every regime's rows, for the underfitting
regime's premise) and `sizes` (the judged dataset's row of `datasets`: the N of both margins).
"""

import math
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..verdicts import ACCURACY_DIFFERENCE, compare
from . import DIAGNOSIS, declare
from .chance import Floor, floor_checked
from .compose import deciding_first, no_condition, with_note
from .evidence import Evidence
from .grids import Axis, Grid
from .resolution import SIZES, judged_test_size, judged_train_evaluated
from .panels import headline_note, legend_with_n
from .select import runs_of
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns
from ..words import count, number

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
                                         "accuracy, N the judged dataset's test examples (table datasets), "
                                         "the test set's own noise", gt=0)
    overfitting_net: Literal["training fix", "plain"] = setting(
        "training fix", "the overfitting regime's net, a cell of the factorial: the shallow net with the "
                        "training-side fix (the notes check training first: a net still bad on train is a training "
                        "problem, not overfitting), or the plain net where it trains on its own")
    overfit_z: float = setting(3.0, "the overfitting regime's premise: its net's train - test accuracy above z x "
                                    "sqrt(1/(4 N_train) + 1/(4 N_test)), the binomial SE of a difference of two "
                                    "accuracies, on the judged dataset's evaluated training and test examples "
                                    "(table datasets), at its largest (p = 1/2); 3 SEs: a gap that "
                                    "sampling noise alone reaches with one-sided probability 0.0013", gt=0)
    headline: Headline = setting(Headline(), "the verdict's regime; both are reported as conditions")
    floor: Floor = setting(Floor(), "a training-side fix whose cells are all at chance says nothing: the floor")

# the overfitting regime's net -> (its column prefix in `effects`, the same net with the test-side fix)
NETS = {"training fix": ("train_fix", "both"), "plain": ("plain", "test_fix")}


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
    out = pd.DataFrame(rows)
    shallow = out[out.regime == "overfitting"].set_index("seed").plain_train
    return out.assign(shallow_plain_train=out.seed.map(shallow))


def binomial_margin(accuracy: pd.Series, settings: Settings, n_test: int) -> float:
    """margin_test_se binomial SEs of the mean of `accuracy` on `n_test` test examples."""
    p = float(np.nanmean(accuracy)) if len(accuracy) else math.nan
    return settings.margin_test_se * math.sqrt(p * (1 - p) / n_test)


def min_overfit_gap(settings: Settings, n_train: int, n_test: int) -> float:
    """overfit_z binomial SEs of a train - test difference at its largest, p = 1/2 on both
    sides, the accuracies read on `n_train` evaluated training and `n_test` test examples."""
    return settings.overfit_z * math.sqrt(0.25 / n_train + 0.25 / n_test)


def rule(ev: Evidence, settings: Settings):
    """One regime's parts (the regime is the one its rows name)."""
    table, here = ev["runs"], ev["effects"]
    used = table[~table.diverged.astype(bool)]
    regimes = set(table.regime)
    if not len(here) or len(regimes) != 1:
        return no_condition("the factorial's effects", {"regime": ", ".join(sorted(regimes)) or "none"})
    regime = regimes.pop()
    left_out = int(table.diverged.astype(bool).sum())
    gain = settings.min_gain
    if regime == "underfitting":
        drop = (here.shallow_plain_train - here.plain_train).dropna()
        deeper_worse = compare(drop, gain, ">", "final train accuracy of the plain net, shallow minus deep (fraction)",
                               name="deeper worse", bounds=ACCURACY_DIFFERENCE)
        train_fix = compare(here.train_fix_effect_train, gain, ">",
                            "training-side fix's effect on train accuracy, deep net (fraction)", name="training fix",
                            bounds=ACCURACY_DIFFERENCE)
        train_fix = floor_checked(train_fix, {c: used[used.cell == c].final_train_accuracy for c in CELLS[:2]},
                                  settings.floor.on(ev[SIZES]))
        n_test = judged_test_size(ev[SIZES])
        margin = binomial_margin(here.plain_test, settings, n_test)
        test_fix = compare(here.test_fix_effect_test, margin, "<",
                           f"test-side fix's effect on test accuracy, deep net, below {number(margin)} (fraction; "
                           f"{settings.margin_test_se:g} binomial SE, N = {n_test} test examples)", name="test fix",
                           bounds=ACCURACY_DIFFERENCE)
        v = deciding_first(train_fix, deeper_worse, test_fix)
    else:
        net, name = NETS[settings.overfitting_net], settings.overfitting_net
        n_train, n_test = judged_train_evaluated(ev[SIZES]), judged_test_size(ev[SIZES])
        least = min_overfit_gap(settings, n_train, n_test)
        overfits = compare(here[f"{net[0]}_train"] - here[f"{net[0]}_test"], least, ">",
                           f"train minus test accuracy, shallow net ({name}), above {number(least)} "
                           f"({settings.overfit_z:g} binomial SEs at p = 1/2, N = {n_train} train, {n_test} test "
                           f"examples) (fraction)", name="overfits", bounds=ACCURACY_DIFFERENCE)
        test_fix = compare(here[f"{net[1]}_test"] - here[f"{net[0]}_test"], gain, ">",
                           f"test-side fix's effect on test accuracy, shallow net ({name}) (fraction)", name="test fix",
                           bounds=ACCURACY_DIFFERENCE)
        v = deciding_first(test_fix, overfits)
    return with_note(v, f"{count(left_out, 'diverged run')} left out" if left_out else "")


def evidence(tables: dict, settings: Settings) -> Evidence:
    table = cells(tables["runs"], settings)
    return {"runs": table, "effects": effects(table), SIZES: tables["datasets"]}


# per regime, in the settings' order
GRIDS = (Grid("runs", (Axis("regime", levels=lambda s: list(dict(s.regimes))),)),)


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
        net = "plain" if regime == "underfitting" else settings.overfitting_net
        ax.set(xlabel="cell of the factorial", ylabel="final accuracy (fraction)",
               title=f"{regime} regime ({depth}); its net: {net}" + (f"; {left_out} diverged left out" if left_out
                                                                      else ""))
        ax.tick_params(axis="x", rotation=15)
        if len(long):  # under the x label, off the points
            legend_with_n(ax, long, "split", **figures.below(ax, ncol=2))
    fixes = (f"training fix: {', '.join(f'{k} {x}' for k, x in settings.train_fix.items())}; "
             f"test fix: {', '.join(f'{k} {x}' for k, x in settings.test_fix.items())}")
    fig.suptitle(figures.verdict_title("Train before test", v, note=f"{fixes}. {headline_note(settings)}"),
                 fontsize=figures.TITLE_FONT)
    return fig


def reads(settings: Settings) -> tuple[dict, ...]:
    """The headline regime's four cells of the factorial at its depth, and the shallow plain net
    (the underfitting regime's premise) -- dltips.headline_runs."""
    depth = dict(settings.regimes)[settings.headline.regime]
    s = settings
    cells = (s.base, {**s.base, **s.train_fix}, {**s.base, **s.test_fix}, {**s.base, **s.train_fix, **s.test_fix})
    return (*({"study": s.study, "depth": depth, **cell} for cell in cells),
            {"study": s.study, "depth": s.regimes.overfitting, **s.base})


CLAIM = declare(
    __name__,
    title="A deeper network that is worse on the training set is not overfitting but a training (optimization) "
          "problem, fixed with training-side tools; only good-on-train, bad-on-test is overfitting, fixed with "
          "test-side tools.",
    source="He, Zhang, Ren & Sun, 'Deep Residual Learning' CVPR (2016), sec. 1 and 4.1 (the degradation problem); "
           "Glorot & Bengio, AISTATS (2010), sec. 1 and 6",
    figure_text="Final train and test accuracy of the four cells of the factorial (plain net, training-side fix, "
                "test-side fix, both), in the underfitting regime (deep net, judged on the plain net) and the "
                "overfitting regime (shallow net, judged on the cell its title names: by default the net with the "
                "training-side fix, the one good on train). A training problem shows as low train accuracy that the "
                "training-side fix lifts; overfitting as train far above test, a gap the test-side fix narrows on "
                "the test side. Error bars: 95% Student-t intervals over seeds (n in the legend); diverged runs left "
                "out and counted.",
    tables=("runs", "datasets"),
    category=DIAGNOSIS,
)
