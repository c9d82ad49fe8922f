"""Train the reported runs again at the rates tied with their arm's pick (the rate look).

An *arm* is a rate decision: a condition of the job whose search chose the rate
(tuning.arm_of). Where the search found runner-up rates tied with the pick (ChosenRate.tied),
which of them won is noise, so every reported run of that arm is trained again at each tied
rate: the same spec, seed, init and regularizer, only the rate differs. A tied run is named
`<run>@lr=<rate>` (its id `<job>/<run>@lr=<rate>`), so every table built from run
directories keys it apart from the run it stands in for, and the judging can swap one for the
other.

A job that reuses the grid's rate (GridRate) has the grid job's ties for the same condition
(its job.json copies the grid's ChosenRate): its runs are trained at those rates, and they
share the grid job's arm, since a world where the grid picked another rate is one where this
job trains at it too.

The tied tree has the layout of a trained job's (dltips.contract): one directory per job, its
job.json (the spec, its runs the tied ones; `lrs` the trained job's picks with their ties;
no tuning record) written last, so a job without ties has a job.json and no runs. The train
job trains them after its reported runs, in the same process (dltips.jobs.run_job). Runs are
written as each stack ends into the tree's staging folder (dltips.staging) and moved into
place at the end: a job interrupted and started again trains only the stacks that had not
finished.
"""

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from .contract import Job, RunSpec, TrainedJob, read_job, write_job
from .progress import EpochLog
from .staging import finished_run, staging
from .tuning import condition_of, rate_status

RATE_MARK = "@lr="
# a rule's inputs and outputs of the tied runs are named `tied_<name>` beside the reported runs' `<name>`
TIED_PREFIX = "tied_"


def tied_name(run: str, lr: float) -> str:
    """The name of `run` trained at the tied rate `lr`."""
    return f"{run}{RATE_MARK}{lr:g}"


def rate_suffix(run: str) -> str:
    """`@lr=<rate>` of a tied run's name; empty for a reported run's."""
    return run[run.index(RATE_MARK):] if RATE_MARK in run else ""


def split_tied(named) -> tuple[dict, dict]:
    """A rule's named files (name -> path) split into the reported runs' and the tied runs'
    (`tied_<name>`), each keyed by `<name>`."""
    own = {k: v for k, v in named.items() if not k.startswith(TIED_PREFIX)}
    tied = {k.removeprefix(TIED_PREFIX): v for k, v in named.items() if k.startswith(TIED_PREFIX)}
    return own, tied


@dataclass(frozen=True)
class TiedRun:
    spec: RunSpec  # the reported run's, renamed (tied_name)
    lr: float
    status: str  # how the rate would stand as the pick (tuning.rate_status)


def tied_status(rate_job: TrainedJob, key: str, lr: float, n_classes: int) -> str:
    """The status `lr` would have had as condition `key`'s pick, from the tuning record of
    the job whose search tried it."""
    own = [r for r in rate_job.tuning if r["condition"] == key]
    score = next(r["score"] for r in own if r["lr"] == lr and r.get("score") is not None)
    trains_above = 1.0 / n_classes + float(rate_job.spec.learning_rate.min_gain_over_chance)
    return rate_status(lr, score, {r["lr"] for r in own}, trains_above)


def _tied(trained: TrainedJob) -> list[tuple[RunSpec, str, float]]:
    """(tied run spec, condition key, rate) of each reported run whose pick has tied rates, at each."""
    return [(replace(run, run=tied_name(run.run, lr)), condition_of(run).key, lr) for run in trained.spec.runs
            for lr in trained.lrs[condition_of(run).key].tied or []]


def tied_runs(trained: TrainedJob, rate_job: TrainedJob, n_classes: int) -> list[TiedRun]:
    """Each reported run of `trained` whose condition's pick has tied rates, at each of them;
    `rate_job`: the job whose search chose the rates (`trained` itself, or its grid job)."""
    return [TiedRun(spec, lr, tied_status(rate_job, key, lr, n_classes)) for spec, key, lr in _tied(trained)]


def tied_spec(trained: TrainedJob) -> Job:
    """The spec of the tied tree of a trained job: its own, with the tied runs."""
    return replace(trained.spec, runs=tuple(spec for spec, _, _ in _tied(trained)))


def tied_job(trained: TrainedJob) -> TrainedJob:
    """The tied tree's job.json: the tied spec, the trained job's picks and ties, no tuning record."""
    return TrainedJob(spec=tied_spec(trained), lrs=trained.lrs, lr_source=trained.lr_source, tuning=[])


@dataclass(frozen=True)
class TiedPhase:
    summary: str  # the console's line
    model_epochs: int  # trained in this start (the runs kept from an earlier one are not)


def run_tied(trained_dir, data, out_dir, device: str = "auto", grid_dir=None) -> TiedPhase:
    """Trains the tied runs of the job trained in `trained_dir` into `out_dir` on `data` (a loaded
    dataset; `grid_dir`: the grid job's tree, where the job reuses the grid's rates), in the
    process's torch settings (dltips.jobs.run_job sets them)."""
    from .jobs import members_of, run_config, train_by_rate, write_result  # torch: not to check a tree's spec
    from .provenance import versions

    out_dir = Path(out_dir)
    partial = staging(out_dir)
    trained = read_job(trained_dir)
    job: Job = trained.spec
    runs = tied_runs(trained, read_job(grid_dir) if grid_dir else trained, data.n_classes)
    members = members_of(job, [t.spec for t in runs], [t.lr for t in runs])
    env = versions()
    configs = [run_config(job, t.spec, m, trained.lr_source, t.status, device, env) for t, m in zip(runs, members)]
    # a rate's stack is kept from an interrupted start only where each of its runs was written
    # whole with these very settings; the others train again, bit for bit as they would have
    done_rates = {m.lr for m in members} - {m.lr for t, m, c in zip(runs, members, configs)
                                            if not finished_run(partial / t.spec.run, c)}
    todo = [i for i, m in enumerate(members) if m.lr not in done_rates]

    def write_stack(which, results):
        for i in which:
            write_result(partial / runs[todo[i]].spec.run, configs[todo[i]], results[i])

    progress = EpochLog("tied")
    results = train_by_rate(job, [members[i] for i in todo], data, device, progress, on_stack=write_stack)
    out_dir.mkdir(parents=True, exist_ok=True)
    for t in runs:
        target = out_dir / t.spec.run
        if target.exists():
            shutil.rmtree(target)
        (partial / t.spec.run).rename(target)
    write_job(out_dir, tied_job(trained))
    shutil.rmtree(partial, ignore_errors=True)
    rates = ", ".join(sorted({f"{condition_of(t.spec).key} {t.lr:g}" for t in runs})) or "no tied rate"
    kept = len(runs) - len(todo)
    summary = progress.summary(f"{job.name} (tied)", rates, trained.lr_source, results) + \
        (f"; {kept} runs kept from an interrupted start" if kept else "")
    return TiedPhase(summary, sum(int(r.summary["epochs_run"]) for r in results))
