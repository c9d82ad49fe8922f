"""The documented extension path: a user's own module registers an activation and an
optimizer; the dry-run adds exactly their jobs and leaves the finished study alone."""

import re
import textwrap

import pytest
import yaml

from conftest import ROOT, SMOKE_RESULTS, snakemake

EXTENSION = '''
import torch

from dltips.activations import ACTIVATIONS, Activation, fixed
from dltips.optimizers import OPTIMIZERS, OptimizerSpec

ACTIVATIONS.register("swish", fixed(Activation(forward=lambda pre, slope: pre * torch.sigmoid(pre), saturated=None)))
OPTIMIZERS.register("nadam", OptimizerSpec("NAdam"))
'''


@pytest.mark.workflow
def test_a_registered_activation_and_optimizer_add_only_their_jobs(smoke):
    (smoke / "my_extension.py").write_text(textwrap.dedent(EXTENSION))
    smoke_preset = yaml.safe_load((ROOT / "config.yaml").read_text())["presets"]["smoke"]
    grid = {**smoke_preset["grid"], "activations": ["sigmoid", "relu", "swish"], "optimizers": ["sgd", "adam", "nadam"]}
    extra = {
        "extensions": ["my_extension.py"],
        "optimizer_params": {"nadam": {}},
        "presets": {"extended": {**smoke_preset, "grid": grid}},
    }
    (smoke / "extended.yaml").write_text(yaml.safe_dump(extra))
    configs = (ROOT / "config.yaml", smoke / "extended.yaml")

    done = snakemake(smoke, "-n", preset="extended", configfiles=configs)
    planned = set(re.findall(r"wildcards: job=(\S+)", done.stdout))
    assert planned == {
        "grid-mnist1d-swish-sgd", "grid-mnist1d-swish-adam", "grid-mnist1d-swish-nadam",
        "grid-mnist1d-sigmoid-nadam", "grid-mnist1d-relu-nadam",
    }
    # the new pieces really train: one new job, for real
    # the extended preset is the smoke preset's copy, so it writes where the smoke study did
    snakemake(smoke, f"{SMOKE_RESULTS}/runs/grid-mnist1d-swish-nadam", preset="extended", configfiles=configs)
    assert (smoke / SMOKE_RESULTS / "runs" / "grid-mnist1d-swish-nadam" / "job.json").exists()
