"""sigmoid-attenuates: every sigmoid squashes its input into (0, 1) with slope at most 1/4,
so each layer shrinks the effect of an early change on the loss -- the decay of the
gradient norm per layer is roughly geometric for sigmoid and not for ReLU.

Evidence: per run, straight-line fits of log10(gradient norm) of the hidden layers against
the number of layers stepped back from the last hidden layer, at a chosen epoch (0: the
architecture alone): over every fitted layer, and over each half of them (the near-input
half and the near-output half, each spanning half the fitted steps, rounded up, so they
share the middle layer). A slope is a decay per layer in decades. The fit starts at a
chosen layer: layer 1's gradient, x^T delta, also scales with the raw input, which the
other layers do not see.

Beside each measured slope, the mean-field prediction (Glorot & Bengio 2010; Schoenholz et
al. 2017): a backward pass through a hidden layer of width n multiplies the gradient's
variance by n·Var(W)·E[f'(z)^2], so log10 of the weight-gradient norm changes by
1/2·log10(n·Var(W)·E[f'^2]) per layer while the forward activations stay O(1), as a
sigmoid's do. Var(W) (and Var(b)) come from each init's formula (INIT_VARIANCE, as
dltips.inits draws them); E[f'^2] is computed by Gauss-Hermite quadrature at the fixed
point q = n·Var(W)·E[f(z)^2] + Var(b) of the forward pre-activation variance. ReLU is
positively homogeneous: the forward signal shrinks by the factor the backward one does, so
the predicted slope is 0 at any init scale, up to bias and finite-width effects.

The rule per init and depth, three parts paired by seed, the deciding one shown first:
  decay      sigmoid's slope over every fitted layer < max_slope (0: the literal
             "shrinks"; its size is read against the prediction, reported with it)
  geometric  equivalence: sigmoid's slope over the near-input half minus its slope over the
             near-output half within ±window_tolerance × |the predicted slope|. A
             geometric decay has one factor per layer wherever it is measured; a transient
             (a decay confined to a few layers, e.g. while the signal settles after the
             input) differs between the halves by its whole size.
  contrast   equivalence: ReLU's slope over the near-output half divided by sigmoid's (same
             seed, same half) within ±contrast_layers / (fitted steps): at that rate
             ReLU's whole fitted net shrinks the gradient less than one sigmoid layer does.
             A geometric decay would show in every half, so it is read in the half away
             from the input, where a transient near the input has died out; ReLU's
             near-input and full slopes are reported beside it.
Each equivalence is claims.paired's (Lakens 2017: two one-sided tests, each side a named part,
so the second look moves both margins): one that fails says on which side, in its `why` and in
its deciding side's direction and threshold.
The headline is the settings' init (ReLU's signal-preserving He init) at the sweep's
deepest depth. Saturation statistics per activation (layers.csv `saturated`) are drawn
beside it. Evidence tables: `fits` (the claim's activation: what is judged), `contrast`
(the contrast activation's fits, read in the same condition) and `others` (every other
run, drawn beside).
"""

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from ..io import missing
from ..verdicts import INCONCLUSIVE, Verdict, compare, number
from . import TRAINING, LayerReads, declare
from .compose import deciding_first, with_note
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import init_depth_headline, init_depth_of, init_depth_reads
from .paired import Sides, equivalence
from .panels import GRAD_LABEL, LAYER_LABEL, depth_sweep, headline_note
from .select import RUN_KEYS, SweepAndGrid, layers_of, per_seed, sweep_and_grid_layers
from .settings import setting
from ..lazy import figures, plt, sns, ticker

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
WINDOWS = {"slope": "every fitted layer", "slope_near_input": "the near-input half",
           "slope_near_output": "the near-output half"}


Headline = init_depth_headline("he", "He init preserves ReLU's signal (He et al. 2015, sec. 2.2): the contrast's "
                                      "sharpest test; sigmoid read at the same init, like against like")


class Settings(SweepAndGrid):
    activation: str = setting("sigmoid", "the activation claimed to attenuate geometrically", registry="activation")
    contrast: str = setting("relu", "the activation claimed not to", registry="activation")
    epoch: int = setting(0, "epoch of the gradient norms fitted; 0 = the architecture alone", ge=0)
    fit_from_layer: int = setting(2, "first hidden layer of the fit: layer 1's gradient (x^T delta) also scales "
                                     "with the raw input, which deeper layers do not see; 1..depth-1", ge=1)
    min_points: int = setting(3, "layers in each half of the fit (near the input, near the output) at least: a "
                                 "line through 2 points has no residual, so says nothing about \"geometric\"", ge=3)
    max_slope: float = setting(0.0, "claim: sigmoid's decay per layer (decades) < this; 0 is the literal "
                                    "\"shrinks\"; its size is reported beside the mean-field prediction (default "
                                    "-0.85, xavier -0.63, he -0.50 at width 100)", le=0)
    window_tolerance: float = setting(
        0.5, "\"geometric\": sigmoid's decay per layer over the near-input half minus over the near-output half "
             "within ± this × |the mean-field predicted decay| (theory, fixed before the data: a transient confined "
             "to one half differs between the halves by its whole size, a constant factor by 0; half the "
             "predicted decay separates the two)", gt=0, lt=1)
    contrast_layers: float = setting(
        1.0, "relu's equivalence bound: its decay per layer over the near-output half, as a fraction of sigmoid's "
             "(same seed and half), within ± this / the fitted steps (depth - fit_from_layer): at that rate relu's "
             "whole fitted net shrinks the gradient less than this many sigmoid layers do. The contrasted effect "
             "is the unit (mean-field: a sigmoid layer multiplies the gradient by at most 1/4 x the weight scale, "
             "ReLU at He init preserves it in expectation, a ratio of 0), never relu's own seed noise", gt=0)
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


def halves(first: int, depth: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(first, last) layer of the near-input and the near-output half of the fitted layers
    first..depth: each spans half the fitted steps, rounded up (they share the middle layer)."""
    half = math.ceil((depth - first) / 2)
    return (first, first + half), (depth - half, depth)


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
        near = {}
        for name, (low, high) in zip(("slope_near_input", "slope_near_output"), halves(settings.fit_from_layer, depth)):
            window = part[(part.layer >= low) & (part.layer <= high)]
            near[name] = fit(depth, window.layer.to_numpy(), window.grad_norm.to_numpy())[0]
        first = run.iloc[0]
        width = int(widths.get(run_id, 0)) or None
        rows.append({**first[RUN_KEYS].to_dict(), "width": width, "epoch": settings.epoch, "n_points": len(part),
                     "half_points": math.ceil((depth - settings.fit_from_layer) / 2) + 1 if len(part) else 0,
                     "slope": slope, "intercept": intercept, "r2": r2, **near,
                     "predicted_slope": mean_field_slope(first.activation, first.init, width) if width else math.nan,
                     "saturated_start": run.saturated.mean(), "saturated_end": saturated_end.get(run_id, math.nan)})
    columns = RUN_KEYS + ["width", "epoch", "n_points", "half_points", "slope", "intercept", "r2",
                          "slope_near_input", "slope_near_output", "predicted_slope", "saturated_start",
                          "saturated_end"]
    out = pd.DataFrame(rows, columns=columns)
    out["window_change"] = out.slope_near_input - out.slope_near_output
    return out.sort_values(["study", "activation", "init", "depth", "seed"], kind="stable")


def evidence(tables: dict, settings: Settings) -> Evidence:
    """The rule's runs (the depth sweep, enough layers in each half for a line to mean
    something) of each activation, and every other run."""
    table = fits(tables, settings)
    usable = (table.study == settings.study) & (table.half_points >= settings.min_points)
    mine = usable & (table.activation == settings.activation)
    contrast = usable & (table.activation == settings.contrast)
    return {"fits": table[mine], "contrast": table[contrast], "others": table[~mine & ~contrast]}


def every_fit(ev: Evidence) -> pd.DataFrame:
    return pd.concat([ev["fits"], ev["contrast"], ev["others"]], ignore_index=True)


def within(values, margin: float, statistic: str, sides: Sides, name: str, detail: str = "") -> Verdict:
    """The equivalence of one value per seed with none, within ±margin (claims.paired: two
    one-sided tests, its sentence naming the side the numbers show); each seed's value is its
    own nets', so no noise is shared across seeds. Where the margin's source is missing (no
    mean-field prediction, no fitted steps), inconclusive, said."""
    v = with_note(equivalence(values, 0.0, margin, statistic, sides, name=name), detail)
    if missing(margin) and v.n > 0:
        return replace(v, verdict=INCONCLUSIVE, why="no margin to judge against: its source (the mean-field "
                                                     "prediction, the fitted steps) is missing here")
    return v


def _where(rows: pd.DataFrame, settings: Settings) -> str:
    cells = rows[["init", "depth"]].drop_duplicates().to_numpy()
    return "".join(f", {init} init, depth {int(depth)}" for init, depth in cells) + f", epoch {settings.epoch}"


def decay_verdict(sig: pd.DataFrame, settings: Settings, where: str) -> Verdict:
    predicted = sig.predicted_slope.mean() if len(sig) else math.nan
    prediction = f", mean-field prediction {predicted:+.2f}" if not missing(predicted) else ""
    return compare(per_seed(sig, "slope"), settings.max_slope, "<",
                   f"decay of log10 grad norm per layer towards the input, {settings.activation}{where} "
                   f"(decades{prediction})",
                   detail=f"R² of the geometric fit {sig.r2.mean():.3f}" if len(sig) else "", name="decay")


def geometric_verdict(sig: pd.DataFrame, settings: Settings, where: str) -> Verdict:
    """Sigmoid's decay per layer near the input minus near the output, within a fraction of
    the predicted decay."""
    predicted = sig.predicted_slope.mean() if len(sig) else math.nan
    margin = settings.window_tolerance * abs(predicted)
    return within(per_seed(sig, "window_change"), margin,
                  f"decay per layer of {settings.activation} over the near-input half minus the near-output "
                  f"half{where} (decades; within ±{settings.window_tolerance:g} × the predicted decay"
                  f"{f' {abs(predicted):.2f}' if not missing(predicted) else ''})",
                  Sides(f"{settings.activation}'s decay per layer is weaker near the input than near the output",
                        f"a transient: {settings.activation}'s decay per layer is stronger near the input than near "
                        f"the output"), name="geometric")


def contrast_verdict(sig: pd.DataFrame, base: pd.DataFrame, settings: Settings, where: str) -> Verdict:
    """The contrast's decay per layer near the output as a fraction of sigmoid's, paired by seed."""
    a, b = settings.activation, settings.contrast
    depths = sorted(set(sig.depth) | set(base.depth))
    steps = int(depths[0]) - settings.fit_from_layer if len(depths) == 1 else math.nan
    bound = settings.contrast_layers / steps if steps > 0 else math.nan  # NaN > 0 is False
    paired = pd.concat({b: per_seed(base, "slope_near_output"), a: per_seed(sig, "slope_near_output")},
                       axis=1, join="inner")
    ratio = paired[b] / paired[a] if len(paired) else pd.Series(dtype=float)
    others = [f"{b}'s decay per layer over {WINDOWS[w]}: {number(per_seed(base, w).mean())}"
              for w in ("slope_near_input", "slope")] if len(base) else []
    return within(ratio, bound,
                  f"decay per layer over the near-output half, {b} / {a}, paired by seed{where} (within "
                  f"±{number(settings.contrast_layers)}/{'the fitted steps' if missing(steps) else steps}: "
                  f"{b}'s whole fitted net shrinks the gradient less than {number(settings.contrast_layers)} {a} "
                  f"{'layer does' if settings.contrast_layers == 1 else 'layers do'})",
                  Sides(f"{b} decays towards the input, as a fraction of {a}'s decay,",
                        f"{b}'s gradient grows towards the input, as a fraction of {a}'s decay,"),
                  name="contrast", detail="; ".join(others))


def rule(ev: Evidence, settings: Settings) -> Verdict:
    """The three parts in one condition; the figure finds them by name ("decay", "geometric",
    "contrast")."""
    sig, base = ev["fits"], ev["contrast"]
    where = _where(pd.concat([sig, base]), settings)
    return deciding_first(decay_verdict(sig, settings, where), geometric_verdict(sig, settings, where),
                          contrast_verdict(sig, base, settings, where))


def headline(ev: Evidence, settings: Settings) -> dict:
    """The settings' init at a depth of the sweep, or its deepest."""
    return init_depth_of(settings.headline, ev["fits"])


# per init and depth of the sweep where the claim's activation has enough layers
GRIDS = (Grid("fits", (Axis("init"), Axis("depth", int))),)


def plot_fits(ax, lay: pd.DataFrame, judged: pd.DataFrame, settings: Settings, init: str) -> None:
    """The deepest net of each activation: measured norms (points, one per seed and layer)
    and the mean fitted line over the layers the fit used."""
    for act, color in (figures.by_activation(lay)["palette"] or {}).items():
        runs = judged[(judged.activation == act) & (judged.init == init)]
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
        ax.text(0.5, 0.5, f"no run with {settings.min_points} or more layers in each half from layer "
                          f"{settings.fit_from_layer}", ha="center", transform=ax.transAxes)
    else:
        ax.set_yscale("log")
    ax.set(xlabel=LAYER_LABEL, ylabel=GRAD_LABEL, title=f"deepest nets, {init} init, epoch {settings.epoch}")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    figures.legend(ax, **figures.below(ax))


WINDOW_MARKERS = {"slope": "o", "slope_near_input": "<", "slope_near_output": ">"}


def plot_against_prediction(ax, judged: pd.DataFrame, settings: Settings, depth) -> None:
    """The decision: measured slope per init over every fitted layer and over each half (95%
    Student-t interval over seeds) beside the mean-field prediction, at the headline depth;
    the contrast's bound, in decades per layer at the headline init, as a band."""
    runs = judged[judged.depth == depth] if isinstance(depth, int) else judged.iloc[:0]
    if not len(runs):
        ax.text(0.5, 0.5, "no fitted runs at the headline depth", ha="center", transform=ax.transAxes)
    else:
        hue = figures.by_activation(runs)
        inits = sorted(runs.init.unique())
        series = [(a, w) for a in hue["hue_order"] for w in WINDOWS]
        offset = {key: 0.12 * (i - (len(series) - 1) / 2) for i, key in enumerate(series)}
        for act, window in series:  # measured: mean and 95% Student-t interval over seeds; x: mean-field prediction
            cells = runs[runs.activation == act].groupby("init")
            xs = [inits.index(i) + offset[(act, window)] for i, _ in cells]
            means = [per_seed(g, window).mean() for _, g in cells]
            spans = np.array([figures.seed_interval(per_seed(g, window)) for _, g in cells]).T
            ax.errorbar(xs, means, yerr=np.abs(spans - np.array(means)), fmt=WINDOW_MARKERS[window], capsize=3,
                        ms=7, color=hue["palette"][act], label=f"{act}, {WINDOWS[window]}")
            if window == "slope":
                ax.scatter(xs, [g.predicted_slope.mean() for _, g in cells], marker="x", s=90, color="k", zorder=5,
                           label="mean-field prediction" if act == hue["hue_order"][0] else None)
        ax.set_xticks(range(len(inits)), inits)
        at_init = runs[(runs.init == settings.headline.init) & (runs.activation == settings.activation)]
        bound = settings.contrast_layers / (depth - settings.fit_from_layer)
        band = bound * abs(per_seed(at_init, "slope_near_output").mean()) if len(at_init) else math.nan
        if not missing(band):
            ax.axhspan(-band, band, color="grey", alpha=0.25,
                       label=f"±{band:.3f}: {settings.contrast}'s bound near the output ({number(bound)} × "
                             f"{settings.activation}'s decay, {settings.headline.init} init)")
    ax.axhline(SIGMOID_MAX_SLOPE, color="k", ls=":", lw=1)
    ax.set(xlabel="initialization", ylabel="decay per layer towards the input\n(decades)",
           title=f"measured vs predicted, depth {depth}, epoch {settings.epoch}")
    if len(runs):  # under the x label, off the data
        figures.legend(ax, **figures.below(ax, title=f"95% t-interval, {figures.n_label(runs, ['activation', 'init'])}",
                                           ncol=2))


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    init = settings.headline.init
    judged = pd.concat([ev["fits"], ev["contrast"]], ignore_index=True)
    lay = layers_of(tables, [settings.study])
    lay = lay[lay.hidden & (lay.epoch == settings.epoch) & (lay.init == init)]
    # legends under their panels, off the data
    fig, ((decide, fits_ax), (sweep_ax, right)) = plt.subplots(2, 2, figsize=(figures.WIDTH, 12),
                                                               layout="constrained")
    plot_against_prediction(decide, judged, settings, headline(ev, settings)["depth"])
    plot_fits(fits_ax, lay, judged, settings, init)

    sweep = judged
    depth_sweep(sweep_ax, sweep, "slope", settings.max_slope, f"{settings.max_slope:g} ({settings.activation} claim)",
                "decay per layer towards the input\n(decades)",
                f"fitted slope from layer {settings.fit_from_layer} "
                f"({figures.n_label(sweep, ['activation', 'init', 'depth'])})")

    every = every_fit(ev)
    sat = every[every.study == settings.grid_study]
    if not len(sat):  # no grid in the tables: the sweep still has its activations
        sat = every[every.study == settings.study]
    sat = sat.melt(id_vars=["activation", "seed"], value_vars=["saturated_start", "saturated_end"],
                   var_name="when", value_name="fraction")
    sat["when"] = sat.when.map({"saturated_start": f"epoch {settings.epoch}", "saturated_end": "last epoch"})
    sns.barplot(data=sat, x="activation", y="fraction", hue="when", order=figures.by_activation(sat)["hue_order"],
                errorbar=figures.seed_interval, ax=right)
    right.set(xlabel="activation", ylabel="saturated / inactive units (fraction)",
              title=f"saturated (sigmoid, tanh) or inactive (ReLU family)\n({figures.n_label(sat, ['activation'])})")
    for bars in right.containers:  # a fraction near 0 is a finding; print it
        right.bar_label(bars, fmt="%.2f", fontsize="small", padding=2, rotation=90)  # 14 bars: upright labels overlap
    right.set_ylim(0, 1.25)  # a fraction, and room above a full bar for its label
    right.tick_params(axis="x", rotation=30)
    figures.legend(right, **figures.below(right, title="when", ncol=2))
    fig.suptitle(figures.verdict_title("Sigmoid attenuates", v, "+.2f", note=headline_note(settings),
                                       parts=[(p, "+.3f", "seeds") for p in v.parts]), fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Every sigmoid squashes its input into (0, 1) with slope at most 1/4, so each layer shrinks the "
          "gradient: its decay per layer is roughly geometric for sigmoid and not for ReLU.",
    source="Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994), sec. 3; Hochreiter, diploma thesis (1991); "
           "Glorot & Bengio, AISTATS (2010), sec. 3-4 (saturation)",
    figure_text="Top left (the decision): the measured decay per layer of log10 gradient norm at the headline depth, "
                "per init, for sigmoid and ReLU, fitted over every layer from the first fitted one (o), over the "
                "near-input half (<) and over the near-output half (>), beside the mean-field prediction "
                "1/2·log10(n·Var(W)·E[f'²]) (x); grey band: ReLU's bound near the output, a fraction of sigmoid's "
                "decay there (1 sigmoid layer over the fitted steps); dotted: 1/2·log10(1/16), sigmoid's bound at "
                "unit weight gain. Top right: gradient norm of every hidden layer of the deepest nets at the "
                "headline init (points: seeds) with the mean straight-line fit. Bottom left: the fitted decay "
                "against depth per activation and init. Bottom right: fraction of saturated (sigmoid, tanh) or "
                "inactive (ReLU family) units at the start and the end of training. Intervals: 95% Student-t over "
                "seeds (n in the legends); diverged runs left out.",
    tables=("runs", "layers"),
    category=TRAINING,
    layers=LayerReads(("study", "grid_study"), ("epoch", 0)),
    reads=lambda s: init_depth_reads(s.study, [s.activation, s.contrast], s.headline),
)
