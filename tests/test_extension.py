"""The documented extension path: a user's own module registers an activation and an
optimizer, and the dry-run adds exactly their jobs and leaves the finished study alone; or it
registers a claim, which is judged and reported like the built-in ones."""

import re
import textwrap

import pandas as pd
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
    """The README's steps on the smoke preset: the extension file, its names in the grid, and
    (the smoke preset lists its own grid) in the preset's grid too."""
    (smoke / "my_extension.py").write_text(textwrap.dedent(EXTENSION))
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    smoke_grid = config["presets"]["smoke"]["grid"]
    extra = {
        "extensions": ["my_extension.py"],
        "grid": {"activations": [*config["grid"]["activations"], "swish"],
                 "optimizers": [*config["grid"]["optimizers"], "nadam"]},
        "optimizer_params": {"nadam": {}},
        "presets": {"smoke": {"grid": {"activations": [*smoke_grid["activations"], "swish"],
                                       "optimizers": [*smoke_grid["optimizers"], "nadam"]}}},
    }
    (smoke / "extended.yaml").write_text(yaml.safe_dump(extra))
    configs = (ROOT / "config.yaml", smoke / "extended.yaml")

    done = snakemake(smoke, "-n", configfiles=configs)
    planned = set(re.findall(r"wildcards: job=(\S+)", done.stdout))
    assert planned == {
        "grid-mnist1d-swish-sgd", "grid-mnist1d-swish-adam", "grid-mnist1d-swish-nadam",
        "grid-mnist1d-sigmoid-nadam", "grid-mnist1d-relu-nadam",
    }
    # the new pieces really train: one new job, for real
    snakemake(smoke, f"{SMOKE_RESULTS}/runs/grid-mnist1d-swish-nadam", configfiles=configs)
    assert (smoke / SMOKE_RESULTS / "runs" / "grid-mnist1d-swish-nadam" / "job.json").exists()
    # the study's provenance names the extension and what it registered
    snakemake(smoke, f"{SMOKE_RESULTS}/provenance.json", "--forcerun", "provenance", configfiles=configs)
    provenance = yaml.safe_load((smoke / SMOKE_RESULTS / "provenance.json").read_text())
    assert provenance["study"]["extensions"] == {"my_extension.py": {"activation": ["swish"], "optimizer": ["nadam"]}}
    # the smoke study is shared by the session's tests: its provenance back as the plain config writes it
    snakemake(smoke, f"{SMOKE_RESULTS}/provenance.json", "--forcerun", "provenance")


@pytest.mark.workflow
def test_without_the_preset_listing_it_an_extension_is_named_as_left_out(smoke):
    (smoke / "my_extension.py").write_text(textwrap.dedent(EXTENSION))
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    extra = {"extensions": ["my_extension.py"], "grid": {"activations": [*config["grid"]["activations"], "swish"]}}
    (smoke / "top_only.yaml").write_text(yaml.safe_dump(extra))
    done = snakemake(smoke, "-n", configfiles=(ROOT / "config.yaml", smoke / "top_only.yaml"))
    said = done.stdout + done.stderr
    assert re.search(r"preset 'smoke' trains grid.activations: sigmoid, relu; it leaves out [a-z_, ]*swish", said)


CLAIM_EXTENSION = '''
"""relu-fits-better: a claim of the user's own, judged and reported like the built-in ones."""
import pandas as pd

from dltips.claims import Claim, register
from dltips.claims.select import not_diverged, runs_of
from dltips.claims.settings import ClaimSettings, setting
from dltips.verdicts import compare


class Settings(ClaimSettings):
    study: str = setting("grid", "the sweep whose ReLU and sigmoid runs are compared")
    min_gain: float = setting(0.0, "claim: ReLU's train accuracy minus sigmoid's above this", ge=-1, le=1)


def evidence(tables, settings):
    runs = not_diverged(runs_of(tables["runs"], settings.study))
    means = runs.pivot_table(index="seed", columns="activation", values="final_train_accuracy")
    return {"gains": pd.DataFrame({"seed": means.index, "gain": (means["relu"] - means["sigmoid"]).to_numpy()})}


def rule(ev, settings):
    return compare(ev["gains"].gain, settings.min_gain, ">", "train accuracy, relu − sigmoid (fraction)")


def figure(tables, ev, v, settings):
    import matplotlib.pyplot as plt

    from dltips import figures

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.bar(ev["gains"].seed.astype(str), ev["gains"].gain)
    ax.set(xlabel="seed", ylabel="train accuracy, relu − sigmoid (fraction)")
    fig.suptitle(figures.verdict_title("ReLU fits its training data better than sigmoid", v), fontsize=10)
    return fig


register(Claim("relu-fits-better", "ReLU nets fit their training data better than sigmoid nets.",
               "the user's own", evidence, figure, rule=rule, settings=Settings, tables=("runs",)))
'''


def test_a_claims_settings_come_from_its_class_and_are_checked_before_anything_runs(tmp_path, default_config):
    from dltips.config import ConfigError, validate
    from dltips.extensions import load

    (tmp_path / "my_claim.py").write_text(textwrap.dedent(CLAIM_EXTENSION))
    load([str(tmp_path / "my_claim.py")])
    schema = ROOT / "workflow" / "schemas" / "config.schema.yaml"
    config = {**default_config, "claims": {**default_config["claims"], "relu-fits-better": {}}}
    assert validate(config, schema)["claims"]["relu-fits-better"] == {"study": "grid", "min_gain": 0.0}
    config["claims"]["relu-fits-better"] = {"min_gain": 2}
    with pytest.raises(ConfigError, match=r"claims\.relu-fits-better\.min_gain': 2 is out of range; allowed: >= -1 and <= 1"):
        validate(config, schema)
    config["claims"]["relu-fits-beter"] = config["claims"].pop("relu-fits-better")
    with pytest.raises(ConfigError, match="'relu-fits-beter' is not a known claim; allowed keys: .*relu-fits-better"):
        validate(config, schema)


@pytest.mark.workflow
def test_a_claim_registered_by_an_extension_is_judged_and_gets_its_report_entry(smoke, tmp_path):
    """One module and one config block: its rule's outputs, its row of claims.csv, its figure
    and caption in the report. Judged on a copy of the smoke study, which stays as it is."""
    import shutil

    work = tmp_path / "study"
    shutil.copytree(smoke, work, symlinks=True)
    (work / "my_claim.py").write_text(textwrap.dedent(CLAIM_EXTENSION))
    extra = {"extensions": ["my_claim.py"], "claims": {"relu-fits-better": {"min_gain": 0.0}}}
    (work / "my_claim.yaml").write_text(yaml.safe_dump(extra))
    configs = (ROOT / "config.yaml", work / "my_claim.yaml")

    snakemake(work, f"{SMOKE_RESULTS}/claims.csv", "--forcerun", "judge", configfiles=configs)
    claims = pd.read_csv(work / SMOKE_RESULTS / "claims.csv")
    assert claims.id.iloc[-1] == "relu-fits-better" and len(claims) == 19  # after the config's own 18
    assert claims.set_index("id").statistic["relu-fits-better"] == "train accuracy, relu − sigmoid (fraction)"
    entry = work / SMOKE_RESULTS / "claims" / "relu-fits-better"
    assert entry.with_suffix(".png").stat().st_size > 10_000
    assert "**Verdict:" in entry.with_suffix(".rst").read_text()  # its caption, from the shared template
    snakemake(work, "--report", f"{SMOKE_RESULTS}/report.html", configfiles=configs)
    html = (work / SMOKE_RESULTS / "report.html").read_text()
    # labelled by its place among the claims judged (the report sorts a section by label)
    assert '"claim": "19. relu-fits-better"' in html and "5. Other claims" in html
