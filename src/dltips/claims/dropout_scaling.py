"""dropout-train-test: at every update each unit (inputs included) is dropped with
probability p; at test time nothing is dropped and all weights are multiplied by (1-p).

Two parts.
Test time (table dropout_eval, sweep `dropout`): each dropout-trained net is evaluated three
ways on the test set -- with the (1-p) scaling (the standard evaluation: the pipeline
trains with inverted dropout, see model.py), without it (the classic net's raw weights),
and with one random mask left on. Statistics, per seed (one run per seed and condition):
accuracy(weight scaling) minus accuracy(no scaling), and minus accuracy(dropout on).
Judged per condition, every (width, hidden rate) of the sweep, never pooled across them: a
rate that thins a narrow net is another experiment than one that thins a wide net. The
headline condition is a setting (Settings.headline).

Exact (its own tiny computation): classic dropout -- masks without 1/(1-p) at train time,
weights times (1-p) at test time -- and the pipeline's inverted dropout are the same
procedure. With the same masks the two nets compute the same function when
W_inverted = (1-p) W_classic for every weight matrix that reads a dropout layer (p of the
units it reads). Then dL/dW_classic = (1-p) dL/dW_inverted, so an SGD step of rate lr on
the inverted net is an SGD step of rate lr/(1-p)^2 on the classic one (biases read no
dropped units: same rate), and at test time (1-p) W_classic = W_inverted: the classic
net's scaled test output IS the inverted net's plain one. The check trains both side by
side with the same masks and reports the largest difference of weights, train-time
outputs and test-time outputs (verdicts.exact).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..activations import build as build_activation
from ..verdicts import ACCURACY_DIFFERENCE, all_of, compare, exact
from . import TEST, declare
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import WidthAndRate, dropout_eval_reads
from .nets import SmallNet
from .settings import ClaimSettings, setting
from ..lazy import F, figures, mlp, plt, sns, torch

ID = "dropout-train-test"
METHODS = {"weight_scaling": "× (1-p) at test (standard)", "no_scaling": "no scaling",
           "dropout_on": "dropout left on (1 mask)"}
GAINS = {"no_scaling": "gain_vs_no_scaling", "dropout_on": "gain_vs_dropout_on"}
TEST_COLUMNS = ["run_id", "seed", "width", "dropout_input", "dropout_hidden", *(f"acc_{m}" for m in METHODS), *GAINS.values()]
EXACT_COLUMNS = ["step", "quantity", "error"]
VS_NO_SCALING, VS_DROPOUT_ON, EXACT = "vs no scaling", "vs dropout on", "exact"  # the verdict's parts


class ExactCheck(SmallNet):
    """Classic dropout (SGD lr/(1-p)^2, test x(1-p)) against inverted dropout, on the same masks;
    the seed fixes the data, the weights and the masks."""

    depth: int = setting(2, "hidden layers", ge=1)
    batch: int = setting(16, "samples per SGD step", ge=1)
    steps: int = setting(20, "SGD steps compared one by one", ge=1)
    lr: float = setting(0.1, "the inverted net's SGD rate; the classic twin uses lr/(1-p)^2", gt=0)
    p_input: float = setting(0.2, "input drop probability", gt=0, lt=1)
    p_hidden: float = setting(0.5, "hidden drop probability", gt=0, lt=1)
    tolerance: float = setting(1e-10, "max |difference| allowed; float64 rounding is about 1e-15", gt=0)


class Settings(ClaimSettings):
    headline: WidthAndRate = setting(
        WidthAndRate(), "the verdict's condition (as dropout-is-ensemble's); every (width, rate) of the dropout "
                        "sweep is judged on its own, never pooled")
    min_gain_vs_no_scaling: float = setting(0.0, "claim: acc(weight scaling) - acc(no scaling) above this (fraction)")
    min_gain_vs_dropout_on: float = setting(0.0, "claim: acc(weight scaling) - acc(one mask left on) above this "
                                                 "(fraction)")
    exact_check: ExactCheck = setting(ExactCheck(), "classic dropout (SGD lr/(1-p)^2, test x(1-p)) vs inverted "
                                                    "dropout, same masks")


def dropout_runs(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty or "method" not in table:
        return pd.DataFrame(columns=["run_id", "seed", "width", "dropout_input", "dropout_hidden", "method",
                                     "test_accuracy"])
    rows = table[(table.dropout_hidden > 0) | (table.dropout_input > 0)]
    # a table without widths has one width, kept as -1 (pivot_table drops NaN keys)
    return rows.assign(width=rows["width"].fillna(-1) if "width" in rows else -1)


def test_time(table: pd.DataFrame) -> pd.DataFrame:
    rows = dropout_runs(table)
    wide = rows[rows.method.isin(list(METHODS))].pivot_table(
        index=["run_id", "seed", "width", "dropout_input", "dropout_hidden"], columns="method", values="test_accuracy")
    wide = wide.reindex(columns=list(METHODS)).add_prefix("acc_").reset_index()
    for method, gain in GAINS.items():
        wide[gain] = wide.acc_weight_scaling - wide[f"acc_{method}"]
    return wide.reindex(columns=TEST_COLUMNS)


# ---- the exact check ----------------------------------------------------------------

def _classic_forward(x, weights, biases, masks, depth):
    """The notes' dropout: masked units enter unscaled. `masks` None: test time (no drop)."""
    h = x if masks is None else x * masks[0]
    for layer in range(depth):
        h = torch.relu(h @ weights[layer] + biases[layer])
        if masks is not None:
            h = h * masks[layer + 1]
    return h @ weights[depth] + biases[depth]


def _draw_masks(rng, batch: int, sizes: list[int], rates: list[float]) -> list[torch.Tensor]:
    """The masks StackedMLP draws (its own keep_factors), 0/1, split per layer."""
    unit_rates = torch.cat([torch.full((n,), p, dtype=torch.float64) for n, p in zip(sizes, rates)])
    kept = mlp.keep_factors(rng, batch, unit_rates) > 0
    return [m.double() for m in kept.split(sizes, dim=-1)]


def classic_lr(lr: float, keep: float) -> float:
    """The classic net's SGD rate for a weight matrix whose inputs are kept with `keep`
    (derived in the module docstring; a separate function so a test can break it)."""
    return lr / keep**2


def exact_check(cfg: ExactCheck) -> pd.DataFrame:
    """Train the pipeline's inverted-dropout model and a classic-dropout twin on the same
    masks; rows (step, quantity, error): the largest absolute difference after each step."""
    torch.manual_seed(cfg.seed)  # nothing should depend on it; pinned all the same
    p_in, p_h, depth, width = cfg.p_input, cfg.p_hidden, cfg.depth, cfg.width
    data_rng = torch.Generator().manual_seed(cfg.seed)
    x = torch.randn(cfg.batch, cfg.features, generator=data_rng, dtype=torch.float64)
    y = torch.randint(cfg.classes, (cfg.batch,), generator=data_rng)
    model = mlp.StackedMLP(1, cfg.features, width, depth, cfg.classes, build_activation("relu", {}), ["default"],
                           [torch.Generator().manual_seed(cfg.seed)], [p_in], [p_h]).double()
    replay = torch.Generator()
    replay.set_state(model.generators[0].get_state())  # the classic twin sees the same masks
    keep = [1 - p_in] + [1 - p_h] * depth  # of the units each weight matrix reads
    classic_w = [(w[0] / q).detach().clone().requires_grad_() for w, q in zip(model.weights, keep)]
    classic_b = [b[0, 0].detach().clone().requires_grad_() for b in model.biases]
    rates, sizes = [p_in] + [p_h] * depth, [cfg.features] + [width] * depth
    lr, rows = cfg.lr, []
    for step in range(1, cfg.steps + 1):
        model.train()
        out_inverted = model(x)[0]
        out_classic = _classic_forward(x, classic_w, classic_b, _draw_masks(replay, len(x), sizes, rates), depth)
        rows.append({"step": step, "quantity": "train-time output",
                     "error": float((out_inverted - out_classic).detach().abs().max())})
        params = list(model.weights) + list(model.biases)
        grads = torch.autograd.grad(F.cross_entropy(out_inverted, y), params)
        classic_grads = torch.autograd.grad(F.cross_entropy(out_classic, y), classic_w + classic_b)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
            for w, g, q in zip(classic_w, classic_grads, keep):
                w -= classic_lr(lr, q) * g
            for b, g in zip(classic_b, classic_grads[len(classic_w):]):
                b -= lr * g
            error = max(max(float((w[0] - q * wc).abs().max()) for w, wc, q in zip(model.weights, classic_w, keep)),
                        max(float((b[0, 0] - bc).abs().max()) for b, bc in zip(model.biases, classic_b)))
        rows.append({"step": step, "quantity": "weights after step (W_inv vs (1-p) W_classic)", "error": error})
    model.eval()
    with torch.no_grad():
        scaled = [q * w for w, q in zip(classic_w, keep)]
        test_error = float((model(x)[0] - _classic_forward(x, scaled, classic_b, None, depth)).abs().max())
    rows.append({"step": cfg.steps, "quantity": "test-time output (no masks, classic × (1-p))",
                 "error": test_error})
    return pd.DataFrame(rows, columns=EXACT_COLUMNS)


# ---- claim --------------------------------------------------------------------------

def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"test_time": test_time(tables["dropout_eval"]), "exact": exact_check(settings.exact_check)}


def rule(ev: Evidence, settings: Settings):
    """The three parts in one (width, hidden rate); the figure finds them by name."""
    test = ev["test_time"]
    vs_raw = compare(test.gain_vs_no_scaling, settings.min_gain_vs_no_scaling, ">",
                     "test accuracy, (1-p) weight scaling minus no scaling (fraction)", name=VS_NO_SCALING,
                     bounds=ACCURACY_DIFFERENCE)
    vs_on = compare(test.gain_vs_dropout_on, settings.min_gain_vs_dropout_on, ">",
                    "test accuracy, (1-p) weight scaling minus dropout left on (fraction)", name=VS_DROPOUT_ON,
                    bounds=ACCURACY_DIFFERENCE)
    same = exact(ev["exact"].error, settings.exact_check.tolerance,
                 "max |difference|, classic dropout (lr/(1-p)^2, test × (1-p)) vs inverted dropout",
                 detail=f"{settings.exact_check.steps} SGD steps, same masks, float64", name=EXACT)
    return all_of(vs_raw, vs_on, same)


# every (width, hidden rate) of the sweep on its own; the exact check is the same in each
GRIDS = (Grid("test_time", (Axis("width", int), Axis("dropout_hidden", float))),)


def _rate_label(rows: pd.DataFrame) -> str:
    inputs = sorted(rows[rows.dropout_hidden > 0].dropout_input.unique())
    where = f"; input rate {', '.join(f'{p:g}' for p in inputs)} where p > 0" if inputs else ""
    return f"hidden dropout rate p\n(0: trained without dropout{where})"


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    table = tables["dropout_eval"]
    # two rows of two: the exact check bottom left, the top panels' key bottom right (off the data)
    fig, axes = plt.subplot_mosaic([["acc", "loss"], ["exact", "key"]], figsize=(figures.WIDTH, 10),
                                   layout="constrained")
    acc_ax, loss_ax, exact_ax = axes["acc"], axes["loss"], axes["exact"]
    rows = table[table.method.isin(list(METHODS))] if "method" in table else table.iloc[0:0]
    sections = []
    if len(rows):
        widths = rows["width"].fillna(-1) if "width" in rows else pd.Series(-1, index=rows.index)
        # one line per (procedure, width): nets of different widths are never averaged into one band
        rows = rows.assign(how=rows.method.map(METHODS),
                           net=["one width" if w < 0 else f"width {int(w)}" for w in widths])
        order = list(METHODS.values())
        n = figures.n_label(rows, ["dropout_hidden", "net"])
        for ax, metric, unit in ((acc_ax, "test_accuracy", "test accuracy (fraction)"),
                                 (loss_ax, "test_loss", "test cross-entropy (nats, log scale)")):
            sns.lineplot(data=rows, x="dropout_hidden", y=metric, hue="how", hue_order=order, style="net",
                         markers=True, dashes=True, errorbar=figures.seed_interval, ax=ax)
            ax.set(xlabel=_rate_label(rows), ylabel=unit)
            ax.set_xticks(sorted(rows.dropout_hidden.unique()))
        sections.append((f"top panels: test-time procedure\n(bands: 95% t-interval over seeds, {n})",
                         *acc_ax.get_legend_handles_labels()))
        for ax in (acc_ax, loss_ax):  # seaborn's own legends, over the bands: the key panel has them
            ax.get_legend().remove()
        loss_ax.set_yscale("log")
        acc_ax.set_title("Test accuracy by test-time procedure")
        loss_ax.set_title("Test loss by test-time procedure")
    else:
        acc_ax.text(0.5, 0.5, "no dropout_eval rows", ha="center", transform=acc_ax.transAxes)
    _exact_panel(exact_ax, ev["exact"], settings.exact_check)
    sections.append(("bottom left: exact check", *exact_ax.get_legend_handles_labels()))
    figures.key_panel(axes["key"], sections)
    where = ", ".join(f"{k} {val:g}" for k, val in dict(settings.headline).items())
    fig.suptitle(figures.verdict_title(f"Dropout: train with masks, test with (1-p)-scaled weights (verdict: {where})", v,
                                       parts=[(v.part(VS_NO_SCALING), "+.3f", "runs"),
                                              (v.part(VS_DROPOUT_ON), "+.3f", "runs"),
                                              (v.part(EXACT), ".1e", "checks")]), fontsize=figures.TITLE_FONT)
    return fig


def _exact_panel(ax, check: pd.DataFrame, cfg: ExactCheck) -> None:
    zero_at = cfg.tolerance * 1e-6  # an exact 0 has no place on a log axis: drawn here instead
    shown = check.assign(error=np.maximum(check.error.astype(float), zero_at))
    sns.lineplot(data=shown, x="step", y="error", hue="quantity", style="quantity", markers=True, dashes=False, ax=ax)
    ax.axhline(cfg.tolerance, color="k", ls="--", lw=1, label=f"tolerance {cfg.tolerance:g}")
    ax.set_yscale("log")
    ax.set_ylim(zero_at / 10, max(1.0, float(shown.error.max()) * 10) if len(shown) else 1.0)
    zeros = f"\n(an exact 0 drawn at {zero_at:.0e})" if (check.error == 0).any() else ""
    ax.set(xlabel="SGD step (count)", ylabel=f"max |difference| (output or weight units,\nlog scale){zeros}")
    ax.set_title(f"Exact: classic (lr/(1-p)², test × (1-p)) = inverted\n"
                 f"p_in {cfg.p_input:g}, p_hidden {cfg.p_hidden:g}, lr {cfg.lr:g}, float64, same masks",
                 fontsize=figures.MIN_FONT + 2)
    if ax.get_legend():  # seaborn's own, over the lines: the figure's key panel has it
        ax.get_legend().remove()


CLAIM = declare(
    __name__,
    title="Dropout drops each unit (inputs included) with probability p at every update; at test time nothing "
          "is dropped and every weight is multiplied by (1-p).",
    source="Hinton et al., 'Improving neural networks by preventing co-adaptation of feature detectors', "
           "arXiv:1207.0580 (2012); Srivastava et al., 'Dropout', JMLR 15 (2014), sec. 4 and 10 "
           "(inverted dropout: scaling at train time instead)",
    figure_text="Top: test accuracy and test loss of the dropout sweep's nets against their hidden "
                "dropout rate, evaluated with the (1-p) weight scaling, without it, and with one random mask "
                "left on, one line style per width; bands are 95% Student-t intervals over seeds. The verdict "
                "reads the headline (width, rate); every other one is judged on its own. Bottom left: "
                "the exact check -- a classic dropout net (learning rate lr/(1-p)², weights × (1-p) at "
                "test) and the pipeline's inverted dropout net trained on the same masks; the largest "
                "difference per SGD step against the tolerance.",
    tables=("dropout_eval",),
    category=TEST,
    reads=lambda s: dropout_eval_reads(s.headline),
)
