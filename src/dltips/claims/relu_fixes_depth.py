"""relu-fixes-depth: deep ReLU nets train where deep sigmoid nets do not; units whose output
is 0 drop out, so for each input the network is a thinner *linear* network.

Evidence, three tables:
  depth      depth sweep: final train accuracy of ReLU minus sigmoid at the same init,
             depth and seed, every rate tuned for its own condition. Diverged pairs are
             left out and counted.
  linearity  an exact check on random ReLU nets (float64): for every input x the output
             equals J(x)·x plus the bias path of the active sub-network -- the same net
             run on x = 0 with x's activation pattern forced. Piecewise linearity says
             exactly this; a smooth net (ELU, sigmoid) fails it.
  active     depth sweep, ReLU: fraction of active units per layer (1 - layers.csv
             `saturated`, which counts inactive units) at epoch 0 and at the end.

The rule, per init and depth of the sweep, two parts: "trains", the paired difference >
min_train_gain over seeds (where both nets sit at chance, floor.py, the comparison says
nothing: inconclusive, "floor: both at chance", in words), and "linearity", the exact check,
the same in every condition. The headline is the settings' init at a depth of the sweep or
its deepest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..verdicts import ACCURACY_DIFFERENCE, compare, counts, exact
from . import TRAINING, LayerReads, declare
from .chance import Floor, chance_ceiling, floor_checked, trained_depths
from .resolution import SIZES
from .compose import deciding_first, with_note
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import init_depth_headline, init_depth_of, init_depth_reads
from .nets import RandomNets, random_net
from .panels import headline_note, legend_with_n, shade_chance
from .rate_curves import legend_below, rate_curves, rate_panel, seed_label, unregularized
from .select import layers_of, per_seed, runs_of
from .settings import ClaimSettings, setting
from ..lazy import figures, gridspec, mlp, plt, sns, ticker, torch
from ..words import count

ID = "relu-fixes-depth"


Headline = init_depth_headline("he", "ReLU's signal-preserving init (He et al. 2015)", depth_why="the deep nets")


class Linearity(RandomNets):
    """The exact check: random ReLU nets in float64, each f(x) against J(x)·x + its bias path."""

    tolerance: float = setting(1e-10, "max |f(x) - J(x)x - bias path| allowed (logits); float64 round-off ~1e-16",
                               gt=0)


class Settings(ClaimSettings):
    study: str = setting("depth", "the sweep of depths the statistic reads (runs.csv `study`)")
    activation: str = setting("relu", "the activation claimed to fix depth", registry="activation")
    baseline: str = setting("sigmoid", "the activation it is compared with", registry="activation")
    min_train_gain: float = setting(0.0, "claim: final train accuracy, activation minus baseline > this per init "
                                         "and depth (fraction); 0 is the literal \"trains where sigmoid does not\"")
    floor: Floor = setting(Floor(), "both nets at chance: the comparison is at the floor, inconclusive (said)")
    headline: Headline = setting(Headline(), "the verdict's condition: deep nets at ReLU's signal-preserving init; "
                                             "every init and depth is reported as a condition")
    linearity: Linearity = setting(Linearity(), "the exact check: random ReLU nets in float64")


# ---- the exact part: per-input linearity --------------------------------------------
def bias_path(model: mlp.StackedMLP, masks: list[torch.Tensor]) -> torch.Tensor:
    """Output of the net on x = 0 with each hidden unit on or off as `masks` say: what the
    biases alone contribute through the active sub-network."""
    h = torch.zeros(model.n_models, masks[0].shape[1], model.weights[0].shape[1], dtype=model.weights[0].dtype)
    for layer, mask in enumerate(masks):
        h = torch.baddbmm(model.biases[layer], h, model.weights[layer]) * mask
    return torch.baddbmm(model.biases[-1], h, model.weights[-1])


def jacobian_times_input(model: mlp.StackedMLP, x: torch.Tensor) -> torch.Tensor:
    """J(x)·x by autograd, one backward pass per output class; it never sees the masks, so
    it checks the masked bias path independently. [K, B, C]."""
    xs = x.expand(model.n_models, *x.shape).clone().requires_grad_(True)  # one copy per model
    out = model(xs)
    rows = [(torch.autograd.grad(out[..., c].sum(), xs, retain_graph=True)[0] * xs).sum(-1)
            for c in range(out.shape[-1])]
    return torch.stack(rows, -1).detach()


def decompose(model: mlp.StackedMLP, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """f(x), J(x)·x, the bias path of x's active sub-network, and f(0); each [K, B, C]."""
    pre = {}
    with torch.no_grad():
        out = model(x, observe=lambda layer, p, post: pre.__setitem__(layer, p))
        masks = [(pre[layer] > 0).to(x.dtype) for layer in range(model.depth)]
        bias, f0 = bias_path(model, masks), model(torch.zeros_like(x))
    return {"output": out, "jx": jacobian_times_input(model, x), "bias": bias, "f0": f0}


def random_inputs(spec: Linearity) -> torch.Tensor:
    return torch.randn(spec.n_inputs, spec.features, dtype=torch.float64,
                       generator=torch.Generator().manual_seed(spec.seed))


def linearity(spec: Linearity, activation: str = "relu") -> pd.DataFrame:
    """Per model: max |f(x) - J(x)·x - bias path(x)| over the inputs and classes."""
    model = random_net(spec, activation)
    d = decompose(model, random_inputs(spec))
    error = (d["output"] - d["jx"] - d["bias"]).abs().amax((1, 2))
    # the scales show what the error is small against: the input path J(x)·x must not vanish
    return pd.DataFrame({"model": range(model.n_models), "activation": activation,
                         "max_abs_error": error.numpy(), "output_scale": d["output"].abs().amax((1, 2)).numpy(),
                         "input_path_scale": d["jx"].abs().amax((1, 2)).numpy(),
                         "n_inputs": spec.n_inputs, "tolerance": spec.tolerance})


# ---- evidence from the depth sweep -----------------------------------------------------
def depth_gap(runs: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per init, depth and seed: final train accuracy of `activation` minus `baseline`. A pair
    with a diverged side keeps its row (`diverged`, difference NaN): it is left out and counted."""
    runs = runs[runs.study == settings.study]
    keys = ["dataset", "init", "depth", "seed"]
    a = runs[runs.activation == settings.activation].set_index(keys)
    b = runs[runs.activation == settings.baseline].set_index(keys)
    both = a.index.intersection(b.index)
    diverged = (a.diverged[both].astype(bool) | b.diverged[both].astype(bool)) if "diverged" in runs else False
    out = pd.DataFrame({"train_accuracy": a.final_train_accuracy[both],
                        "baseline_train_accuracy": b.final_train_accuracy[both], "diverged": diverged},
                       index=both).reset_index()
    out.loc[out.diverged, ["train_accuracy", "baseline_train_accuracy"]] = np.nan
    out["difference"] = out.train_accuracy - out.baseline_train_accuracy
    return out.sort_values(keys, kind="stable")


def active_units(tables: dict, settings: Settings) -> pd.DataFrame:
    lay = layers_of(tables, [settings.study])
    lay = lay[lay.hidden & (lay.activation == settings.activation)]
    last = lay.groupby("run_id").epoch.transform("max")
    lay = lay[(lay.epoch == 0) | (lay.epoch == last)]
    return pd.DataFrame({"run_id": lay.run_id, "init": lay.init, "depth": lay.depth,
                         "seed": lay.seed, "layer": lay.layer, "epoch": lay.epoch,
                         "active_fraction": 1 - lay.saturated})


def evidence(tables: dict, settings: Settings) -> Evidence:
    gap = depth_gap(tables["runs"], settings)
    return {"depth": gap, "linearity": linearity(settings.linearity), "active": active_units(tables, settings),
            SIZES: tables["datasets"]}


def trains_verdict(rows: pd.DataFrame, settings: Settings, floor: Floor):
    """The paired difference per seed, > min_train_gain; both nets at chance is the floor
    (`floor`: settings.floor on the judged dataset)
    (inconclusive, said); where some seeds of a net train and others do not (above or within
    chance's noise), how many of each (verdicts.counts); diverged pairs left out and counted."""
    used = rows[~rows.diverged.astype(bool)]
    where = "".join(f", depth {int(d)}, {i} init" for i, d in rows[["init", "depth"]].drop_duplicates().to_numpy())
    v = compare(per_seed(used, "difference"), settings.min_train_gain, ">",
                f"final train accuracy, {settings.activation} minus {settings.baseline}{where} (fraction)",
                name="trains", bounds=ACCURACY_DIFFERENCE)
    v = floor_checked(v, {settings.activation: used.train_accuracy,
                          settings.baseline: used.baseline_train_accuracy}, floor)
    v = with_note(v, counts({settings.activation: per_seed(used, "train_accuracy"),
                             settings.baseline: per_seed(used, "baseline_train_accuracy")},
                            chance_ceiling(floor), "train", "final train accuracy"))
    left_out = int(rows.diverged.astype(bool).sum())
    return with_note(v, f"{count(left_out, 'diverged pair')} left out" if left_out else "")


def rule(ev: Evidence, settings: Settings):
    """One init and depth, and the exact check; the figure finds them by name ("trains",
    "linearity")."""
    linear = exact(ev["linearity"].max_abs_error, settings.linearity.tolerance,
                   "max |f(x) - J(x)x - bias path| of random ReLU nets", name="linearity")
    return deciding_first(trains_verdict(ev["depth"], settings, settings.floor.on(ev[SIZES])), linear)


def headline(ev: Evidence, settings: Settings) -> dict:
    """The settings' init at a depth of the sweep, its deepest, or the deepest at which ReLU
    is not at chance."""
    floor = settings.floor.on(ev[SIZES])
    return init_depth_of(settings.headline, ev["depth"], lambda rows: trained_depths(rows, "train_accuracy", floor))


# per init and depth of the sweep
GRIDS = (Grid("depth", (Axis("init"), Axis("depth", int))),)


# ---- figure ----------------------------------------------------------------------
def _rate_panel(ax, tuning: pd.DataFrame, ev: Evidence, settings: Settings) -> None:
    """The judged statistic against the rate in the headline condition, a line per activation,
    from the sweep's rate search."""
    wanted = headline(ev, settings)
    arms = [settings.activation, settings.baseline]
    colors = figures.by_activation(pd.DataFrame({"activation": arms}))["palette"] or {}
    where = {"study": settings.study, "depth": wanted["depth"], "condition": unregularized(wanted["init"])}
    curves = rate_curves(tuning, "train_accuracy", arms, where)
    shade_chance(ax, settings.floor.on(ev[SIZES]))
    marks = rate_panel(ax, curves, "train_accuracy", colors,
                       f"headline: depth {wanted['depth']}, {wanted['init']} init,\n"
                       f"against the rate ({seed_label(curves)})")
    ax.set_ylim(0, 1.02)
    legend_below(ax, marks, ncol=2)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    runs = runs_of(tables["runs"], settings.study)
    diverged = runs.diverged.astype(bool) if "diverged" in runs else pd.Series(False, index=runs.index)
    runs, left_out = runs[~diverged], int(diverged.sum())
    inits = sorted(runs.init.unique()) or [settings.headline.init]
    n = len(inits)
    fig = plt.figure(figsize=(figures.WIDTH, 11), layout="constrained")  # legends under their panels
    grid = gridspec.GridSpec(2, 2 * n, figure=fig, height_ratios=[1, 1.3])  # the bottom's legends are taller
    tops = [fig.add_subplot(grid[0, 2 * i:2 * i + 2]) for i in range(n)]
    for ax in tops[1:]:
        ax.sharey(tops[0])
    for ax, init in zip(tops, inits):
        frame = runs[runs.init == init]
        sns.lineplot(data=frame, x="depth", y="final_train_accuracy", **figures.by_activation(frame), marker="o",
                     errorbar=figures.seed_interval, ax=ax)
        shade_chance(ax, settings.floor.on(ev[SIZES]))
        ax.set(xlabel="hidden layers (depth)", ylabel="final train accuracy (fraction)", title=f"{init} init")
        if len(frame):
            ax.set_xticks(sorted(frame.depth.unique()))
        legend_with_n(ax, frame, "activation", **figures.below(ax, ncol=2))
    tops[0].set_ylim(0, 1.02)

    bottom = grid[1, :].subgridspec(1, 3, width_ratios=[1, 1, 1.5])
    active = ev["active"]
    active = active[active.depth == active.depth.max()].assign(
        when=lambda f: np.where(f.epoch == 0, "epoch 0", "last epoch"))
    ax = fig.add_subplot(bottom[0])
    sns.lineplot(data=active, x="layer", y="active_fraction", **figures.by_init(active), style="when", marker="o",
                 errorbar=figures.seed_interval, ax=ax)
    ax.set(xlabel="hidden layer (1 = nearest the input)", ylabel="active units\n(fraction of unit-samples)",
           title=f"{settings.activation}, deepest net, units\nwith output > 0 "
                 f"({figures.n_label(active, ['init', 'layer'])})", ylim=(0, 1))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    figures.legend(ax, **figures.below(ax, ncol=2))

    ax = fig.add_subplot(bottom[1])
    spec = settings.linearity
    model = random_net(spec)
    d = {k: t.numpy().ravel() for k, t in decompose(model, random_inputs(spec)).items()}
    zero_at = 1e-20  # an exact 0 has no logarithm: drawn here
    for label, recon in (("J(x)·x + bias path of x's active sub-network", d["jx"] + d["bias"]),
                         ("J(x)·x + f(0): the bias path of another pattern", d["jx"] + d["f0"])):
        error = np.log10(np.maximum(np.abs(d["output"] - recon), zero_at))
        ax.hist(error, bins=np.linspace(np.log10(zero_at), 1, 85), alpha=0.75, label=label)
    ax.axvline(np.log10(spec.tolerance), color="k", ls="--", lw=1, label=f"tolerance {spec.tolerance:g}")
    ax.set(xlabel="log10 |f(x) − reconstruction|\n(logit units; 0 drawn at -20)", ylabel="logits (count)",
           title=f"random ReLU nets, {spec.n_models} nets x\n{spec.n_inputs} inputs x {spec.classes} "
                 f"logits, depth {spec.depth}:\nmax error {v.part('linearity').value:.1e}")
    figures.legend(ax, **figures.below(ax))
    _rate_panel(fig.add_subplot(bottom[2]), tables.get("tuning", pd.DataFrame()), ev, settings)
    title = figures.verdict_title("ReLU fixes depth", v, note=headline_note(settings))
    fig.suptitle(title + (f"\n{count(left_out, 'diverged run')} left out" if left_out else ""),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Deep ReLU nets train where deep sigmoid nets do not; inactive units drop out, so for each input the "
          "network is a thinner linear network.",
    source="Glorot, Bordes & Bengio, 'Deep Sparse Rectifier Neural Networks', AISTATS (2011), sec. 2-3; "
           "Nair & Hinton, ICML (2010); He et al., ICCV (2015), sec. 2.2 (initialization of deep ReLU nets)",
    figure_text="Top: final train accuracy against depth for ReLU and sigmoid, one panel per initialization "
                "(95% Student-t intervals over seeds, n in the legend; diverged runs left out and counted; grey: "
                "within the binomial noise of chance, where a comparison is at the floor). Bottom left: fraction of "
                "ReLU units that are active, per "
                "layer of the deepest net, at the start and the end of training. Bottom right: for every logit of "
                "random ReLU nets, histograms of log10 |f(x) − reconstruction| when f(x) is rebuilt as the "
                "linear network of x's active units (J(x)·x plus that sub-network's bias path: at rounding "
                "error, left of the dashed tolerance) and, as a control, with the bias path of another activity "
                "pattern (f(0): far off). Bottom right: final train accuracy against the learning rate in the "
                "headline condition, ReLU and sigmoid, from the rate search (tuning.csv: each candidate's train "
                "accuracy on the train-evaluation subset, mean over the tuning seeds). The line joins the "
                "candidates that trained as the runs do; one successive halving stopped early is hollow at its "
                "own, shorter, training; x on the top edge: diverged on a tuning seed; black ring: the pick; grey "
                "ring: a runner-up tied with it.",
    tables=("runs", "layers", "tuning", "datasets"),
    category=TRAINING,
    layers=LayerReads(("study",), (0,)),
    reads=lambda s: init_depth_reads(s.study, [s.activation, s.baseline], s.headline),
)
