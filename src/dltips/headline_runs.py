"""The runs the claims' headline verdicts read, and the plan cut to them (config `trains:
headlines`, the quick preset).

Each claim declares what its headline verdict reads (Claim.reads): selectors, each a mapping of
a run's axes to the values it takes (one value or a list; an axis left out takes any). A depth
may also be `deepest` or `shallowest` (of the jobs the selector's other axes name, as the
claims resolve it), or `deepest_trained`, which only the trained runs decide, so every depth.
`reg_params` names regularizer settings a run must have; `derived` names a table built from
models (config `derived_tables`), for the runs of the studies and jobs it is built from.

A job of the cut plan is the job of the whole plan with fewer runs, nothing else changed: each
run trains in its stack bit for bit as alone (optimizers.PerModelLR; one stack per rate), and
the rate search tunes each condition of a job on its own candidates and seeds (dltips.tuning),
so a condition kept keeps its pick and its runs their numbers. A job whose rate comes from the
grid job keeps that grid job's runs of its variants and inits, where their rates are tuned.
"""

from dataclasses import replace

from . import claims
from .config import ConfigError
from .contract import Job, RunSpec
from .derived import DERIVED

ALL, HEADLINES = "all", "headlines"
DEPTH_WORDS = ("deepest", "shallowest", "deepest_trained")
JOB_AXES = ("study", "dataset", "activation", "optimizer", "depth", "width")
RUN_AXES = ("init", "regularizer", "variant", "seed")
KEYS = (*JOB_AXES, *RUN_AXES, "reg_params", "derived")


def _values(value) -> list:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _job_axes(job: Job) -> dict:
    return {"study": job.study, "dataset": job.dataset, "activation": job.activation, "optimizer": job.optimizer,
            "depth": job.model["depth"], "width": job.model["width"]}


def _run_axes(run: RunSpec) -> dict:
    return {"init": run.init, "regularizer": run.regularizer, "variant": run.variant, "seed": run.seed}


def _job_matches(selector: dict, job: Job, config: dict, skip_depth: bool = False) -> bool:
    axes = _job_axes(job)
    for key, want in selector.items():
        if key == "derived":
            if not any(job.study in (config.get("derived_tables") or {}).get(name, []) and DERIVED[name].reads(job)
                       for name in _values(want)):
                return False
        elif key in JOB_AXES and not (key == "depth" and skip_depth) and axes[key] not in _values(want):
            return False
    return True


def _depths(selector: dict, jobs: dict[str, Job], config: dict) -> set:
    """The depths a selector takes, its words resolved over the jobs its other axes name."""
    wanted = _values(selector["depth"])
    own = sorted({job.model["depth"] for job in jobs.values() if _job_matches(selector, job, config, skip_depth=True)})
    out = {d for d in wanted if d not in DEPTH_WORDS}
    if own:
        out |= {own[-1]} if "deepest" in wanted else set()
        out |= {own[0]} if "shallowest" in wanted else set()
        out |= set(own) if "deepest_trained" in wanted else set()
    return out


def _run_matches(selector: dict, run: RunSpec) -> bool:
    axes = _run_axes(run)
    for key, want in selector.items():
        if key == "reg_params":
            if any(run.reg_params.get(k) not in _values(v) for k, v in want.items()):
                return False
        elif key in axes and axes[key] not in _values(want):
            return False
    return True


def selectors(config: dict) -> dict[str, tuple[dict, ...]]:
    """claim id -> the selectors of the runs its headline verdict reads, for every judged claim;
    a ConfigError naming a judged claim that declares none."""
    out = {}
    for claim_id, given in (config.get("claims") or {}).items():
        claim = claims.get(claim_id)
        if claim.reads is None:
            raise ConfigError(f"config key 'trains': {HEADLINES!r} needs every judged claim to declare the runs its "
                              f"headline verdict reads (Claim.reads); claim {claim_id!r} declares none. Allowed "
                              f"values: {ALL}, {HEADLINES} (with {claim_id!r} declaring its reads, or out of claims:)")
        out[claim_id] = tuple(claim.reads(claims.settings_of(claim_id, given)))
        unknown = sorted({key for selector in out[claim_id] for key in selector if key not in KEYS})
        if unknown:  # an axis misspelt would select every run, silently
            raise ValueError(f"claim {claim_id!r}: its reads name {unknown}, not run axes; allowed: {', '.join(KEYS)}")
    return out


def matching(selector: dict, jobs: dict[str, Job], config: dict) -> dict[str, list[RunSpec]]:
    """job name -> its runs the selector names (jobs with none left out)."""
    depths = _depths(selector, jobs, config) if "depth" in selector else None
    out = {}
    for name, job in jobs.items():
        if not _job_matches(selector, job, config, skip_depth=True):
            continue
        if depths is not None and job.model["depth"] not in depths:
            continue
        runs = [run for run in job.runs if _run_matches(selector, run)]
        if runs:
            out[name] = runs
    return out


def cut(jobs: dict[str, Job], config: dict) -> dict[str, Job]:
    """The plan cut to the runs the judged claims' headline verdicts read, in the plan's order
    (jobs and runs); a grid-rate job keeps its grid job's runs of its variants and inits."""
    kept: dict[str, set[str]] = {}
    for claim_selectors in selectors(config).values():
        for selector in claim_selectors:
            for name, runs in matching(selector, jobs, config).items():
                kept.setdefault(name, set()).update(run.run for run in runs)
    for name in list(kept):
        grid_job = jobs[name].grid_job
        if grid_job is not None and grid_job in jobs:
            # its runs' own variants there: enough to tune their conditions, none trained for nothing else
            own = {(run.variant, run.init) for run in jobs[name].runs if run.run in kept[name]}
            kept.setdefault(grid_job, set()).update(
                run.run for run in jobs[grid_job].runs if (run.variant, run.init) in own)
    return {name: replace(job, runs=tuple(run for run in job.runs if run.run in kept[name]))
            for name, job in jobs.items() if name in kept}
