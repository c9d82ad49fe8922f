"""adaptive-lr: Adagrad divides the learning rate by the root of the sum of all past squared
gradients; RMSProp uses an exponentially weighted average, so it adapts when the error
surface changes steepness.

Evidence, table `toy`: a 1-D error surface that falls steeply (slope `steep`) down to `switch`
and gently (slope `flat`) after it. torch.optim.Adagrad and torch.optim.RMSprop start from
the same points on the steep part; after every step we read the optimizer's own state and
record its effective step size lr / (sqrt(state) + eps). The claim holds if RMSProp's step
has grown `late_after` steps past the switch (ratio to its step just before the switch above
`min_step_growth`, over the start points) while Adagrad's step never grew at any step.

Context, not verdict (table `grid`): the grid's mean final test accuracy for Adagrad and
RMSProp, one mean per seed over the grid's cells (each optimizer at its own tuned learning
rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..verdicts import all_of, compare, exact
from . import TRAINING, declare
from .evidence import Evidence
from .select import optimizer_seed_means
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns, torch

ID = "adaptive-lr"
# optimizer -> (torch.optim class, its accumulator in the optimizer state)
OPTIMIZERS = {"adagrad": ("Adagrad", "sum"), "rmsprop": ("RMSprop", "square_avg")}
ADAPTS, SHRINKS_ONLY = "rmsprop adapts", "adagrad shrinks only"  # the verdict's parts


class Surface(ClaimSettings):
    """The toy error surface: a cliff down to `switch`, then a gentle slope."""

    switch: float = setting(0.0, "position where the steepness changes; the starts lie left of it")
    steep: float = setting(10.0, "|slope| of the cliff", gt=0)
    flat: float = setting(0.1, "|slope| after the switch, below `steep`: the surface turns flat, here 100x", gt=0)


class Settings(ClaimSettings):
    study: str = setting("grid", "runs.csv study whose Adagrad/RMSProp runs give the grid context")
    surface: Surface = setting(Surface(), "the toy error surface: a cliff down to `switch`, then a gentle slope")
    starts: list[float] = setting([-0.5, -1.0, -1.5, -2.0, -2.5], "start points on the cliff (< switch); each one "
                                                                  "toy run", min_length=1)
    lr: float = setting(0.1, "learning rate of both optimizers; Adagrad must still reach the switch", gt=0)
    rmsprop_alpha: float = setting(0.9, "RMSProp's averaging constant, Tieleman & Hinton's value", gt=0, lt=1)
    steps: int = setting(300, "updates per run: every start reaches the flat part and then some", ge=1)
    late_after: int = setting(50, "steps past the switch at which the \"late\" step is read (5 time constants)",
                              ge=1)
    min_step_growth: float = setting(2.0, "claim: RMSProp's step late / just before the switch above this "
                                          "(2 = at least doubled). From theory, the contrasted effect: Adagrad's "
                                          "step cannot grow (ratio <= 1), while RMSProp's, once its average has "
                                          "forgotten the cliff (alpha^50 = 0.005 of it left), tends to steep / flat "
                                          "= 100 times; 2 lies clear of the first and far below the second")
    # the statistic is clipped at 0 (a shrinking step is no growth): a negative tolerance never holds
    growth_tolerance: float = setting(0.0, "claim: Adagrad's step never grows: largest relative step-to-step "
                                           "growth <= this", ge=0)


def surface(w: torch.Tensor, s: Surface) -> torch.Tensor:
    """Error surface: a cliff of slope `steep` down to `switch`, then a gentle slope `flat`.
    Continuous at the switch; the gradient magnitude jumps from steep to flat."""
    d = s.switch - w
    return torch.where(w < s.switch, s.steep * d, s.flat * d)


def trajectories(settings: Settings, name: str) -> pd.DataFrame:
    """One row per (start, step): the gradient, whether it was taken on the flat part, and the
    position and effective step size after the step.
    All start points are elements of one tensor: both optimizers act elementwise, so every
    element is an independent run."""
    cls, key = OPTIMIZERS[name]
    kwargs = {"alpha": settings.rmsprop_alpha} if name == "rmsprop" else {}
    starts = torch.tensor(settings.starts, dtype=torch.float64)
    w = starts.clone().requires_grad_(True)
    opt = getattr(torch.optim, cls)([w], lr=settings.lr, **kwargs)
    group = opt.param_groups[0]
    cols = {"grad": [], "on_flat": [], "position": [], "effective_step": []}
    for _ in range(settings.steps):
        opt.zero_grad()
        surface(w, settings.surface).sum().backward()
        cols["grad"].append(w.grad.detach().clone())
        cols["on_flat"].append(w.detach() >= settings.surface.switch)
        opt.step()
        # the same expression the optimizer divides by (torch's Adagrad/RMSprop, no decay options)
        cols["effective_step"].append(group["lr"] / (opt.state[w][key].sqrt() + group["eps"]))
        cols["position"].append(w.detach().clone())
    n_steps, n_starts = settings.steps, len(starts)
    return pd.DataFrame({"optimizer": name, "start": np.tile(settings.starts, n_steps),
                         "step": np.repeat(np.arange(1, n_steps + 1), n_starts),
                         **{k: torch.cat(v).numpy() for k, v in cols.items()}})


def summarize(traj: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per (optimizer, start): when it reached the flat part, its step just before, its step
    `late_after` steps later, and the largest step-to-step growth of its effective step."""
    out = []
    for (name, start), run in traj.groupby(["optimizer", "start"], sort=False):
        run = run.sort_values("step")
        eff = run.effective_step.to_numpy()
        on_flat = np.flatnonzero(run.on_flat.to_numpy())
        switch = int(on_flat[0]) if len(on_flat) else None  # index of the first flat gradient
        before = eff[switch - 1] if switch else np.nan
        late_i = switch + settings.late_after if switch is not None else None
        late = eff[late_i] if late_i is not None and late_i < len(eff) else np.nan
        growth = np.diff(eff) / eff[:-1]
        out.append({"optimizer": name, "start": start,
                    "switch_step": run.step.iloc[switch] if switch is not None else np.nan,
                    "step_before_switch": before, "step_late": late, "step_growth": late / before,
                    "max_stepwise_growth": float(np.max(growth, initial=0.0))})
    return pd.DataFrame(out)


def evidence(tables: dict, settings: Settings) -> Evidence:
    toy = pd.concat([summarize(trajectories(settings, name), settings) for name in OPTIMIZERS], ignore_index=True)
    return {"toy": toy, "grid": optimizer_seed_means(tables["runs"], settings.study, list(OPTIMIZERS))}


def rule(ev: Evidence, settings: Settings):
    """Both parts on the toy runs; the figure finds them by name (ADAPTS, SHRINKS_ONLY)."""
    toy = ev["toy"]
    rms, ada = toy[toy.optimizer == "rmsprop"], toy[toy.optimizer == "adagrad"]
    adapts = compare(rms.step_growth, settings.min_step_growth, ">",
                     f"RMSProp effective step {settings.late_after} steps after the surface flattens / "
                     "just before (ratio, over start points)", name=ADAPTS)
    # Adagrad's accumulator only grows, so its step can never grow: checked, not assumed
    shrinks_only = exact(ada.max_stepwise_growth.clip(lower=0), settings.growth_tolerance,
                         "largest step-to-step relative growth of Adagrad's effective step", name=SHRINKS_ONLY)
    return all_of(adapts, shrinks_only)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    # two rows of two: the grid's bars bottom left, the top panels' key bottom right (off the data)
    fig, axes = plt.subplot_mosaic([["step", "position"], ["grid", "key"]], figsize=(figures.WIDTH, 9.5),
                                   layout="constrained")
    traj = pd.concat([trajectories(settings, name) for name in OPTIMIZERS], ignore_index=True)
    toy = ev["toy"]
    s = settings.surface
    kw = dict(hue="optimizer", hue_order=list(OPTIMIZERS), units="start", estimator=None, lw=1.2)
    step = axes["step"]
    sns.lineplot(data=traj, x="step", y="effective_step", ax=step, **kw)
    step.scatter(toy.switch_step - 1, toy.step_before_switch, color="k", s=18, zorder=3,
                 label="last step on the steep part")
    step.scatter(toy.switch_step + settings.late_after, toy.step_late, facecolor="none", edgecolor="k", s=24,
                 zorder=3, label=f"{settings.late_after} steps onto the flat part")
    step.set_yscale("log")
    step.set(xlabel="update step (count)",
             ylabel="effective step size lr / (√state + ε)\n(Δw per unit gradient)",
             title=f"Step size: one line per start ({len(settings.starts)} starts)")

    position = axes["position"]
    sns.lineplot(data=traj, x="step", y="position", ax=position, legend=False, **kw)
    low = min(settings.starts)
    position.axhspan(low, s.switch, color="0.8", zorder=0, label=f"steep part, slope {s.steep:g}")
    position.axhspan(s.switch, traj.position.max(), color="0.93", zorder=0,
                     label=f"flat part, slope {s.flat:g}")
    position.set(xlabel="update step (count)", ylabel="position w (parameter units)",
                 title=f"Position on the surface\n(lr {settings.lr:g}, RMSProp α {settings.rmsprop_alpha:g})")

    grid_ax = axes["grid"]
    grid = ev["grid"]
    if len(grid):
        sns.barplot(data=grid, x="optimizer", y="test_accuracy", order=list(OPTIMIZERS),
                    errorbar=figures.seed_interval, ax=grid_ax)
        grid_ax.set_title(f"grid: mean over cells\n(bars: 95% t-interval over seeds, "
                          f"{figures.n_label(grid, ['optimizer'])})")
    else:
        grid_ax.text(0.5, 0.5, "no Adagrad or RMSProp runs\nin the grid table", ha="center", va="center",
                     transform=grid_ax.transAxes)
        grid_ax.set(title="grid", xticks=[], yticks=[])
    grid_ax.set(xlabel="optimizer", ylabel="final test accuracy (fraction)")

    handles, labels = step.get_legend_handles_labels()
    lines = [i for i, label in enumerate(labels) if label in OPTIMIZERS]
    marks = [i for i in range(len(labels)) if i not in lines]
    step.get_legend().remove()  # seaborn's own, over the lines: the key panel has it
    figures.key_panel(axes["key"], [
        ("optimizer (both top panels)", [handles[i] for i in lines], [labels[i] for i in lines]),
        ("markers (top left)", [handles[i] for i in marks], [labels[i] for i in marks]),
        ("shading (top right)", *position.get_legend_handles_labels()),
    ])
    adapts, shrinks_only = v.part(ADAPTS), v.part(SHRINKS_ONLY)
    fig.suptitle(figures.verdict_title("Adaptive learning rates", v,
                                       parts=[(adapts, ".3g", "starts"), (shrinks_only, ".2g", "starts")]),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Adagrad divides the learning rate by the root of the sum of all past squared gradients; RMSProp "
          "uses an exponentially weighted average, so it adapts when the error surface changes steepness.",
    source="Duchi, Hazan & Singer, 'Adaptive Subgradient Methods' (JMLR 2011), sec. 1; Tieleman & Hinton, "
           "Coursera 'Neural Networks for Machine Learning' (2012), lecture 6e",
    figure_text="A 1-D error surface falls steeply, then gently. Top left: the effective step size "
                "lr/(√state+ε) of Adagrad and RMSProp after every step, one line per start point (log scale); dots "
                "mark the last step on the steep part. Top right: the positions (shaded: steep and flat parts). "
                "Bottom left: mean final test accuracy of the two optimizers over the grid, 95% intervals over "
                "seeds. Bottom right: the key to the top panels.",
    tables=("runs",),
    category=TRAINING,
    reads=lambda settings: (),  # a toy problem: the grid's runs are context, not verdict
)
