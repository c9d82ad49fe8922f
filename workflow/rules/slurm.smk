# SLURM: resuming after a killed run (here, before the job graph is built) and the checks before
# the first job is submitted (slurm_preflight, which the Snakefile's onstart calls). The logic
# lives in dltips.slurm.
import sys
from pathlib import Path
from types import SimpleNamespace

from dltips import slurm
from dltips.contract import read_job
from dltips.tied import tied_spec


def get_orphan_outputs(since):
    """Outputs of the rules SLURM runs, with what each must match (see dltips.slurm.resume)."""
    datasets = {
        Path(f"{RESULTS}/data/{d}.npz"): {"dataset": d, **get_dataset_params(SimpleNamespace(dataset=d))}
        for d in DATASETS
    }
    # the tied runs' tables too, where the rate look trains them (dltips.tied)
    tables = list(rules.weight_tables.output) + expand(list(rules.derived_table.output), derived=DERIVED.names())
    return slurm.check_outputs(
        job_dirs={Path(f"{RESULTS}/runs/{name}"): job for name, job in JOBS.items()} | get_tied_specs(),
        datasets=datasets,
        rebuild_if_newer=tables,
        since=since,
    )


def get_tied_specs():
    """Each tied tree with the spec it must have: its trained job's tied runs (dltips.tied); None,
    which nothing matches, where that job's tree is itself not one to keep."""
    specs = {}
    for name, job in JOBS.items():
        trained, tied = Path(f"{RESULTS}/runs/{name}"), Path(f"{RESULTS}/tied/runs/{name}")
        if TRAIN_TIED and tied.exists():
            specs[tied] = tied_spec(read_job(trained)) if slurm.job_dir_matches(trained, job) else None
    return specs


if not (workflow.remote_exec or workflow.subprocess_exec):  # the main Snakemake, not a job
    try:
        slurm.resume(Path.cwd(), get_orphan_outputs, dryrun=workflow.output_settings.dryrun, log=logger.warning)
    except slurm.SlurmError as error:
        sys.exit(f"dltips: {error}")


def slurm_preflight():
    """Under the SLURM executor, before the first job is submitted (onstart): dltips.slurm.preflight."""
    if workflow.executor_plugin is not None and workflow.executor_plugin.name == "slurm":
        resources = workflow.resource_settings.default_resources or {}
        raw = {name: getattr(value, "raw", value) for name, value in resources.items()}  # as written
        try:
            slurm.preflight(raw, workflow.executor_settings, Path.cwd(), log=logger.warning)
        except slurm.SlurmError as error:
            sys.exit(f"dltips: {error}")


onsuccess:
    slurm.clear_record(Path.cwd())


onerror:
    slurm.clear_record(Path.cwd())
