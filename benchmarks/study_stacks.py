"""The stacks a finished study trained, read back from its records, and the shapes of their layers.

A training job trains its rate search's candidates in one stack per round (the first round
every candidate, each extension past the grid's edge and each confirmation round a stack of
its own: dltips.tuning) and its reported runs in one stack per rate (dltips.jobs.train_by_rate);
a tied-rate job (dltips.tied) its runs in one stack per rate too. A model leaves its stack after
its last epoch, so at each epoch a stack holds the models that train that long. Each stack's
members are rebuilt as the study built them (seed, rate, regularizer, initialization), from the
job's tuning record and its runs' configs.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dltips.contract import Job, read_job, read_runs
from dltips.jobs import members_of
from dltips.study_time import TIED
from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH
from dltips.trainer import Member
from dltips.tuning import CONFIRMED, UNSTABLE, conditions_of

KINDS = (REPORTED, SEARCH, CONFIRMATION, TIED)


def layer_shapes(job: Job, n_features: int, n_classes: int) -> list[tuple[int, int]]:
    """Each layer's weight (inputs, outputs), input to output, as dltips.model builds a job's MLP:
    a Maxout layer computes `maxout_pieces` units per output it passes on."""
    width, depth = job.model["width"], job.model["depth"]
    pieces = job.model.get("maxout_pieces", 1) if job.activation == "maxout" else 1
    dims = [n_features] + [width] * depth
    return [(a, b * pieces) for a, b in zip(dims[:-1], dims[1:])] + [(width, n_classes)]


@dataclass(frozen=True)
class Stack:
    """One stack a job trained: its members, the epochs each trained, and what it trained for
    (KINDS: the search's first round and its extensions are SEARCH, as the job's timing file
    counts them)."""

    job: Job
    kind: str
    members: tuple[Member, ...]
    epochs: tuple[int, ...]

    @property
    def tuning(self) -> bool:
        """Trained with the rate search's stack settings (dltips.jobs.stack_config)."""
        return self.kind in (SEARCH, CONFIRMATION)

    def alive(self, epoch: int) -> list[int]:
        """The members still in the stack at `epoch` (1 is the first)."""
        return [i for i, n in enumerate(self.epochs) if n >= epoch]

    def sizes(self) -> Counter:
        """Models in the stack -> model-epochs trained at that size."""
        out = Counter()
        for epoch in range(1, max(self.epochs, default=0) + 1):
            k = len(self.alive(epoch))
            out[k] += k
        return out


def search_stacks(trained) -> list[Stack]:
    """The stacks of a job's rate search: one per round of its tuning record."""
    job, conditions, rounds = trained.spec, conditions_of(trained.spec), {}
    for record in trained.tuning:
        rounds.setdefault(record["round"], []).append(record)
    stacks = []
    for _, records in sorted(rounds.items()):
        confirming = records[0]["fate"] in (CONFIRMED, UNSTABLE)
        members = tuple(Member.of(job.training, seed=r["seed"], lr=r["lr"], reg=conditions[r["condition"]].surface,
                                  init=conditions[r["condition"]].init) for r in records)
        stacks.append(Stack(job, CONFIRMATION if confirming else SEARCH, members,
                            tuple(int(r["epochs_trained"]) for r in records)))
    return stacks


def run_stacks(job_dir, kind: str) -> list[Stack]:
    """The stacks of a job directory's runs: one per rate, the smallest rate first."""
    trained, runs = read_runs(job_dir)
    rates = [float(run.config["lr"]) for run in runs]
    members = members_of(trained.spec, [run.spec for run in runs], rates)
    return [Stack(trained.spec, kind, tuple(m for m, r in zip(members, rates) if r == rate),
                  tuple(int(run.metrics["epochs_run"]) for run, r in zip(runs, rates) if r == rate))
            for rate in sorted(set(rates))]


def study_stacks(results) -> list[Stack]:
    """Every stack of the study in `results`: each training job's search rounds and reported
    stacks, then each tied-rate job's stacks, jobs in name order."""
    results, stacks = Path(results), []
    for job_dir in _job_dirs(results / "runs"):
        stacks += search_stacks(read_job(job_dir)) + run_stacks(job_dir, REPORTED)
    for job_dir in _job_dirs(results / "tied" / "runs"):
        stacks += run_stacks(job_dir, TIED)
    return stacks


def _job_dirs(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if (d / "job.json").exists()) if root.is_dir() else []


def model_epochs_by_size(stacks: list[Stack]) -> dict[str, Counter]:
    """kind -> models in the stack -> model-epochs trained at that size."""
    out = {kind: Counter() for kind in KINDS}
    for stack in stacks:
        out[stack.kind].update(stack.sizes())
    return out
