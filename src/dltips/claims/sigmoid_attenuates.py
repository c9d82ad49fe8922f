"""sigmoid-attenuates: every sigmoid squashes its input into (0, 1) with slope at most 1/4,
so each layer shrinks the effect of an early change on the loss -- the decay of the
gradient norm per layer is roughly geometric for sigmoid and not for ReLU.

Evidence: per run, a straight-line fit of log10(gradient norm) of the hidden layers against
the number of layers stepped back from the last hidden layer, at a chosen epoch (0: the
architecture alone). Its slope is the decay per layer in decades and its R^2 says how
geometric the decay is. The fit starts at a chosen layer: layer 1's gradient, x^T delta,
also scales with the raw input, which the other layers do not see.

Beside each measured slope, the mean-field prediction (Glorot & Bengio 2010; Schoenholz et
al. 2017): a backward pass through a hidden layer of width n multiplies the gradient's
variance by n·Var(W)·E[f'(z)^2], so log10 of the weight-gradient norm changes by
1/2·log10(n·Var(W)·E[f'^2]) per layer while the forward activations stay O(1), as a
sigmoid's do. Var(W) (and Var(b)) come from each init's formula (INIT_VARIANCE, as
dltips.inits draws them); E[f'^2] is computed by Gauss-Hermite quadrature at the fixed
point q = n·Var(W)·E[f(z)^2] + Var(b) of the forward pre-activation variance. ReLU is
positively homogeneous: the forward signal shrinks by the factor the backward one does, so
the predicted slope is 0 at any init scale, up to bias and finite-width effects.

Verdict per init and depth (conditions), two parts, the deciding one shown first:
  sigmoid   per-seed slope < max_slope (0: the literal "shrinks"; its size is read against
            the prediction, reported with it)
  relu      equivalence (TOST-style): the 95% interval of ReLU's per-seed slope inside
            ±margin, margin = contrast_margin_sds seed-to-seed SDs of log10 grad norm at
            the last hidden layer spread over the fitted layers: a decay whose total over
            the net is inside one layer's seed noise is no decay.
The claim's verdict is the headline condition's (signal-preserving He init for ReLU).
Saturation statistics per activation (layers.csv `saturated`) are drawn beside it.
Evidence tables: `fits` (one row per run) and `conditions`.
"""

import math

import numpy as np
import pandas as pd

from ..io import missing
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Verdict, compare, t_interval
from . import LayerReads, TRAINING, Claim, register
from .compose import deciding_first
from .evidence import Evidence
from .floor import condition_sentence, condition_verdicts, judge_each
from .headlines import headline_verdict, init_depth_headline, resolve_depth
from .panels import GRAD_LABEL, LAYER_LABEL, headline_note, legend_with_n
from .select import RUN_KEYS, SweepAndGrid, layers_of, per_seed, sweep_and_grid_layers
from .settings import setting
from ..lazy import lazy_import

plt = lazy_import("matplotlib.pyplot")
sns = lazy_import("seaborn")
ticker = lazy_import("matplotlib.ticker")
figures = lazy_import("dltips.figures")

ID = "sigmoid-attenuates"
SIGMOID_MAX_SLOPE = math.log10(0.25)  # the derivative bound itself, drawn for reference

# (fan_in, fan_out) -> (Var(W), Var(b)) of dltips.inits: torch.nn.Linear's U(±1/sqrt(fan_in)) for
# both, Xavier uniform 2/(fan_in + fan_out) with zero bias, He normal 2/fan_in with zero bias
INIT_VARIANCE = {
    "default": lambda fan_in, fan_out: (1 / (3 * fan_in), 1 / (3 * fan_in)),
    "xavier": lambda fan_in, fan_out: (2 / (fan_in + fan_out), 0.0),
    "he": lambda fan_in, fan_out: (2 / fan_in, 0.0),
}
HOMOGENEOUS = ("relu",)  # f(a·z) = a·f(z) for a > 0: no predicted decay
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(101)  # E over N(0, 1) = sum(w·g(x)) / sqrt(2π)


Headline = init_depth_headline("he", "He init preserves ReLU's signal (He et al. 2015, sec. 2.2): the contrast's "
                                      "sharpest test; sigmoid read at the same init, like against like")


class Settings(SweepAndGrid):
    activation: str = setting("sigmoid", "the activation claimed to attenuate geometrically", registry="activation")
    contrast: str = setting("relu", "the activation claimed not to", registry="activation")
    epoch: int = setting(0, "epoch of the gradient norms fitted; 0 = the architecture alone", ge=0)
    fit_from_layer: int = setting(2, "first hidden layer of the fit: layer 1's gradient (x^T delta) also scales "
                                     "with the raw input, which deeper layers do not see; 1..depth-1", ge=1)
    min_points: int = setting(3, "a line through 2 points has no residual, so says nothing about \"geometric\"",
                              ge=3)
    max_slope: float = setting(0.0, "claim: sigmoid's decay per layer (decades) < this; 0 is the literal "
                                    "\"shrinks\"; its size is reported beside the mean-field prediction (default "
                                    "-0.85, xavier -0.63, he -0.50 at width 100)", le=0)
    contrast_margin_sds: float = setting(1.0, "relu's equivalence margin: this many seed-to-seed SDs of log10 grad "
                                              "norm at the last hidden layer, spread over the fitted layers (a total "
                                              "decay inside one layer's seed noise is no decay)", gt=0)
    headline: Headline = setting(Headline(), "the verdict's condition; every init and depth is reported as a "
                                             "condition")


def _gauss(g, q: float) -> float:
    return float((_WEIGHTS * g(math.sqrt(q) * _NODES)).sum() / math.sqrt(2 * math.pi))


def sigmoid_moments(q: float) -> tuple[float, float]:
    """(E[f(z)^2], E[f'(z)^2]) of the sigmoid for z ~ N(0, q)."""
    def f(z):
        return 1 / (1 + np.exp(-z))
    return _gauss(lambda z: f(z) ** 2, q), _gauss(lambda z: (f(z) * (1 - f(z))) ** 2, q)


def mean_field_slope(activation: str, init: str, width: int, layers: int = 100) -> float:
    """Predicted decay per layer of log10 ||dL/dW|| (decades); NaN where no formula is known."""
    if activation in HOMOGENEOUS:
        return 0.0
    if activation != "sigmoid" or init not in INIT_VARIANCE:
        return math.nan
    var_w, var_b = INIT_VARIANCE[init](width, width)
    q = 1.0
    for _ in range(layers):  # the forward variance map contracts: its fixed point within a few layers
        q = width * var_w * sigmoid_moments(q)[0] + var_b
    return 0.5 * math.log10(width * var_w * sigmoid_moments(q)[1])


def fit(depth: int, layers: np.ndarray, grads: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, R^2) of log10(grad) against steps back from the last hidden layer."""
    x = depth - layers.astype(float)
    y = np.log10(grads)
    if len(x) < 2 or not np.all(np.isfinite(y)):
        return math.nan, math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    total = float(((y - y.mean()) ** 2).sum())
    residual = float(((y - (intercept + slope * x)) ** 2).sum())
    return float(slope), float(intercept), (1 - residual / total) if total > 0 else math.nan


def fits(tables: dict, settings: Settings) -> pd.DataFrame:
    lay = sweep_and_grid_layers(tables, settings)
    lay = lay[lay.hidden]
    end = lay[lay.epoch == lay.groupby("run_id").epoch.transform("max")]
    saturated_end = end.groupby("run_id").saturated.mean()
    widths = tables["runs"].set_index("run_id").width if "width" in tables["runs"] else pd.Series(dtype=float)
    rows = []
    for run_id, run in lay[lay.epoch == settings.epoch].groupby("run_id"):
        depth = int(run.depth.iloc[0])
        part = run[run.layer >= settings.fit_from_layer]
        slope, intercept, r2 = fit(depth, part.layer.to_numpy(), part.grad_norm.to_numpy())
        first = run.iloc[0]
        width = int(widths.get(run_id, 0)) or None
        rows.append({**first[RUN_KEYS].to_dict(), "width": width, "epoch": settings.epoch, "n_points": len(part),
                     "slope": slope, "intercept": intercept, "r2": r2,
                     "predicted_slope": mean_field_slope(first.activation, first.init, width) if width else math.nan,
                     "log10_grad_last": float(np.log10(run[run.layer == depth].grad_norm).mean()),
                     "saturated_start": run.saturated.mean(), "saturated_end": saturated_end.get(run_id, math.nan)})
    columns = RUN_KEYS + ["width", "epoch", "n_points", "slope", "intercept", "r2", "predicted_slope",
                          "log10_grad_last", "saturated_start", "saturated_end"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["study", "activation", "init", "depth", "seed"], kind="stable")


def fitted(fits: pd.DataFrame, settings: Settings, activation: str, init: str | None = None,
           depth: int | None = None) -> pd.DataFrame:
    """The rule's runs: depth sweep, enough layers for a line to mean something."""
    rows = fits[(fits.study == settings.study) & (fits.activation == activation)
                & (fits.n_points >= settings.min_points)]
    if init is not None:
        rows = rows[rows.init == init]
    return rows if depth is None else rows[rows.depth == depth]


def equivalence(values, margin: float, statistic: str, detail: str = "", name: str = "") -> Verdict:
    """TOST-style: reproduced when the whole 95% interval lies inside (-margin, margin), not
    reproduced when it lies wholly outside, inconclusive otherwise."""
    mean, low, high, n = t_interval(values)
    if n < 2 or missing(margin):
        verdict = INCONCLUSIVE
    elif -margin < low and high < margin:
        verdict = REPRODUCED
    elif low > margin or high < -margin:
        verdict = NOT_REPRODUCED
    else:
        verdict = INCONCLUSIVE
    return Verdict(verdict, statistic, mean, low, high, margin, "|·| <", n, detail, name=name)


def contrast_margin(rows: pd.DataFrame, settings: Settings, depth: int) -> float:
    """Seed-to-seed SD of log10 grad norm at the last hidden layer, times contrast_margin_sds,
    spread over the fitted steps."""
    steps = depth - settings.fit_from_layer
    sd = float(np.std(per_seed(rows, "log10_grad_last"), ddof=1)) if rows.seed.nunique() > 1 else math.nan
    return settings.contrast_margin_sds * sd / steps if steps > 0 else math.nan


def condition_verdict(fits: pd.DataFrame, settings: Settings, init: str, depth: int) -> Verdict:
    """Both parts in one condition; the figure finds them by name ("decay", "contrast")."""
    sig = fitted(fits, settings, settings.activation, init, depth)
    base = fitted(fits, settings, settings.contrast, init, depth)
    where = f"{init} init, depth {depth}, epoch {settings.epoch}"
    predicted = sig.predicted_slope.mean() if len(sig) else math.nan
    decay = compare(per_seed(sig, "slope"), settings.max_slope, "<",
                    f"decay of log10 grad norm per layer towards the input, {settings.activation}, {where} "
                    f"(decades, mean-field prediction {predicted:+.2f})",
                    detail=f"R² of the geometric fit {sig.r2.mean():.3f}" if len(sig) else "", name="decay")
    margin = contrast_margin(base, settings, depth) if len(base) else math.nan
    flat = equivalence(per_seed(base, "slope"), margin,
                       f"decay per layer, {settings.contrast}, {where}, within ±{margin:.3g} "
                       f"(decades, noise margin)", name="contrast")
    return deciding_first(decay, flat)


def slope_conditions(fits: pd.DataFrame, settings: Settings) -> list[tuple[dict, Verdict]]:
    return judge_each(fitted(fits, settings, settings.activation), {"init": str, "depth": int},
                      lambda c: condition_verdict(fits, settings, c["init"], c["depth"]))


def evidence(tables: dict, settings: Settings) -> Evidence:
    table = fits(tables, settings)
    return {"fits": table, "conditions": condition_verdicts(slope_conditions(table, settings))}


def conditions(tables: dict, settings: Settings) -> list[tuple[dict, Verdict]]:
    return slope_conditions(fits(tables, settings), settings)


def headline_depth(fits: pd.DataFrame, settings: Settings) -> int | None:
    return resolve_depth(settings.headline.depth, fitted(fits, settings, settings.activation,
                                                         settings.headline.init).depth)


def verdict(ev: Evidence, settings: Settings):
    fits, headline = ev["fits"], settings.headline
    return headline_verdict(headline, fitted(fits, settings, settings.activation, headline.init).depth,
                            lambda init, depth: condition_verdict(fits, settings, init, depth),
                            f"decay of log10 grad norm per layer, {settings.activation}")


def condition(ev: Evidence) -> str:
    return condition_sentence(ev["conditions"], ["init", "depth"],
                              "Sigmoid's decay per layer (decades; the deciding part's "
                              "numbers where ReLU's contrast decides), per init and depth", "+.2f")


def plot_fits(ax, lay: pd.DataFrame, fits: pd.DataFrame, settings: Settings, init: str) -> None:
    """The deepest net of each activation: measured norms (points, one per seed and layer)
    and the mean fitted line over the layers the fit used."""
    for act, color in (figures.by_activation(lay)["palette"] or {}).items():
        runs = fitted(fits, settings, act, init)
        runs = runs[runs.depth == runs.depth.max()]
        if not len(runs):
            continue
        depth = int(runs.depth.iloc[0])
        points = lay[lay.run_id.isin(runs.run_id)]
        ax.scatter(points.layer, points.grad_norm, color=color, s=18, alpha=0.7,
                   label=f"{act}, depth {depth} (n = {len(runs)} seeds)")
        layers = np.arange(settings.fit_from_layer, depth + 1)
        line = 10 ** (runs.intercept.mean() + runs.slope.mean() * (depth - layers))
        ax.plot(layers, line, color=color, ls="--", label=f"fit: {runs.slope.mean():+.2f} decades/layer, "
                                                           f"R² {runs.r2.mean():.2f}")
    if not ax.collections:
        ax.text(0.5, 0.5, f"no run with {settings.min_points} or more layers from layer "
                          f"{settings.fit_from_layer}", ha="center", transform=ax.transAxes)
    else:
        ax.set_yscale("log")
    ax.set(xlabel=LAYER_LABEL, ylabel=GRAD_LABEL, title=f"deepest nets, {init} init, epoch {settings.epoch}")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    figures.legend(ax, **figures.below(ax))


def plot_against_prediction(ax, fits: pd.DataFrame, settings: Settings, depth: int | None) -> None:
    """The deciding comparison: measured slope per init (95% Student-t interval over seeds)
    beside the mean-field prediction, at the headline depth; ReLU's equivalence margin as a band."""
    runs = fits[(fits.study == settings.study) & (fits.depth == depth) & (fits.n_points >= settings.min_points)]
    if not len(runs):
        ax.text(0.5, 0.5, "no fitted runs at the headline depth", ha="center", transform=ax.transAxes)
    else:
        hue = figures.by_activation(runs)
        inits = sorted(runs.init.unique())
        levels = hue["hue_order"]
        offset = {a: 0.3 * (i - (len(levels) - 1) / 2) for i, a in enumerate(levels)}
        for act in levels:  # measured: mean and 95% Student-t interval over seeds; x: mean-field prediction
            cells = runs[runs.activation == act].groupby("init")
            xs = [inits.index(i) + offset[act] for i, _ in cells]
            means = [per_seed(g, "slope").mean() for _, g in cells]
            spans = np.array([figures.seed_interval(per_seed(g, "slope")) for _, g in cells]).T
            ax.errorbar(xs, means, yerr=np.abs(spans - np.array(means)), fmt="o", capsize=4, ms=8,
                        color=hue["palette"][act], label=act)
            ax.scatter(xs, [g.predicted_slope.mean() for _, g in cells], marker="x", s=90, color="k", zorder=5,
                       label="mean-field prediction" if act == levels[0] else None)
        ax.set_xticks(range(len(inits)), inits)
        headline = runs[(runs.init == settings.headline.init) & (runs.activation == settings.contrast)]
        margin = contrast_margin(headline, settings, depth) if len(headline) else math.nan
        if not missing(margin):
            ax.axhspan(-margin, margin, color="grey", alpha=0.25,
                       label=f"±{margin:.3f}: {settings.contrast}'s noise margin")
    ax.axhline(SIGMOID_MAX_SLOPE, color="k", ls=":", lw=1)
    ax.set(xlabel="initialization", ylabel="decay per layer towards the input\n(decades)",
           title=f"measured vs predicted, depth {depth}, epoch {settings.epoch}")
    if len(runs):  # under the x label, off the data
        legend_with_n(ax, runs, "activation", **figures.below(ax, ncol=2))


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    init, fitted_runs = settings.headline.init, ev["fits"]
    lay = layers_of(tables, [settings.study])
    lay = lay[lay.hidden & (lay.epoch == settings.epoch) & (lay.init == init)]
    # legends under their panels, off the data
    fig, ((decide, fits_ax), (sweep_ax, right)) = plt.subplots(2, 2, figsize=(figures.WIDTH, 12),
                                                               layout="constrained")
    plot_against_prediction(decide, fitted_runs, settings, headline_depth(fitted_runs, settings))
    plot_fits(fits_ax, lay, fitted_runs, settings, init)

    sweep = fitted_runs[(fitted_runs.study == settings.study) & (fitted_runs.n_points >= settings.min_points)]
    sns.lineplot(data=sweep, x="depth", y="slope", **figures.by_activation(sweep), style="init", marker="o",
                 errorbar=figures.seed_interval, ax=sweep_ax)
    sweep_ax.axhline(settings.max_slope, color="k", ls="--", lw=1,
                     label=f"{settings.max_slope:g} ({settings.activation} claim)")
    sweep_ax.set(xlabel="hidden layers (depth)", ylabel="decay per layer towards the input\n(decades)",
                 title=f"fitted slope from layer {settings.fit_from_layer} "
                       f"({figures.n_label(sweep, ['activation', 'init', 'depth'])})")
    if len(sweep):
        sweep_ax.set_xticks(sorted(sweep.depth.unique()))
    figures.legend(sweep_ax, **figures.below(sweep_ax, ncol=3))

    sat = fitted_runs[fitted_runs.study == settings.grid_study]
    if not len(sat):  # no grid in the tables: the sweep still has its activations
        sat = fitted_runs[fitted_runs.study == settings.study]
    sat = sat.melt(id_vars=["activation", "seed"], value_vars=["saturated_start", "saturated_end"],
                   var_name="when", value_name="fraction")
    sat["when"] = sat.when.map({"saturated_start": f"epoch {settings.epoch}", "saturated_end": "last epoch"})
    sns.barplot(data=sat, x="activation", y="fraction", hue="when", order=figures.by_activation(sat)["hue_order"],
                errorbar=figures.seed_interval, ax=right)
    right.set(xlabel="activation", ylabel="saturated / inactive units (fraction)",
              title=f"saturated (sigmoid, tanh) or inactive (ReLU family)\n({figures.n_label(sat, ['activation'])})")
    for bars in right.containers:  # a fraction near 0 is a finding; print it
        right.bar_label(bars, fmt="%.2f", fontsize="small", padding=2)
    right.tick_params(axis="x", rotation=30)
    figures.legend(right, **figures.below(right, title="when", ncol=2))
    fig.suptitle(figures.verdict_title("Sigmoid attenuates", v, "+.2f", note=headline_note(settings),
                                       parts=[(p, "+.3f", "seeds") for p in v.parts]), fontsize=figures.TITLE_FONT)
    return fig


CLAIM = register(Claim(
    id=ID,
    title="Every sigmoid squashes its input into (0, 1) with slope at most 1/4, so each layer shrinks the "
          "gradient: its decay per layer is roughly geometric for sigmoid and not for ReLU.",
    source="Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994), sec. 3; Hochreiter, diploma thesis (1991); "
           "Glorot & Bengio, AISTATS (2010), sec. 3-4 (saturation)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    condition=condition,
    conditions=conditions,
    settings=Settings,
    figure_text="Top left (the decision): the measured decay per layer of log10 gradient norm at the headline depth, "
                "per init, for sigmoid and ReLU, beside the mean-field prediction 1/2·log10(n·Var(W)·E[f'²]) (x); "
                "grey band: ReLU's equivalence margin from seed noise; dotted: 1/2·log10(1/16), sigmoid's bound at "
                "unit weight gain. Top right: gradient norm of every hidden layer of the deepest nets at the "
                "headline init (points: seeds) with the mean straight-line fit. Bottom left: the fitted decay "
                "against depth per activation and init. Bottom right: fraction of saturated (sigmoid, tanh) or "
                "inactive (ReLU family) units at the start and the end of training. Intervals: 95% Student-t over "
                "seeds (n in the legends); diverged runs left out.",
    tables=("runs", "layers"),
    category=TRAINING,
    layers=LayerReads(("study", "grid_study"), ("epoch", 0)),
))
