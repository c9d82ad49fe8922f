"""From a validated config to the jobs that train it.

A run is one model: (dataset, activation, optimizer, regularizer, seed) plus architecture.
A job is the stack of runs that can train side by side in one process: same dataset,
activation, optimizer and layer shapes; its runs differ in regularizer, initialization and
seed. A job's
spec holds only what its runs depend on, so Snakemake retrains a job only when one of its
own runs changes -- adding an activation or optimizer adds jobs and leaves the others alone.
"""

import itertools

from .claims import curve_studies, layer_schedule
from .config import ConfigError, deep_merge
from .headline_runs import HEADLINES, cut
from .contract import Job
from .regularizers import REGULARIZERS
from .training_settings import JobTraining, TrainingConfig, TrainingSettings

GRID = "grid"


def seed_list(value) -> list[int]:
    return list(range(value)) if isinstance(value, int) else list(value)


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key_prefix(study: str) -> str:
    """Where a study's settings sit in the config, for error messages."""
    return "" if study == GRID else f"sweeps.{study}."


def regularizer_variants(names, base: dict, override: dict, where: str = "") -> list[tuple[str, str, dict]]:
    """(tag, regularizer, params) per variant; list-valued params in `override` expand.
    Each variant is built once here, so a setting its regularizer needs and does not get
    stops the plan (`where`: the config key the override sits under), not a training job."""
    out = []
    for name in names:
        params = deep_merge(base.get(name, {}), override.get(name, {}))
        swept = {k: v for k, v in params.items() if isinstance(v, list)}
        for values in itertools.product(*swept.values()):
            chosen = {**params, **dict(zip(swept, values))}
            try:
                REGULARIZERS[name](chosen)
            except KeyError as missing:
                raise ConfigError(f"config key '{where}regularizer_params.{name}': regularizer {name!r} needs "
                                  f"{missing.args[0]!r}; given: {sorted(chosen) or 'nothing'}") from None
            tag = "-".join([name] + [f"{k}{_fmt(v)}" for k, v in zip(swept, values)])
            if any(tag == seen for seen, _, _ in out):  # two values that print alike would share a run name
                raise ConfigError(f"config key '{where}regularizer_params.{name}': two variants are both {tag!r}; "
                                  "give distinct values")
            out.append((tag, name, chosen))
    return out


def tune_epochs(lr_cfg: dict, training: TrainingSettings) -> int:
    """A candidate's budget: as long as the runs it is chosen for train, unless set. A rate
    chosen on a shorter horizon is chosen for another problem: measured on the grid, PReLU/SGD
    picked 1.0 on 15 epochs and 17 of its 25 runs then diverged within 40."""
    return lr_cfg.get("tune_epochs") or training.epochs


def _check_tuning(lr_cfg: dict, seeds: list[int], where: str, training: TrainingSettings) -> None:
    """A rate is never picked on the seeds it is judged on, and the grid lies within its bounds."""
    tune_seeds = seed_list(lr_cfg["tune_seeds"])
    for key, example, own, others in (("tune_seeds", "[1000]", tune_seeds, set(seeds)),
                                      ("confirm_seeds", "[1001]", seed_list(lr_cfg.get("confirm_seeds") or []),
                                       set(seeds) | set(tune_seeds))):
        shared = sorted(set(own) & others)
        if shared:
            raise ConfigError(f"config key '{where}learning_rate.{key}': seed(s) {shared} are also reported or tuning "
                              f"seeds; they must be disjoint from both (e.g. {example})")
    low, high = lr_cfg["bounds"]
    outside = [x for x in lr_cfg["grid"] if not low <= x <= high]
    if low >= high or outside:
        raise ConfigError(f"config key '{where}learning_rate.bounds': {[low, high]} must be increasing and hold "
                          f"every grid value; outside: {outside}")
    halving = lr_cfg.get("halving")
    budget = tune_epochs(lr_cfg, training)
    late = [e for e in (halving or {}).get("at", []) if e >= budget]
    if late:
        raise ConfigError(f"config key '{where}learning_rate.halving.at': epoch(s) {late} are not before the "
                          f"tuning budget ({budget} epochs: tune_epochs, else training.epochs)")


def _job(config, study, dataset, activation, optimizer, model, inits, training, lr_cfg, reg_variants, seeds):
    arch = "" if study == GRID else f"-d{model['depth']}-w{model['width']}"
    name = f"{study}-{dataset}-{activation}-{optimizer}{arch}"
    lr = {"source": lr_cfg["source"]}
    if lr_cfg["source"] == "tune":
        lr.update({k: lr_cfg[k] for k in ("grid", "bounds", "halving", "min_gain_over_chance")},
                  tune_epochs=tune_epochs(lr_cfg, training), tune_seeds=seed_list(lr_cfg["tune_seeds"]),
                  confirm_seeds=seed_list(lr_cfg.get("confirm_seeds") or []),
                  confirm_epochs=lr_cfg.get("confirm_epochs"), tie_within=lr_cfg["tie_within"])
    elif lr_cfg["source"] == "fixed":
        if optimizer not in lr_cfg["fixed"]:
            raise ConfigError(
                f"config key '{_key_prefix(study)}learning_rate.fixed': no rate for "
                f"optimizer {optimizer!r}; give one, or use source: tune"
            )
        lr["value"] = lr_cfg["fixed"][optimizer]
    else:  # reuse what the grid tuned for this (dataset, activation, optimizer)
        lr["grid_job"] = f"{GRID}-{dataset}-{activation}-{optimizer}"
    return name, Job.from_dict({
        "job": name,
        "study": study,
        "dataset": dataset,
        "activation": activation,
        "optimizer": optimizer,
        "optimizer_params": config["optimizer_params"].get(optimizer, {}),
        "model": model,
        "inits": inits,
        "training": training,
        "learning_rate": lr,
        "runs": [
            {
                "run": f"{tag}{init_tag}-s{seed}",
                "variant": tag,
                "regularizer": reg,
                "reg_params": params,
                "init": init,
                "seed": seed,
            }
            for tag, reg, params in reg_variants
            for init, init_tag in ((i, "" if len(inits) == 1 else f"-{i}") for i in inits)
            for seed in seeds
        ],
    })


def _recording(config: dict, study: str, training: TrainingSettings) -> dict:
    """What a study's runs record beyond what their summaries need: per-layer statistics at the
    epochs the claims read them (claims.layer_schedule) and every `training.stats_every` epochs
    where that is set; every split at every epoch where a claim draws the course of training."""
    claims = config.get("claims") or {}
    read = layer_schedule(claims).get(study)
    every = 1 if read and read["every_epoch"] else training.stats_every
    return {"layer_stats": read is not None or every is not None,
            "layer_epochs": read["epochs"] if read else [], "stats_every": every,
            "curves": study in curve_studies(claims)}


def _study_jobs(config: dict, study: str, axes: dict) -> dict:
    base_model = {k: v for k, v in config["model"].items() if k != "init"}
    inits = axes.get("inits", [config["model"]["init"]])
    settings = TrainingConfig.model_validate(deep_merge(config["training"], axes.get("training", {})))
    training = JobTraining.of(settings, **_recording(config, study, settings))
    lr_cfg = deep_merge(config["learning_rate"], axes.get("learning_rate", {}))
    where = _key_prefix(study)
    if lr_cfg["source"] == "tune":
        if "grid" not in lr_cfg:
            raise ConfigError(f"config key '{where}learning_rate': source 'tune' needs 'grid'; give it, "
                              "or use source: fixed")
        _check_tuning(lr_cfg, seed_list(axes["seeds"]), where, training)
    variants = regularizer_variants(
        axes["regularizers"], config["regularizer_params"], axes.get("regularizer_params", {}), where
    )
    seeds = seed_list(axes["seeds"])
    jobs = {}
    for dataset, activation, optimizer, depth, width in itertools.product(
        axes["datasets"],
        axes["activations"],
        axes["optimizers"],
        axes.get("depths", [base_model["depth"]]),
        axes.get("widths", [base_model["width"]]),
    ):
        model = {**base_model, "depth": depth, "width": width}
        name, job = _job(
            config, study, dataset, activation, optimizer, model, inits, training, lr_cfg, variants, seeds
        )
        jobs[name] = job
    return jobs


def plan(config: dict) -> dict[str, Job]:
    """job name -> Job, for the grid and every sweep; where config `trains` is `headlines`, cut to
    the runs the claims' headline verdicts read (dltips.headline_runs)."""
    jobs = _study_jobs(config, GRID, config["grid"])
    for study, sweep in (config.get("sweeps") or {}).items():
        axes = {**{k: config["grid"][k] for k in ("datasets", "activations", "optimizers", "regularizers", "seeds")}, **sweep}
        jobs.update(_study_jobs(config, study, axes))
    for job in jobs.values():
        if job.grid_job is not None and job.grid_job not in jobs:
            raise ConfigError(
                f"config key '{_key_prefix(job.study)}learning_rate.source': 'grid' needs the grid to train "
                f"{job.dataset}/{job.activation}/{job.optimizer}; add them to grid: or use tune/fixed"
            )
    return cut(jobs, config) if config.get("trains") == HEADLINES else jobs


def datasets_used(jobs: dict[str, Job]) -> list[str]:
    return sorted({job.dataset for job in jobs.values()})


def train_eval_sizes(jobs: dict[str, Job]) -> dict[str, list[int | None]]:
    """Dataset -> the distinct training.train_eval_size of the jobs that train it (the rows of
    table datasets: dltips.dataset_sizes)."""
    out: dict[str, set] = {}
    for job in jobs.values():
        out.setdefault(job.dataset, set()).add(job.training.train_eval_size)
    return {name: sorted(sizes, key=lambda n: -1 if n is None else n) for name, sizes in sorted(out.items())}
