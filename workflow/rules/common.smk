# Helpers shared by the rule files: config validation and the job plan. Torch-free, so
# parsing the workflow stays cheap (it happens once per job on a cluster).
import json

from dltips.config import ConfigError, validate
from dltips.plan import datasets_used, plan

try:
    config = validate(config, workflow.source_path("../schemas/config.schema.yaml"))
    JOBS = plan(config)
except ConfigError as error:
    raise WorkflowError(str(error)) from None

RESULTS = config["results"]
DATASETS = datasets_used(JOBS)


wildcard_constraints:
    dataset="|".join(DATASETS),
    job="[^/]+",


def get_dataset_params(wildcards):
    params = config["dataset_params"]
    return {
        "params": params.get(wildcards.dataset, {}),
        "validation_fraction": params["validation_fraction"],
        "split_seed": params["split_seed"],
    }


def get_job(wildcards):
    return JOBS[wildcards.job]


def get_train_inputs(wildcards):
    job = JOBS[wildcards.job]
    inputs = {
        "data": f"{RESULTS}/data/{job['dataset']}.npz",
        "checksum": f"{RESULTS}/data/{job['dataset']}.json",
    }
    grid_job = job["learning_rate"].get("grid_job")
    if grid_job:
        inputs["grid"] = f"{RESULTS}/runs/{grid_job}"
    return inputs


def get_job_dirs(wildcards=None):
    return [f"{RESULTS}/runs/{name}" for name in JOBS]


def get_tables():
    return [f"{RESULTS}/tables/{name}.csv" for name in ("runs", "epochs", "layers", "tuning")]


def get_final_outputs():
    return get_tables()
