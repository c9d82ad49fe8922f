"""early-layers-learn-slowly: with one learning rate, layers near the output move while
layers near the input are still close to their random start.

Evidence (depth sweep): each layer's relative weight change from initialization,
||W - W0|| / ||W0|| (layers.csv rel_change; scale-free, so layers of different shapes
compare), at a chosen epoch. Statistic, per seed: log10(rel_change of layer 1 / rel_change
of the output layer) of the claim's activation; -1 means the first layer has moved a tenth
as far as the output layer. Judged per init and depth where the net trains: a net at
chance (chance.py) moved its weights without learning, so its condition is inconclusive,
said in words. The headline is the settings' init at a depth that may be
`deepest_trained`, the deepest depth at which the net is not at chance. Diverged runs are
left out. Evidence tables: `changes` (the claim's activation, one row per run: what is
judged) and `others` (the other activations, drawn beside).
"""

import numpy as np
import pandas as pd

from ..verdicts import compare
from . import TRAINING, LayerReads, declare
from .chance import Floor, at_chance, floor_checked, trained_depths
from .resolution import SIZES
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import init_depth_headline, init_depth_of, init_depth_reads
from .panels import REL_LABEL, depth_sweep, headline_note, legend_with_n, plot_rel_change, shade_chance
from .select import RUN_KEYS, deepest, layers_of, per_seed
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns
from ..words import count

ID = "early-layers-learn-slowly"


Headline = init_depth_headline("default", "the notes' plain net (default init)", "deepest_trained")


class Settings(ClaimSettings):
    study: str = setting("depth", "the sweep of depths the statistic reads (runs.csv `study`)")
    activation: str = setting("sigmoid", "the activation the claim is about", registry="activation")
    epoch: int = setting(10, "epoch at which weight changes are compared: early in training, where the notes say "
                             "the output layers move while the input layers do not; 1..training.epochs (a run that "
                             "ended sooner is read at its end)", ge=1)
    max_log10_ratio: float = setting(0.0, "claim: log10(rel. change of layer 1 / of the output layer) < this, per "
                                          "init and depth; 0 is the literal \"moved less\" (seed noise is in the t "
                                          "interval)", le=0)
    floor: Floor = setting(Floor(), "a condition whose net is at chance says nothing about which layers learn")
    headline: Headline = setting(Headline(), "the verdict's condition: the notes' plain net at the deepest depth it "
                                             "trains; every init and depth is reported as a condition")


def at_epoch(lay: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """Each run's rows at the last recorded epoch <= `epoch`: a run that ended sooner (a
    shorter preset) is read at its end, and says so in `epoch_used`."""
    lay = lay[lay.epoch <= epoch]
    used = lay.groupby("run_id").epoch.transform("max")
    return lay[lay.epoch == used].rename(columns={"epoch": "epoch_used"})


def changes(tables: dict, settings: Settings) -> pd.DataFrame:
    lay = at_epoch(layers_of(tables, [settings.study]), settings.epoch)
    first = lay[lay.layer == 1].set_index("run_id").rel_change
    output = lay[lay.layer == lay.depth + 1].set_index("run_id").rel_change
    out = lay.drop_duplicates("run_id")[RUN_KEYS + ["epoch_used"]].set_index("run_id")
    out["rel_first"] = first
    out["rel_output"] = output
    with np.errstate(divide="ignore", invalid="ignore"):  # epoch 0: nothing moved yet, 0/0
        out["log10_ratio"] = np.log10(out.rel_first / out.rel_output)
    accuracy = tables["runs"].set_index("run_id").final_train_accuracy
    out["final_train_accuracy"] = accuracy.reindex(out.index)
    return out.reset_index().sort_values(["activation", "init", "depth", "seed"], kind="stable")


def evidence(tables: dict, settings: Settings) -> Evidence:
    table = changes(tables, settings)
    mine = table.activation == settings.activation
    return {"changes": table[mine], "others": table[~mine], SIZES: tables["datasets"]}


def rule(ev: Evidence, settings: Settings):
    """One init and depth: the ratio per seed below max_log10_ratio, unless the net is at chance."""
    rows = ev["changes"]
    where = "".join(f", depth {int(d)}, {i} init" for i, d in rows[["init", "depth"]].drop_duplicates().to_numpy())
    epochs = ", ".join(str(int(e)) for e in sorted(rows.epoch_used.unique())) or str(settings.epoch)
    v = compare(per_seed(rows, "log10_ratio"), settings.max_log10_ratio, "<",
                f"log10(weight change of layer 1 / output layer), {settings.activation}{where}, epoch {epochs} "
                f"(decades)")
    return floor_checked(v, {settings.activation: rows.final_train_accuracy}, settings.floor.on(ev[SIZES]))


def at_chance_cells(changes: pd.DataFrame, floor: Floor) -> set[tuple[str, int]]:
    """(init, depth) where the claim's net is at chance: the floor."""
    return {(init, int(depth)) for (init, depth), g in changes.groupby(["init", "depth"])
            if at_chance(per_seed(g, "final_train_accuracy"), floor)}


def headline(ev: Evidence, settings: Settings) -> dict:
    """The settings' init at its depth: a number, the sweep's deepest, or the deepest at which
    the net is not at chance."""
    floor = settings.floor.on(ev[SIZES])
    return init_depth_of(settings.headline, ev["changes"],
                         lambda rows: trained_depths(rows, "final_train_accuracy", floor))


# per init and depth of the sweep
GRIDS = (Grid("changes", (Axis("init"), Axis("depth", int))),)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    lay = layers_of(tables, [settings.study])
    # legends under their panels, off the data
    fig, ((profile, curves), (summary, trained)) = plt.subplots(2, 2, figsize=(figures.WIDTH, 12),
                                                                layout="constrained")
    init = settings.headline.init

    # every init at each activation's deepest depth, so a reader sees the init's part too
    deep = at_epoch(lay[lay.depth == lay.groupby("activation").depth.transform("max")], settings.epoch)
    sns.lineplot(data=deep, x="layer", y="rel_change", **figures.by_activation(deep), style="init", marker="o",
                 errorbar=figures.seed_interval, ax=profile)
    profile.set_yscale("log")
    used = ", ".join(map(str, sorted(deep.epoch_used.unique())))
    profile.set(xlabel="layer (1 = nearest the input;\nthe last is the output layer)", ylabel=REL_LABEL,
                title=f"deepest nets, epoch {used} ({figures.n_label(deep, ['activation', 'init'])})")
    if len(deep):
        profile.set_xticks(range(1, int(deep.layer.max()) + 1))
    figures.legend(profile, **figures.below(profile, ncol=2))

    plot_rel_change(curves, deepest(lay, settings.study, settings.activation, init), f"{settings.activation}, {init} init")
    for epoch in deep.epoch_used.unique():
        curves.axvline(epoch, color="k", ls=":", lw=1)

    mine = ev["changes"]
    floor = settings.floor.on(ev[SIZES])
    floor_cells = at_chance_cells(mine, floor)
    off_floor = mine[[(i, int(d)) not in floor_cells for i, d in zip(mine.init, mine.depth)]]
    runs = pd.concat([mine, ev["others"]], ignore_index=True)
    shown = pd.concat([off_floor, ev["others"]], ignore_index=True)
    depth_sweep(summary, shown, "log10_ratio", settings.max_log10_ratio, f"threshold {settings.max_log10_ratio:g}",
                "log10(Δ layer 1 / Δ output layer)\n(decades)",
                f"the statistic ({figures.n_label(shown, ['activation', 'init', 'depth'])});\n"
                f"{count(len(floor_cells), 'condition')} at chance left out", ticks_from=runs)

    sns.lineplot(data=mine, x="depth", y="final_train_accuracy", **figures.by_init(mine), marker="o",
                 errorbar=figures.seed_interval, ax=trained)
    shade_chance(trained, floor)
    trained.set(xlabel="hidden layers (depth)", ylabel="final train accuracy (fraction)", ylim=(0, 1.02),
                title=f"{settings.activation}: where the net trains")
    legend_with_n(trained, mine, "init", **figures.below(trained, ncol=2))
    fig.suptitle(figures.verdict_title("Early layers learn slowly", v, "+.2f", note=headline_note(settings)),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="With one learning rate, layers near the output move and converge while layers near the input are "
          "still close to their random start.",
    source="Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994), sec. 2; Glorot & Bengio, AISTATS (2010), sec. 4.2; "
           "Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 8.2.5",
    figure_text="Top left: each layer's relative weight change from initialization at the chosen epoch for the "
                "deepest net of each activation and init (log scale). Top right: the same for every layer of the "
                "claim's deepest net at the headline init over training (dotted line: the chosen epoch). Bottom "
                "left: the statistic against depth, conditions where the net is at chance left out. Bottom right: "
                "final train accuracy of the claim's activation against depth (grey: within the binomial noise of "
                "chance). Bands: 95% Student-t intervals over seeds (n in the legend); diverged runs left out.",
    tables=("runs", "layers", "datasets"),
    category=TRAINING,
    layers=LayerReads(("study",), ("epoch",), every_epoch=True),
    reads=lambda s: init_depth_reads(s.study, s.activation, s.headline),
)
