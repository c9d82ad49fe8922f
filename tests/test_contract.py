"""dltips.contract: a Job is exactly the spec every results folder holds; one reader of a job directory."""

import json
import math

import pandas as pd
import pytest

from dltips.config import validate
from dltips.contract import (ChosenRate, FixedRate, GridRate, Job, RunSpec, TrainedJob, TunedRate, read_job,
                             read_runs, write_job, write_run)
from dltips.plan import plan

from conftest import SCHEMA


@pytest.fixture(scope="module")
def planned(default_config):
    return {preset: plan(validate({**default_config, "preset": preset}, SCHEMA)) for preset in ("default", "smoke")}


def test_every_planned_job_round_trips_to_the_exact_spec_key_order_included(planned):
    kinds = set()
    for jobs in planned.values():
        for job in jobs.values():
            spec = job.to_dict()
            again = Job.from_dict(json.loads(json.dumps(spec)))  # as job.json and Snakemake params hold it
            assert again == job
            # Snakemake compares params by their text: the same keys, in the same order
            assert json.dumps(again.to_dict()) == json.dumps(spec)
            kinds.add(type(job.learning_rate))
    assert kinds == {TunedRate, GridRate}  # the default config tunes, and the ensemble sweep reuses the grid's


def test_a_job_spec_has_the_layout_of_the_job_json_written_so_far(planned):
    job = planned["smoke"]["grid-mnist1d-relu-adam"]
    spec = job.to_dict()
    assert list(spec) == ["job", "study", "dataset", "activation", "optimizer", "optimizer_params", "model", "inits",
                          "training", "learning_rate", "runs"]
    assert list(spec["learning_rate"]) == ["source", "grid", "bounds", "halving", "min_gain_over_chance",
                                           "tune_epochs", "tune_seeds", "confirm_seeds", "confirm_epochs", "tie_within"]
    assert list(spec["runs"][0]) == ["run", "variant", "regularizer", "reg_params", "init", "seed"]
    assert spec["job"] == job.name and job.run_id(job.runs[0]) == f"{job.name}/{spec['runs'][0]['run']}"
    fixed = Job.from_dict({**spec, "learning_rate": {"source": "fixed", "value": 0.1}})
    grid = Job.from_dict({**spec, "learning_rate": {"source": "grid", "grid_job": "grid-mnist1d-relu-adam"}})
    assert fixed.learning_rate == FixedRate(0.1) and fixed.grid_job is None
    assert grid.grid_job == "grid-mnist1d-relu-adam"
    assert fixed.to_dict()["learning_rate"] == {"source": "fixed", "value": 0.1}


def test_a_job_is_frozen_and_owns_its_settings(planned):
    job = planned["smoke"]["grid-mnist1d-relu-adam"]
    with pytest.raises(AttributeError):
        job.study = "other"
    spec = job.to_dict()
    spec["model"]["depth"] = 99  # a caller changing its copy changes no Job
    assert job.model["depth"] != 99


def _trained(tmp_path) -> TrainedJob:
    runs = tuple(RunSpec(f"none-s{s}", "none", "none", {}, "default", s) for s in (0, 1))
    job = Job(name="grid-toy-relu-sgd", study="grid", dataset="toy", activation="relu", optimizer="sgd",
              optimizer_params={}, model={"depth": 1, "width": 4}, inits=["default"], training={"epochs": 2},
              learning_rate=FixedRate(0.1), runs=runs)
    trained = TrainedJob(spec=job, lrs={"none/default": ChosenRate(0.1, "fixed", None)}, lr_source="fixed",
                         tuning=[])
    for run in runs:
        write_run(tmp_path / run.run, {"lr": 0.1, "seed": run.seed},
                  {"diverged": run.seed == 1, "final_test_loss": math.nan if run.seed == 1 else 0.5},
                  pd.DataFrame({"epoch": [0, 1], "split": "val", "loss": [2.0, 1.0], "accuracy": [0.1, 0.4]}),
                  pd.DataFrame(columns=["epoch", "layer", "grad_norm", "weight_norm", "rel_change", "act_mean",
                                        "saturated"]),
                  lambda path: path.write_bytes(b"weights"))
    write_job(tmp_path, trained)
    return trained


def test_one_reader_gives_the_job_record_and_each_runs_files(tmp_path):
    trained = _trained(tmp_path)
    stored = json.loads((tmp_path / "job.json").read_text())
    assert stored["lrs"] == {"none/default": {"lr": 0.1, "status": "fixed", "score": None}}
    assert read_job(tmp_path) == trained and TrainedJob.from_dict(stored).to_dict() == stored
    job, runs = read_runs(tmp_path)
    assert [run.id for run in runs] == ["grid-toy-relu-sgd/none-s0", "grid-toy-relu-sgd/none-s1"]
    assert [run.diverged for run in runs] == [False, True]
    assert runs[1].metrics["final_test_loss"] is None  # JSON has no NaN: written as null
    assert runs[0].config == {"lr": 0.1, "seed": 0}
    epochs = runs[0].epochs()
    assert epochs.epoch.dtype == "int64" and list(epochs.loss) == [2.0, 1.0]
    assert len(runs[0].layers()) == 0 and runs[0].weights_path.read_bytes() == b"weights"
    assert [run.spec.run for run in read_runs(tmp_path, runs=["none-s1"])[1]] == ["none-s1"]


def test_a_tuned_rate_keeps_its_tied_rates_and_a_rate_without_them_is_written_as_before():
    tuned = ChosenRate(0.01, "interior", 0.8, tied=[0.003])
    assert tuned.to_dict() == {"lr": 0.01, "status": "interior", "score": 0.8, "tied": [0.003]}
    assert ChosenRate.from_dict(json.loads(json.dumps(tuned.to_dict()))) == tuned
    before = {"lr": 0.01, "status": "interior", "score": 0.8}  # job.json's lrs before ties were marked
    assert ChosenRate.from_dict(before).tied is None and ChosenRate.from_dict(before).to_dict() == before


def test_run_files_refuse_columns_other_than_the_declared_ones(tmp_path):
    with pytest.raises(ValueError, match=r"missing: \['accuracy'\]"):
        write_run(tmp_path / "r", {}, {}, pd.DataFrame(columns=["epoch", "split", "loss"]),
                  pd.DataFrame(), lambda path: None)
