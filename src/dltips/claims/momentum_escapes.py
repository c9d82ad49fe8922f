"""momentum-escapes: training can stall at a local minimum; momentum (inertia) can carry the
parameters through. Deep nets have few bad local minima, so this is rarely the real obstacle.

Evidence, table `toy`: the tilted double well f(w) = (w^2 - 1)^2 - tilt * w has a shallow local
minimum on the left and a deeper global one on the right, split by a barrier. From start
points spread evenly over the local minimum's basin (from `starts.low` up to the barrier),
torch.optim.SGD without momentum and with momentum `momentum` take `steps` steps at one
learning rate; a run has escaped if it ends right of the barrier. The statistic is, per start,
escaped-with-momentum minus escaped-without, averaged over the starts: the fraction that
momentum rescues. Momentum only helps where the parameters arrive with speed: starts high on
the basin's outer wall escape, starts near the local minimum do not.

Context, not verdict (table `grid`): the second sentence is about deep nets. If random
initializations often ended in bad local minima, seeds of one grid cell would end at very
different training losses. The evidence lists, per grid cell (activation, optimizer,
regularizer), the spread of final training loss over seeds beside the spread between cells.
It carries no verdict: the runs stop after a fixed number of epochs rather than at a
minimum, and seeds that share a plateau agree as closely as seeds that share a good minimum,
so no threshold on that spread separates "few bad minima" from "not converged".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..verdicts import FRACTION_DIFFERENCE, compare
from . import TRAINING, declare
from .evidence import Evidence
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns, torch
from ..words import count

ID = "momentum-escapes"
# 8/(3*sqrt(3)) = 1.5396...: at a larger tilt the shallow local minimum is gone
MAX_TILT = 1.5396


class Starts(ClaimSettings):
    low: float = setting(-2.0, "the first start, left of the local minimum, on the basin's outer wall")
    n: int = setting(20, "starts spread evenly from `low` up to the barrier: the local basin", ge=1)


class Settings(ClaimSettings):
    study: str = setting("grid", "runs.csv study whose seeds give the \"few bad local minima\" context")
    tilt: float = setting(1.0, "f(w) = (w^2-1)^2 - tilt*w: a shallow local minimum left, the global one right; "
                               f"above {MAX_TILT} the local minimum is gone", gt=0, lt=MAX_TILT)
    starts: Starts = setting(Starts(), "start points spread over the local minimum's basin")
    lr: float = setting(0.01, "learning rate of both runs: below 2/f'' at the minima, so GD is stable", gt=0)
    momentum: float = setting(0.9, "momentum of the second run; the pipeline's value", gt=0, lt=1)
    steps: int = setting(500, "updates per run: long enough for both to settle", ge=1)
    min_rescued_fraction: float = setting(0.1, "claim: (escaped with momentum - escaped without), mean over "
                                               "starts, above this. From the toy's resolution: one start of the "
                                               "default 20 is 0.05; 0.1 asks for more than a single start at the "
                                               "basin's edge, whose fate a rounding could decide", ge=0, le=1)


def critical_points(tilt: float) -> tuple[float, float, float]:
    """(local minimum, barrier, global minimum): the roots of f'(w) = 4w^3 - 4w - tilt."""
    roots = np.roots([4.0, 0.0, -4.0, -tilt])
    real = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
    if len(real) != 3:
        raise ValueError(f"claims.{ID}.tilt = {tilt} leaves no local minimum; use |tilt| < {MAX_TILT}")
    return tuple(float(r) for r in real)


def surface(w, tilt: float):
    return (w**2 - 1) ** 2 - tilt * w


def starts(settings: Settings) -> np.ndarray:
    _, barrier, _ = critical_points(settings.tilt)
    return np.linspace(settings.starts.low, barrier, settings.starts.n + 1)[:-1]


def trajectories(settings: Settings, momentum: float) -> pd.DataFrame:
    """One row per (start, step) with the position after the step. All starts are elements
    of one tensor: SGD acts elementwise, so each element is an independent run."""
    w0 = starts(settings)
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=settings.lr, momentum=momentum)
    path = [w.detach().clone()]
    for _ in range(settings.steps):
        opt.zero_grad()
        surface(w, settings.tilt).sum().backward()
        opt.step()
        path.append(w.detach().clone())
    n = len(w0)
    return pd.DataFrame({"momentum": momentum, "start": np.tile(w0, len(path)),
                         "step": np.repeat(np.arange(len(path)), n), "position": torch.cat(path).numpy()})


def toy_outcomes(settings: Settings) -> pd.DataFrame:
    """Per start: where each method ends and whether it crossed the barrier."""
    local, barrier, _ = critical_points(settings.tilt)
    ends = {}
    for name, m in (("plain", 0.0), ("momentum", settings.momentum)):
        traj = trajectories(settings, m)
        ends[name] = traj[traj.step == traj.step.max()].position.to_numpy()
    w0 = starts(settings)
    out = pd.DataFrame({"start": w0, "start_height": surface(w0, settings.tilt),
                        "end_plain": ends["plain"], "end_momentum": ends["momentum"]})
    out["escaped_plain"] = out.end_plain > barrier
    out["escaped_momentum"] = out.end_momentum > barrier
    out["rescued"] = out.escaped_momentum.astype(float) - out.escaped_plain.astype(float)
    out["local_min_height"] = surface(local, settings.tilt)
    out["barrier_height"] = surface(barrier, settings.tilt)
    return out


def seed_spread(runs: pd.DataFrame, study: str) -> pd.DataFrame:
    """Per grid cell: final training loss over seeds, diverged runs left out and counted (a
    run whose loss exploded has no minimum to speak of, and one such loss would swamp every
    spread here)."""
    runs = runs[runs.study == study]
    diverged = runs.diverged.astype(bool)
    runs = runs.assign(final_train_loss=runs.final_train_loss.where(~diverged), diverged=diverged)
    cells = runs.groupby(["activation", "optimizer", "regularizer"], as_index=False).agg(
        seeds=("final_train_loss", "count"), train_loss_mean=("final_train_loss", "mean"),
        train_loss_sd=("final_train_loss", "std"), train_loss_min=("final_train_loss", "min"),
        train_loss_max=("final_train_loss", "max"), diverged=("diverged", "sum"))
    cells["train_loss_range"] = cells.train_loss_max - cells.train_loss_min
    # the spread between cells, beside each cell's spread between seeds
    cells["between_cell_sd"] = cells.train_loss_mean.std()
    return cells


def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"toy": toy_outcomes(settings), "grid": seed_spread(tables["runs"], settings.study)}


def rule(ev: Evidence, settings: Settings):
    toy, grid = ev["toy"], ev["grid"]
    context = (f"grid context (no verdict): median seed-to-seed sd of final train loss "
               f"{grid.train_loss_sd.median():.3g} nats over {grid.train_loss_sd.notna().sum()} cells, "
               f"between-cell sd {grid.between_cell_sd.max():.3g} nats; {count(int(grid.diverged.sum()), 'diverged run')} "
               f"left out" if len(grid) else "no grid runs")
    return compare(toy.rescued, settings.min_rescued_fraction, ">",
                   "fraction of local-basin starts that escape with momentum but not without",
                   detail=f"plain GD escapes from {int(toy.escaped_plain.sum())} of {len(toy)} starts, momentum "
                          f"from {int(toy.escaped_momentum.sum())}; {context}",
                   bounds=FRACTION_DIFFERENCE)  # per start: escaped with momentum (1 or 0) minus without


def findings(ev: Evidence) -> str:
    """Which starts momentum rescued, by their height above the local minimum."""
    toy = ev["toy"]
    if not len(toy):
        return ""
    escaped = toy.escaped_momentum
    above = toy.start_height - toy.local_min_height
    barrier = float((toy.barrier_height - toy.local_min_height).iloc[0])

    def span(mask):
        return f"{above[mask].min():.2g}–{above[mask].max():.2g}" if mask.any() else "none"

    return (f"with momentum, starts {span(escaped)} above the local minimum escaped and starts "
            f"{span(~escaped)} above it stayed (the barrier is {barrier:.2g} above it): momentum "
            "carries the parameters over only when they arrive with speed")


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    # two rows of two: the grid's seeds bottom left, the key of every panel bottom right (off the data)
    fig, axes = plt.subplot_mosaic([["well", "paths"], ["grid", "key"]], figsize=(figures.WIDTH, 9.5),
                                   layout="constrained")
    well, paths, grid_ax = axes["well"], axes["paths"], axes["grid"]
    local, barrier, best = critical_points(settings.tilt)
    toy = ev["toy"]
    w = np.linspace(min(settings.starts.low, local) - 0.1, best + 0.6, 400)
    well.plot(w, surface(w, settings.tilt), color="0.3", lw=1.5)
    outcome = np.where(toy.escaped_momentum, "escapes with momentum", "stays with momentum")
    sns.scatterplot(x=toy.start, y=toy.start_height, hue=outcome, hue_order=["escapes with momentum",
                    "stays with momentum"], palette=["C2", "C3"], s=40, zorder=3, legend=True, ax=well)
    for x, name in ((local, "local min"), (barrier, "barrier"), (best, "global min")):
        well.annotate(name, (x, surface(x, settings.tilt)), textcoords="offset points", xytext=(0, -16),
                      ha="center", fontsize=figures.MIN_FONT)
    well.set(xlabel="parameter w (parameter units)", ylabel="loss f(w) (arbitrary units)",
             title=f"Tilted double well, tilt {settings.tilt:g}:\n{len(toy)} starts in the local basin")

    traj = pd.concat([trajectories(settings, 0.0), trajectories(settings, settings.momentum)])
    traj["method"] = np.where(traj.momentum > 0, f"SGD, momentum {settings.momentum:g}", "plain SGD")
    # log steps: the paths part within the first hundred steps, then sit still
    sns.lineplot(data=traj[traj.step > 0], x="step", y="position", hue="method", units="start", estimator=None,
                 lw=0.8, alpha=0.7, ax=paths)
    paths.set_xscale("log")
    for y, name in ((local, "local min"), (barrier, "barrier"), (best, "global min")):
        paths.axhline(y, color="k", lw=0.8, ls=":" if name == "barrier" else "--")
        paths.annotate(name, (settings.steps, y), textcoords="offset points", xytext=(-4, 3), ha="right",
                       fontsize=figures.MIN_FONT)
    paths.set(xlabel="update step (count, log scale)", ylabel="position w (parameter units)",
              title=f"Paths from every start (lr {settings.lr:g})")

    runs = tables["runs"]
    runs = runs[(runs.study == settings.study) & (runs.regularizer == "none") & ~runs.diverged.astype(bool)]
    if len(runs):
        sns.stripplot(data=runs, x="activation", y="final_train_loss", hue="optimizer", dodge=True, size=4,
                      jitter=False, ax=grid_ax)
        n = figures.n_label(runs, ["activation", "optimizer"])
        grid_ax.set_title(f"grid, no regularization:\none dot per seed ({n})")
    else:
        grid_ax.text(0.5, 0.5, "no grid runs", ha="center", va="center", transform=grid_ax.transAxes)
    grid_ax.set(xlabel="activation", ylabel="final training loss (nats)")

    sections = [(f"top left: start point\n({int(toy.escaped_plain.sum())} of {len(toy)} escape without momentum)",
                 *well.get_legend_handles_labels()),
                ("top right: method", *paths.get_legend_handles_labels()),
                ("bottom left: optimizer", *grid_ax.get_legend_handles_labels())]
    for ax in (well, paths, grid_ax):  # seaborn's own legends, over the data: the key panel has them
        if ax.get_legend():
            ax.get_legend().remove()
    figures.key_panel(axes["key"], sections)
    fig.suptitle(figures.verdict_title(
        "Momentum escapes a local minimum", v, ".2f", unit="starts",
        note="bottom left: do seeds of one cell end at different training losses? (context for 'few bad local "
             "minima', no verdict)"), fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Training can stall at a local minimum, plateau or saddle; momentum can carry the parameters through. "
          "Deep nets have few bad local minima, so this is rarely the real obstacle.",
    source="Polyak, 'Some methods of speeding up the convergence of iteration methods' (1964); Sutskever, "
           "Martens, Dahl & Hinton, 'On the importance of initialization and momentum in deep learning' "
           "(ICML 2013), sec. 2; Goodfellow et al., Deep Learning (2016), sec. 8.2.2 and 8.3.2",
    figure_text="Top left: a 1-D loss with a shallow local minimum and a deeper global one; each dot is a "
                "start point in the local basin, colored by whether SGD with momentum ends past the barrier. Top "
                "right: the position over the update steps from every start, plain SGD and SGD with momentum. "
                "Bottom left: final training loss of each seed in the grid's unregularized cells -- context for "
                "the claim that deep nets have few bad local minima, not part of the verdict. Bottom right: the "
                "key to every panel.",
    tables=("runs",),
    category=TRAINING,
    reads=lambda settings: (),  # a toy problem: the grid's runs are context, not verdict
)
