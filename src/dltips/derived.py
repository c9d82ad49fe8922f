"""Tables computed from trained models (not from training logs), one entry each.

Each entry has a function (job_dir, dataset) -> DataFrame; the table is the concatenation
over the jobs it reads: those of the studies config `derived_tables.<name>` names (and, within
them, those the entry can read at all). It is empty, with no rows, where those studies train
none -- the claims reading it then say `inconclusive`, never crash. Columns: dltips.tables.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data
from .config import ConfigError
from .contract import Job, read_job
from .tuning import conditions_of
from .lazy import posthoc
from .registry import Registry
from .tables import empty, write_table


@dataclass(frozen=True)
class Derived:
    compute: Callable[[Path, data.Dataset], pd.DataFrame]  # (job_dir, dataset) -> the job's rows
    reads: Callable[[Job], bool] = lambda job: True  # of the configured studies' jobs, those it can read
    # its rows pool a job's runs (an ensemble averages them): a job of several rate conditions
    # would pool unlike nets, and the rate look could not swap one arm's rows alone
    one_arm_per_job: bool = False


def _dropout_evaluation(job_dir, dataset):
    return posthoc.dropout_evaluation(job_dir, dataset)


def _ensemble_evaluation(job_dir, dataset):
    return posthoc.ensemble_evaluation(job_dir, dataset)


def _maxout_table(job_dir, dataset):
    return posthoc.maxout_table(job_dir, dataset)


DERIVED: Registry[Derived] = Registry("derived table")
DERIVED.register("dropout_eval", Derived(_dropout_evaluation))
DERIVED.register("ensemble", Derived(_ensemble_evaluation, one_arm_per_job=True))
DERIVED.register("maxout_units", Derived(_maxout_table, reads=lambda job: job.activation == "maxout"))


def check_derived_tables(config: dict, jobs: dict[str, Job]) -> None:
    """Every derived table has its studies in config `derived_tables`, and each is one the plan
    trains: a renamed sweep would otherwise leave its table silently empty."""
    given = config.get("derived_tables") or {}
    studies = list(dict.fromkeys(job.study for job in jobs.values()))
    for name in given:
        if name not in DERIVED:
            raise ConfigError(f"config key 'derived_tables': {name!r} is not a derived table; allowed keys: "
                              f"{', '.join(DERIVED.names())}")
    for name in DERIVED:
        if name not in given:
            raise ConfigError(f"config key 'derived_tables': no studies for derived table {name!r}; give "
                              f"'{name}: [<study>, ...]'")
        unknown = [study for study in given[name] if study not in studies]
        if unknown:
            raise ConfigError(f"config key 'derived_tables.{name}': {', '.join(map(repr, unknown))} is not a study "
                              f"the config trains; allowed values: {', '.join(studies)}")
        if DERIVED[name].one_arm_per_job:
            for job_name in jobs_for(name, jobs, config):
                arms = list(conditions_of(jobs[job_name]))
                if len(arms) > 1:
                    raise ConfigError(f"config key 'derived_tables.{name}': study {jobs[job_name].study!r} trains "
                                      f"job {job_name} with {len(arms)} rate conditions ({', '.join(arms)}), and a "
                                      f"{name} row pools one job's runs; allowed: studies whose jobs train one "
                                      f"init and one regularizer setting")


def jobs_for(name: str, jobs: dict[str, Job], config: dict) -> list[str]:
    studies = config["derived_tables"][name]
    return [n for n, job in jobs.items() if job.study in studies and DERIVED[name].reads(job)]


def build(name: str, job_dirs, dataset_paths: dict, out_path) -> pd.DataFrame:
    """`dataset_paths`: dataset name -> .npz path for the datasets those jobs trained on."""
    loaded = {}
    frames = []
    for job_dir in sorted(map(Path, job_dirs)):
        spec = read_job(job_dir).spec
        if not spec.runs:  # a job without tied rates has no tied runs (dltips.tied)
            continue
        dataset = spec.dataset
        if dataset not in loaded:
            loaded[dataset] = data.load(dataset_paths[dataset])
        frame = DERIVED[name].compute(job_dir, loaded[dataset])
        frame.insert(0, "dataset", dataset)  # claims are judged per dataset (claims.conditions)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else empty(name)
    write_table(name, out_path, table)
    return table

