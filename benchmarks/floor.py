"""(e)'s floor: the study's own epoch loop at the study's own shapes and stack sizes, against the
arithmetic limit.

The study's epochs are many thousands of (stack, epoch) units, each the models still in one of
its stacks (study_stacks) at one epoch. Timing them all would cost the study again, so the
floor is estimated from a sample: units drawn with replacement, each with probability
proportional to its arithmetic (its models' FLOPs per epoch, roofline.model_epoch_flops), so
the mean of the drawn units' ratios (loop time over the time the limit allows them) estimates
the ratio of the whole study's loop time to its limit (Hansen-Hurwitz), with its standard error
from the draws' spread. The draws are stratified by the part of the study the unit belongs to
(the rate search with its confirmations, the reported runs, the tied-rate runs), each part its
draws in proportion to its arithmetic, so each part has its own floor.

A unit is timed as its stack trains it: the job's stack settings, the members still in it
(their seeds, rates, regularizers, initializations), the job's data; after one untimed epoch,
the process's CPU seconds of `repeats` epochs of dltips' step (Trainer.train_epoch) and one
evaluation of the validation split each (what the limit counts: evaluate(("val",))), so other
work on the machine does not inflate it. Beside it, the bare batched matmuls of the same
epoch's training (roofline.bare_kernels): what the limit's FLOPs cost at these small shapes.
"""

import math
import random
import statistics
import time
from dataclasses import dataclass

from dltips.jobs import stack_config
from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH
from dltips.trainer import Trainer

import roofline
from study_stacks import TIED, Stack, layer_shapes

# the study's parts the draws are stratified by: part -> the stack kinds it holds
PARTS = {"rate search and confirmation": (SEARCH, CONFIRMATION), "reported runs": (REPORTED,), TIED: (TIED,)}


@dataclass(frozen=True)
class Unit:
    """One epoch of one stack: the models in it then, and their arithmetic."""

    stack: Stack
    epoch: int
    flops: float  # of all its models' epoch (training and a validation evaluation)

    @property
    def size(self) -> int:
        return len(self.stack.alive(self.epoch))


def units(stacks: list[Stack], datasets: dict) -> list[Unit]:
    """Every (stack, epoch) of `stacks`; `datasets`: name -> dltips.data.Dataset."""
    out = []
    for stack in stacks:
        data = datasets[stack.job.dataset]
        per = roofline.model_epoch_flops(layer_shapes(stack.job, data.n_features, data.n_classes),
                                         len(data.y["train"]), len(data.y["val"]))
        out += [Unit(stack, e, per * len(stack.alive(e))) for e in range(1, max(stack.epochs, default=0) + 1)]
    return out


def allocate(weights: dict[str, float], draws: int, least: int = 2) -> dict[str, int]:
    """Draws per part in proportion to `weights` (largest remainders), at least `least` for
    every part of positive weight (two: the spread of a part's draws is its standard error)."""
    positive = {p: w for p, w in weights.items() if w > 0}
    if draws < least * len(positive):
        raise ValueError(f"draws: {draws} is fewer than {least} for each of the study's {len(positive)} parts "
                         f"that train epochs ({', '.join(positive)})")
    total = sum(positive.values())
    share = {p: least + (draws - least * len(positive)) * w / total for p, w in positive.items()}
    out = {p: math.floor(s) for p, s in share.items()}
    for p in sorted(share, key=lambda p: out[p] - share[p])[: draws - sum(out.values())]:
        out[p] += 1
    return out


def draw(population: list[Unit], draws: int, rng: random.Random) -> list[Unit]:
    """`draws` units, with replacement, each with probability proportional to its FLOPs."""
    return rng.choices(population, weights=[u.flops for u in population], k=draws)


def sample(all_units: list[Unit], draws: int, seed: int) -> dict[str, list[Unit]]:
    """part -> its drawn units (PARTS; the module's docstring)."""
    by_part = {part: [u for u in all_units if u.stack.kind in kinds] for part, kinds in PARTS.items()}
    counts = allocate({p: sum(u.flops for u in us) for p, us in by_part.items()}, draws)
    rng = random.Random(seed)
    return {part: draw(by_part[part], n, rng) for part, n in counts.items()}


def time_unit(unit: Unit, data, repeats: int = 2) -> tuple[float, float]:
    """(CPU seconds of the unit's epoch: dltips' step and one validation evaluation; CPU seconds
    of the bare matmuls of its training epoch), each a mean over `repeats` after a warm-up."""
    stack = unit.stack
    cfg = stack_config(stack.job, tuning=stack.tuning)
    trainer = Trainer(cfg, [stack.members[i] for i in stack.alive(unit.epoch)], data)

    def epoch():
        trainer.train_epoch()
        trainer.recorder.evaluate(trainer.model, ("val",))

    epoch()  # the first epoch pays one-off costs (allocations, kernel choice)
    start = time.process_time()
    for _ in range(repeats):
        epoch()
    loop = (time.process_time() - start) / repeats
    shapes = layer_shapes(stack.job, data.n_features, data.n_classes)
    n = len(data.y["train"])
    roofline.bare_kernels(unit.size, n, cfg.batch_size, shapes)  # warm-up
    kernels = statistics.mean(roofline.bare_kernels(unit.size, n, cfg.batch_size, shapes, clock=time.process_time)
                              for _ in range(repeats))
    return loop, kernels


@dataclass(frozen=True)
class Floor:
    """A part's drawn units as timed: per draw the CPU seconds of its loop and of its bare
    matmuls, the FLOPs the limit counts for it and those of its training alone, and its size."""

    loop_s: list[float]
    kernel_s: list[float]
    flops: list[float]
    train_flops: list[float]
    sizes: list[int]

    def ratios(self, ratio: str, peak_gflops: float) -> list[float]:
        """Each draw's time over the limit's at `peak_gflops` on one core: its loop's ("loop") or
        its bare matmuls' against its training's arithmetic alone ("kernels")."""
        seconds, flops = (self.loop_s, self.flops) if ratio == "loop" else (self.kernel_s, self.train_flops)
        return [s / (f / (peak_gflops * 1e9)) for s, f in zip(seconds, flops)]


def estimate(ratios: list[float]) -> tuple[float, float]:
    """(mean, its standard error; NaN under two draws)."""
    se = statistics.stdev(ratios) / math.sqrt(len(ratios)) if len(ratios) > 1 else math.nan
    return statistics.mean(ratios), se


def measure(drawn: dict[str, list[Unit]], datasets: dict, repeats: int = 2, between=None) -> dict[str, Floor]:
    """part -> its Floor, every drawn unit timed; `between()` is called after each part (the
    caller measures the matmul peak there, while the machine is in the state the loop ran in)."""
    out = {}
    for part, us in drawn.items():
        rows = []
        for u in us:
            data = datasets[u.stack.job.dataset]
            loop_s, kernel_s = time_unit(u, data, repeats)
            shapes = layer_shapes(u.stack.job, data.n_features, data.n_classes)
            rows.append((loop_s, kernel_s, u.flops, roofline.epoch_flops(u.size, len(data.y["train"]), shapes), u.size))
        out[part] = Floor(*(list(column) for column in zip(*rows)))
        if between is not None:
            between()
    return out


def combined(floors: dict[str, Floor], weights: dict[str, float], peak_gflops: float,
             ratio: str = "loop") -> tuple[float, float]:
    """The whole study's ratio (mean, standard error) of the loop (`ratio` "loop") or of the bare
    matmuls ("kernels"): each part's weighted by its share of the arithmetic (`weights`: part ->
    FLOPs)."""
    total = sum(weights[p] for p in floors)
    estimates = {p: estimate(f.ratios(ratio, peak_gflops)) for p, f in floors.items()}
    mean = sum(weights[p] / total * m for p, (m, _) in estimates.items())
    se = math.sqrt(sum((weights[p] / total * e) ** 2 for p, (_, e) in estimates.items()))
    return mean, se
