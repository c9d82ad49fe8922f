"""Training settings: declared once (dltips.training_settings), and what the config schema, the
plan, the jobs, the trainer's defaults and the tuning all read."""

import copy
import json
from dataclasses import MISSING, fields

import pytest

from dltips.config import load_schema, validate
from dltips.contract import Job
from dltips.plan import plan
from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig
from dltips.training_settings import DEFAULTS, JobTraining, TrainingConfig, TrainingSettings

from conftest import SCHEMA

# a job's `training` as every results folder so far holds it (the smoke grid's relu/adam job):
# Snakemake compares a job's params by their text, so this is what must not change
WRITTEN = {"epochs": 3, "batch_size": 128, "probe_size": 512, "stats_every": None, "train_eval_size": None,
           "plateau_patience": None, "layer_stats": True, "layer_epochs": [0], "curves": True}


def test_the_config_schema_of_training_is_the_declarations():
    schema = load_schema(SCHEMA)
    block = schema["properties"]["training"]["properties"]
    assert list(block) == list(TrainingConfig.model_fields)
    for name, info in TrainingConfig.model_fields.items():
        assert block[name]["default"] == info.default and block[name]["description"] == info.description
    # a sweep changes only what it gives (no defaults to fill over the study's) and runs where the study does
    sweep = schema["$defs"]["sweep_training"]["properties"]
    assert list(sweep) == list(TrainingSettings.model_fields) and not any("default" in s for s in sweep.values())


def test_the_trainers_defaults_are_the_declarations(default_config):
    assert validate(default_config, SCHEMA)["training"] == TrainingConfig().model_dump()  # config.yaml sets none
    shared = [f for f in fields(StackConfig) if f.name in TrainingSettings.model_fields]
    assert {f.name for f in shared} == {"epochs", "batch_size", "probe_size", "stats_every", "train_eval_size",
                                        "plateau_patience", "divergence_factor"}
    assert all(f.default == getattr(DEFAULTS, f.name) for f in shared)
    # each per-model feature of the step is a training setting with the Member's default
    features = [f for f in fields(Member) if "per_model" in f.metadata]
    assert features
    assert all(f.default is not MISSING and f.default == getattr(DEFAULTS, f.name) for f in features)


def test_a_job_spec_keeps_the_layout_every_results_folder_holds(default_config):
    job = plan(validate({**default_config, "preset": "smoke"}, SCHEMA))["grid-mnist1d-relu-adam"]
    assert repr(job.to_dict()["training"]) == repr(WRITTEN)  # keys, order, values and their types
    stored = {**job.to_dict(), "training": copy.deepcopy(WRITTEN)}
    assert Job.from_dict(json.loads(json.dumps(stored))) == job  # a finished job.json reads back to its job
    assert job.training.epochs == 3 and job.training.layer_epochs == (0,)  # read by attribute
    with pytest.raises(ValueError, match="epoch"):
        JobTraining.model_validate({**WRITTEN, "epoch": 3})  # a misspelt key is refused, never ignored


def test_a_per_model_feature_is_in_a_job_spec_only_where_set_and_reaches_its_members(default_config):
    config = copy.deepcopy(default_config)
    before = plan(validate(config, SCHEMA))
    config["sweeps"]["dropout"]["training"]["max_grad_norm"] = 2.0
    after = plan(validate(config, SCHEMA))
    assert {name for name in after if after[name] != before[name]} == {n for n, j in after.items()
                                                                        if j.study == "dropout"}
    job = next(j for j in after.values() if j.study == "dropout")
    spec = job.to_dict()["training"]
    assert spec["max_grad_norm"] == 2.0 and list(spec)[6] == "max_grad_norm"  # after the settings, before recording
    assert Job.from_dict(json.loads(json.dumps(job.to_dict()))) == job
    run = job.runs[0]
    member = Member.of(job.training, seed=run.seed, lr=0.1, reg=build_reg(run.regularizer, run.reg_params),
                       init=run.init)
    assert member.max_grad_norm == 2.0


@pytest.mark.parametrize("change, words", [
    (lambda c: c["training"].update(weight_decay=-0.1), ["training.weight_decay", "-0.1", ">= 0"]),
    (lambda c: c["training"].update(max_grad_norm=0), ["training.max_grad_norm", "0", "> 0"]),
    (lambda c: c["training"].update(stats_every=0), ["training.stats_every", "0", ">= 1"]),
    (lambda c: c["sweeps"]["dropout"]["training"].update(epochs=0), ["sweeps.dropout.training.epochs", ">= 1"]),
    (lambda c: c["sweeps"]["dropout"]["training"].update(device="cpu"),
     ["sweeps.dropout.training", "'device'", "allowed keys", "plateau_patience"]),
])
def test_a_bad_training_setting_is_refused_naming_key_value_and_what_is_allowed(default_config, change, words):
    config = copy.deepcopy(default_config)
    change(config)
    with pytest.raises(ValueError) as error:
        validate(config, SCHEMA)
    assert all(word in str(error.value) for word in words), str(error.value)
