"""Run one job: choose its learning rate, train its stack, write one directory per run
(layout: dltips.contract); then, with the rate look on, its runs again at the rates tied with
their arm's pick (dltips.tied), in the same process."""

import shutil
import time
from pathlib import Path

import pandas as pd
import torch

from . import data as datasets
from .contract import (JOB_FILE, ChosenRate, FixedRate, GridRate, Job, RunSpec, TrainedJob, TunedRate, read_job,
                       write_job, write_run)
from .data import SPLITS
from .process import configure_torch
from .progress import EpochLog
from .provenance import versions
from .regularizers import build as build_regularizer
from .tables import EPOCH_COLUMNS, LAYER_COLUMNS
from .trainer import Member, StackConfig, resolve_device, train
from .phases import RATE_SEARCH, STARTUP, TIED_RUNS, TRAINING, WRITING, PhaseClock
from .staging import finished_run, publish, staging
from .tied import run_tied
from .timing_file import CONFIRMATION, REPORTED, SEARCH, TIED, write_timing
from .tuning import CONFIRMED, EDGE, UNSTABLE, condition_of, conditions_of, tune
from .words import count


def stack_config(job: Job, epochs: int | None = None, tuning: bool = False) -> StackConfig:
    """The job's stack settings; `tuning`: record only what the rate search reads (validation)
    and, for the claims' rate curves, each candidate's training loss and accuracy at its last
    epoch (the train split, at the epochs a summary reads: no curves)."""
    t = job.training
    return StackConfig(
        activation=job.activation,
        optimizer=job.optimizer,
        model=job.model,
        optimizer_params=job.optimizer_params,
        epochs=epochs or t.epochs,
        batch_size=t.batch_size,
        probe_size=t.probe_size,
        stats_epochs=t.layer_epochs,
        stats_every=t.stats_every,
        train_eval_size=t.train_eval_size,
        splits=("train", "val") if tuning else SPLITS,
        curves=t.curves and not tuning,
        layer_stats=t.layer_stats and not tuning,
        plateau_patience=t.plateau_patience,  # a candidate trains as its runs will
        divergence_factor=t.divergence_factor,
    )


def choose_learning_rates(job: Job, data, device: str, grid_dir: Path | None) -> tuple[dict, str, list]:
    """(condition key -> ChosenRate, source, tuning record) for the job's conditions
    (dltips.tuning): tuned here, fixed by the config, or taken from the grid job's choice for
    the same condition."""
    lr = job.learning_rate
    keys = conditions_of(job)
    if isinstance(lr, FixedRate):
        return {k: ChosenRate(lr=float(lr.value), status="fixed", score=None) for k in keys}, "fixed", []
    if isinstance(lr, GridRate):
        grid_lrs = read_job(grid_dir).lrs
        missing = [k for k in keys if k not in grid_lrs]
        if missing:
            raise ValueError(f"job {job.name}: learning_rate source 'grid' needs a rate for condition(s) "
                             f"{missing}, but {lr.grid_job} tuned only {sorted(grid_lrs)}")
        return {k: grid_lrs[k] for k in keys}, f"grid:{lr.grid_job}", []
    log = EpochLog("tuning")

    def logged_train(cfg, members, data, device, stopping=()):
        return train(cfg, members, data, device, observers=[log], stopping=stopping)

    chosen, record = tune(job, data, device, stack_config(job, epochs=lr.tune_epochs, tuning=True), logged_train)
    return {k: ChosenRate.from_dict(c) for k, c in chosen.items()}, "tuned", record


def members_of(job: Job, runs, rates: list[float]) -> list[Member]:
    """The stack members of `runs`, each at its rate."""
    return [Member.of(job.training, seed=r.seed, lr=lr, reg=build_regularizer(r.regularizer, r.reg_params),
                      init=r.init) for r, lr in zip(runs, rates)]


def train_by_rate(job: Job, members: list[Member], data, device: str, progress, on_stack=None,
                  clock: PhaseClock | None = None) -> list:
    """Every member's result, trained in one stack per rate: a model trained in a stack sharing
    its rate takes bit for bit the steps it takes alone (optimizers.PerModelLR). `on_stack(which,
    results)` hears of each stack as it ends (`which`: its members' indices). `clock`: where the
    training, its evaluations and its layer statistics charge their seconds (dltips.phases)."""
    clock = clock or PhaseClock()
    results: list = [None] * len(members)
    for rate in sorted({m.lr for m in members}):
        which = [i for i, m in enumerate(members) if m.lr == rate]
        with clock.phase(TRAINING):
            stack = train(stack_config(job), [members[i] for i in which], data, device, observers=[progress],
                          clock=clock)
        for i, result in zip(which, stack):
            results[i] = result
        if on_stack:
            on_stack(which, results)
    return results


def run_config(job: Job, run: RunSpec, member: Member, lr_source: str, lr_status: str, device: str, env: dict) -> dict:
    """A run's config.json (dltips.contract.RunDir.config)."""
    spec = job.to_dict()
    return {
        **{k: spec[k] for k in ("job", "study", "dataset", "activation", "optimizer", "optimizer_params", "model",
                                "training")},
        **run.to_dict(),
        "regularization": member.reg.as_dict(),
        "lr": member.lr,
        "lr_source": lr_source,
        "lr_status": lr_status,
        "lr_at_edge": lr_status == EDGE,
        "device": str(resolve_device(device)),  # what ran it: auto resolves to cuda or cpu
        "versions": env,
    }


def write_result(run_dir, config: dict, result) -> None:
    """A trained run's directory: its config, summary, curves, layer statistics and weights."""
    write_run(run_dir, config, result.summary, pd.DataFrame(result.epochs, columns=EPOCH_COLUMNS),
              pd.DataFrame(result.layers, columns=LAYER_COLUMNS), lambda tmp, s=result.state: torch.save(s, tmp))


def finished_job(job: Job, tree, data_path, data, device: str, grid_dir: Path | None, env: dict) -> TrainedJob | None:
    """The job's record in `tree` where the tree is whole, written after its data file (older:
    the data were built again since), and each of its runs was written with the very config
    this start would write (its rates too: a fixed or the grid's rate as they stand now), else None."""
    try:
        trained = read_job(tree)
        written = (Path(tree) / JOB_FILE).stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError):  # absent, cut short, or not a job's record
        return None
    if trained.spec != job or written < Path(data_path).stat().st_mtime:
        return None
    lrs, lr_source = trained.lrs, trained.lr_source
    if not isinstance(job.learning_rate, TunedRate):  # read, not searched: as cheap as a check
        lrs, lr_source, _ = choose_learning_rates(job, data, device, grid_dir)
    chosen = [lrs.get(condition_of(r).key) for r in job.runs]
    if None in chosen:
        return None
    members = members_of(job, job.runs, [c.lr for c in chosen])
    return trained if all(finished_run(Path(tree) / run.run, run_config(job, run, member, lr_source, c.status,
                                                                        device, env))
                          for run, member, c in zip(job.runs, members, chosen)) else None


def train_reported(job: Job, data, out_dir: Path, device: str, grid_dir: Path | None, clock: PhaseClock,
                   env: dict) -> tuple[TrainedJob, list, str]:
    """The job's rates chosen and its reported runs trained and written into `out_dir`, job.json
    last; (its record, the runs' results, the console's summary line)."""
    with clock.phase(RATE_SEARCH):
        lrs, lr_source, tuning = choose_learning_rates(job, data, device, grid_dir)
    chosen = [lrs[condition_of(r).key] for r in job.runs]
    members = members_of(job, job.runs, [c.lr for c in chosen])
    progress = EpochLog("training")
    results = train_by_rate(job, members, data, device, progress, clock=clock)
    with clock.phase(WRITING):
        for run, member, result, lr in zip(job.runs, members, results, chosen):
            write_result(out_dir / run.run, run_config(job, run, member, lr_source, lr.status, device, env), result)
    trained = TrainedJob(spec=job, lrs=lrs, lr_source=lr_source, tuning=tuning)
    write_job(out_dir, trained)
    rates = ", ".join(f"{key} {c.lr:g}" for key, c in sorted(lrs.items()))
    return trained, results, progress.summary(job.name, rates, lr_source, results)


def run_job(job: Job, data_path, out_dir, device: str = "auto", threads: int = 1, grid_dir=None,
            started: float | None = None, tied_dir=None) -> str:
    """Trains the job's reported runs into `out_dir` and, given `tied_dir`, its runs again at the
    rates tied with their arm's pick into `tied_dir` (dltips.tied), in this one process; returns
    the console's summary lines (the epochs go to stdout, the job's log).

    Each tree is written in its staging folder and moved into place at the end, the tied tree
    first (dltips.staging): a start after an interruption keeps the reported runs where their
    tree was written whole with these settings, and the tied stacks that had finished, and
    trains the rest. `started`: when the process started (seconds since the epoch), so its
    timing file counts the start-up (imports) too."""
    clock = PhaseClock()
    with clock.phase(STARTUP):
        configure_torch(threads)
        out_dir, grid_dir = Path(out_dir), Path(grid_dir) if grid_dir else None
        data = datasets.load(data_path)
        env = versions()
    if started is not None:  # the process's imports, before the clock: all its CPU time until then
        before = time.time() - clock.seconds[STARTUP] - started
        clock.add(STARTUP, max(0.0, before), max(0.0, time.process_time() - clock.cpu_seconds[STARTUP]))
    staged = staging(out_dir)
    trained = finished_job(job, staged, data_path, data, device, grid_dir, env)
    if trained is None:
        shutil.rmtree(staged, ignore_errors=True)
        if tied_dir is not None:  # tied runs are kept only beside the reported runs they were trained with
            shutil.rmtree(staging(tied_dir), ignore_errors=True)
        trained, results, summary = train_reported(job, data, staged, device, grid_dir, clock, env)
        trained_now = model_epochs(results, trained.tuning)
    else:
        trained_now = dict.fromkeys((REPORTED, SEARCH, CONFIRMATION), 0)
        summary = f"{job.name}: {count(len(job.runs), 'run')} kept, written whole with these settings by an earlier start"
    with clock.phase(TIED_RUNS):  # recorded, at zero seconds, where the rate look is off
        if tied_dir is not None:
            tied = run_tied(staged, data, tied_dir, device, grid_dir)
            trained_now[TIED] = tied.model_epochs
            summary += f"\n{tied.summary}"
    write_timing(staged, clock.seconds, trained_now, threads, started, clock.cpu_seconds)
    publish(staged, out_dir)
    return summary


def model_epochs(results, tuning: list[dict]) -> dict[str, int]:
    """The models' epochs a job trained: its reported runs', its rate search's and its
    confirmations' (epoch 0, an evaluation before any update, is none)."""
    confirming = {CONFIRMED, UNSTABLE}
    return {
        REPORTED: sum(int(r.summary["epochs_run"]) for r in results),
        SEARCH: sum(int(r["epochs_trained"]) for r in tuning if r["fate"] not in confirming),
        CONFIRMATION: sum(int(r["epochs_trained"]) for r in tuning if r["fate"] in confirming),
    }
