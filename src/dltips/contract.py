"""What a job is, and what its directory holds: the one place that writes and reads them.

A job (dltips.plan) is the stack of runs one process trains: same dataset, activation,
optimizer and layer shapes; its runs differ in regularizer, initialization and seed. Training
writes one directory per job (dltips.jobs):

    job.json                 written last: the Job, each condition's rate, the tuning record
    <run>/config.json        resolved run config, seed, library versions
    <run>/metrics.json       summary (final/best metrics, diverged, epochs run)
    <run>/epochs.csv         per epoch and split: loss, accuracy
    <run>/layers.csv         per epoch and layer: gradient/weight statistics
    <run>/weights.pt         reported weights (load with weights_only=True)

job.json's layout (sorted keys, these key names) is that of every results folder written so
far, and Snakemake compares a job's params with the last run's: `Job.to_dict()` is exactly the
dict the plan always built, key order included. A job's training settings are typed
(training_settings.JobTraining: the declaration order is the key order, and a per-model
feature left at its default is not written, so adding one changes no finished job's spec);
the other nested settings (model, a run's regularizer parameters) stay the config's own JSON
values: their keys come from the config schema and the registries, not from here.

Torch-free: the Snakefile imports the plan, and with it this module, on every parse.
"""

import copy
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from .io import atomic_write, finite_or_none, read_json, write_json
from .training_settings import JobTraining

JOB_FILE = "job.json"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
EPOCHS_FILE = "epochs.csv"
LAYERS_FILE = "layers.csv"
WEIGHTS_FILE = "weights.pt"


@dataclass(frozen=True)
class RunSpec:
    """One model of a job: its regularizer variant, initialization and seed."""

    run: str  # its directory's name: `<variant>[-<init>]-s<seed>`
    variant: str  # the regularizer with its swept settings, e.g. `l1-strength0.001`
    regularizer: str
    reg_params: dict
    init: str
    seed: int

    @classmethod
    def from_dict(cls, spec: dict) -> "RunSpec":
        return cls(**copy.deepcopy(spec))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TunedRate:
    """Each condition's rate is searched on its own seeds (dltips.tuning)."""

    source: ClassVar[str] = "tune"
    grid: list
    bounds: list
    halving: dict | None
    min_gain_over_chance: float
    tune_epochs: int
    tune_seeds: list
    confirm_seeds: list
    confirm_epochs: int | None
    # a runner-up this many noise units from the pick is tied with it; None: a job tuned before ties
    # were measured (its job.json has no such key), read as it was written
    tie_within: float | None = None


@dataclass(frozen=True)
class FixedRate:
    """One rate for every run of the optimizer, given by the config."""

    source: ClassVar[str] = "fixed"
    value: float


@dataclass(frozen=True)
class GridRate:
    """The rate the grid's job of the same dataset, activation and optimizer chose per condition."""

    source: ClassVar[str] = "grid"
    grid_job: str


LearningRate = TunedRate | FixedRate | GridRate
RATE_SOURCES = {kind.source: kind for kind in (TunedRate, FixedRate, GridRate)}


def rate_from_dict(spec: dict) -> LearningRate:
    settings = {k: v for k, v in copy.deepcopy(spec).items() if k != "source"}
    return RATE_SOURCES[spec["source"]](**settings)


def rate_to_dict(rate: LearningRate) -> dict:
    return {"source": rate.source, **asdict(rate)}


@dataclass(frozen=True)
class Job:
    name: str  # `<study>-<dataset>-<activation>-<optimizer>[-d<depth>-w<width>]`, its directory
    study: str  # `grid` or a sweep's name
    dataset: str
    activation: str
    optimizer: str
    optimizer_params: dict
    model: dict  # depth, width and the activations' settings (config `model`, less `init`)
    inits: list
    # config `training` with the sweep's changes, less `device`, plus what to record; given as
    # a mapping (job.json's), it is validated into its type
    training: JobTraining
    learning_rate: LearningRate
    runs: tuple[RunSpec, ...]

    def __post_init__(self):
        if not isinstance(self.training, JobTraining):
            object.__setattr__(self, "training", JobTraining.model_validate(self.training))

    @classmethod
    def from_dict(cls, spec: dict) -> "Job":
        spec = copy.deepcopy(spec)
        return cls(name=spec["job"], study=spec["study"], dataset=spec["dataset"], activation=spec["activation"],
                   optimizer=spec["optimizer"], optimizer_params=spec["optimizer_params"], model=spec["model"],
                   inits=spec["inits"], training=spec["training"],
                   learning_rate=rate_from_dict(spec["learning_rate"]),
                   runs=tuple(RunSpec.from_dict(run) for run in spec["runs"]))

    def to_dict(self) -> dict:
        """The spec as the plan wrote it, key order included (Snakemake params, job.json)."""
        return {"job": self.name, "study": self.study, "dataset": self.dataset, "activation": self.activation,
                "optimizer": self.optimizer, "optimizer_params": copy.deepcopy(self.optimizer_params),
                "model": copy.deepcopy(self.model), "inits": list(self.inits),
                "training": self.training.spec(), "learning_rate": rate_to_dict(self.learning_rate),
                "runs": [run.to_dict() for run in self.runs]}

    @property
    def grid_job(self) -> str | None:
        """The grid job whose rates this job reuses, if it does."""
        return self.learning_rate.grid_job if isinstance(self.learning_rate, GridRate) else None

    def run_id(self, run: RunSpec) -> str:
        """The key that joins every table: `<job>/<run>`, as the run's directory."""
        return f"{self.name}/{run.run}"


@dataclass(frozen=True)
class ChosenRate:
    """A condition's rate and how it was chosen."""

    lr: float
    status: str  # interior, edge, untrainable (dltips.tuning) or fixed
    score: float | None  # its tuning score; None where nothing was tuned
    # the runner-up rates tied with it (dltips.tuning); None where nothing was tuned, and in
    # a job.json written before ties were marked. Not written where None, so a job that tunes
    # nothing keeps its job.json byte for byte
    tied: list[float] | None = None

    @classmethod
    def from_dict(cls, chosen: dict) -> "ChosenRate":
        return cls(**chosen)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "tied" or v is not None}


@dataclass(frozen=True)
class TrainedJob:
    """job.json: the Job and what training chose for it."""

    spec: Job
    lrs: dict[str, ChosenRate]  # condition key (dltips.tuning) -> its rate
    lr_source: str  # tuned, fixed or grid:<job>
    tuning: list[dict]  # every rate candidate's record (table `tuning`, less the job's columns)

    @classmethod
    def from_dict(cls, record: dict) -> "TrainedJob":
        return cls(spec=Job.from_dict({k: v for k, v in record.items() if k not in ("lrs", "lr_source", "tuning")}),
                   lrs={key: ChosenRate.from_dict(c) for key, c in record["lrs"].items()},
                   lr_source=record["lr_source"], tuning=record["tuning"])

    def to_dict(self) -> dict:
        return {**self.spec.to_dict(), "lrs": {key: c.to_dict() for key, c in self.lrs.items()},
                "lr_source": self.lr_source, "tuning": copy.deepcopy(self.tuning)}


def write_job(job_dir, trained: TrainedJob) -> None:
    """Written after every run's files: a job directory with job.json is complete."""
    write_json(Path(job_dir) / JOB_FILE, trained.to_dict())


def read_job(job_dir) -> TrainedJob:
    return TrainedJob.from_dict(read_json(Path(job_dir) / JOB_FILE))


def write_run(run_dir, config: dict, metrics: dict, epochs, layers, save_weights) -> None:
    """One run's files; `epochs`/`layers`: frames of tables.EPOCH_COLUMNS/LAYER_COLUMNS;
    `save_weights(path)` writes its weights file."""
    from .tables import RUN_EPOCHS, RUN_LAYERS, write_columns

    run_dir = Path(run_dir)
    write_json(run_dir / CONFIG_FILE, config)
    write_json(run_dir / METRICS_FILE, finite_or_none(metrics))
    write_columns(RUN_EPOCHS, run_dir / EPOCHS_FILE, epochs)
    write_columns(RUN_LAYERS, run_dir / LAYERS_FILE, layers)
    atomic_write(run_dir / WEIGHTS_FILE, save_weights)


@dataclass(frozen=True)
class RunDir:
    """A trained run's directory, read on demand."""

    job: TrainedJob
    spec: RunSpec
    path: Path

    @property
    def id(self) -> str:
        return self.job.spec.run_id(self.spec)

    @cached_property
    def config(self) -> dict:
        """The resolved run config: the job's settings, the run's, its `regularization`, `lr`,
        `lr_source`, `lr_status`, `lr_at_edge`, `device` and `versions`."""
        return read_json(self.path / CONFIG_FILE)

    @cached_property
    def metrics(self) -> dict:
        """The run's summary: the metric columns of table `runs` (tables.RUN_METRICS)."""
        return read_json(self.path / METRICS_FILE)

    @property
    def diverged(self) -> bool:
        return bool(self.metrics["diverged"])

    def epochs(self):
        from .tables import RUN_EPOCHS, read_columns

        return read_columns(RUN_EPOCHS, self.path / EPOCHS_FILE)

    def layers(self):
        from .tables import RUN_LAYERS, read_columns

        return read_columns(RUN_LAYERS, self.path / LAYERS_FILE)

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS_FILE

    def weights(self) -> dict:
        """The reported weights, parameter name -> tensor."""
        return load_weights(self.weights_path)


def load_weights(path) -> dict:
    """A weights file's tensors; weights_only: a file that carries code is refused, never run."""
    import torch

    return torch.load(path, weights_only=True)


def read_runs(job_dir, runs: list[str] | None = None) -> tuple[TrainedJob, list[RunDir]]:
    """A job directory's record and its runs (all, or those named in `runs`) in the job's order."""
    job_dir = Path(job_dir)
    trained = read_job(job_dir)
    return trained, [RunDir(trained, run, job_dir / run.run) for run in trained.spec.runs
                     if runs is None or run.run in runs]


def first_run_config(job_dir) -> dict | None:
    """The config of a job's first run that has one (complete job or not), for what all its runs share."""
    first = next(iter(sorted(Path(job_dir).glob(f"*/{CONFIG_FILE}"))), None)
    return None if first is None else read_json(first)
