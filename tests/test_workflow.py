"""The smoke preset end to end through Snakemake, in a temporary working directory."""

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SMOKE_RESULTS, snakemake


@pytest.mark.workflow
def test_smoke_study_writes_tidy_tables(smoke):
    tables = smoke / SMOKE_RESULTS / "tables"
    runs = pd.read_csv(tables / "runs.csv")
    grid = runs[runs.study == "grid"]
    assert len(grid) == 2 * 2 * 3 * 2  # activations x optimizers x regularizers x seeds
    assert runs.run_id.is_unique
    for column in ("dataset", "activation", "optimizer", "regularizer", "seed", "depth", "width", "init", "lr",
                   "epochs_run", "best_epoch", "diverged", "final_test_accuracy", "best_val_loss", "seconds"):
        assert column in runs.columns, column
    trained = runs[~runs.diverged]
    assert trained.final_train_accuracy.between(0, 1).all() and (trained.lr > 0).all()
    epochs = pd.read_csv(tables / "epochs.csv")
    assert set(epochs.split) == {"train", "val", "test"} and epochs.epoch.min() == 0
    assert set(epochs.run_id) == set(runs.run_id)
    layers = pd.read_csv(tables / "layers.csv")
    assert {"grad_norm", "weight_norm", "rel_change", "act_mean", "saturated"} <= set(layers.columns)
    tuning = pd.read_csv(tables / "tuning.csv")
    # exactly one rate chosen per condition of a tuned job (and tuning seed)
    assert tuning.groupby(["job", "condition", "seed"]).chosen.sum().eq(1).all()
    assert not set(tuning.seed) & set(runs.seed)  # a rate is never picked on a reported seed
    assert runs.lr_status.isin(["interior", "edge", "untrainable"]).all()


@pytest.mark.workflow
def test_each_run_directory_records_its_provenance(smoke):
    import json

    run_dirs = [p.parent for p in (smoke / SMOKE_RESULTS / "runs").glob("*/*/config.json")]
    assert run_dirs
    config = json.loads((run_dirs[0] / "config.json").read_text())
    assert {"seed", "lr", "lr_source", "activation", "optimizer", "regularization", "versions"} <= set(config)
    assert config["versions"]["torch"].startswith("2.13.0")
    for name in ("metrics.json", "epochs.csv", "layers.csv", "weights.pt"):
        assert (run_dirs[0] / name).exists(), name


@pytest.mark.workflow
def test_smoke_study_judges_every_claim_and_builds_the_report(smoke):
    from dltips.verdicts import VERDICTS

    judged = list(yaml.safe_load((ROOT / "config.yaml").read_text())["claims"])
    claims = pd.read_csv(smoke / SMOKE_RESULTS / "claims.csv")
    assert list(claims.id) == judged and len(judged) == 18  # the config's claims, in its order
    assert claims.verdict.isin(VERDICTS).all()
    for claim_id in judged:
        assert (smoke / SMOKE_RESULTS / "claims" / f"{claim_id}.png").stat().st_size > 10_000
    snakemake(smoke, "--report", f"{SMOKE_RESULTS}/report.html")
    html = (smoke / SMOKE_RESULTS / "report.html").read_text()
    assert "Verdicts" in html and "early-stopping" in html
    verdict = claims.set_index("id").verdict["early-stopping"]
    place = judged.index("early-stopping") + 1  # the config's order leads the label: the report sorts by it
    assert f'"labels": {{"claim": "{place:02d}. early-stopping", "verdict": "{verdict}"}}' in html  # and the verdict
    assert (smoke / SMOKE_RESULTS / "claims.png").stat().st_size > 10_000  # the summary that leads the report


@pytest.mark.workflow
def test_smoke_study_says_where_each_claim_holds(smoke):
    judged = set(yaml.safe_load((ROOT / "config.yaml").read_text())["claims"])
    conditions = pd.read_csv(smoke / SMOKE_RESULTS / "conditions.csv")
    assert set(conditions.claim) == judged
    # each claim has exactly one headline row: its headline dataset and condition
    claims = pd.read_csv(smoke / SMOKE_RESULTS / "claims.csv").set_index("id")
    headline = conditions[conditions.headline.astype(bool)].set_index("claim")
    assert headline.index.is_unique and set(headline.index) == judged
    assert headline.dataset.fillna("").isin(["mnist1d", ""]).all()
    # the headline condition's verdict is the claim's own
    pd.testing.assert_series_equal(headline.value.reindex(claims.index), claims.value, check_names=False)
    html = (smoke / SMOKE_RESULTS / "conditions.html").read_text()
    assert "Where each claim holds" in html and all(c in html for c in judged)


@pytest.mark.workflow
def test_finished_study_has_nothing_left_to_do(smoke):
    done = snakemake(smoke, "-n")
    assert "Nothing to be done" in done.stdout + done.stderr
    # where jobs run does not change what they compute: moving them to another device reruns nothing
    done = snakemake(smoke, "-n", config=['training={"device": "cpu"}'])
    assert "Nothing to be done" in done.stdout + done.stderr


@pytest.mark.workflow
def test_the_full_study_reuses_nothing_of_a_smoke_study_in_the_same_folder(smoke, default_config):
    import re

    from conftest import SCHEMA
    from dltips.config import validate
    from dltips.plan import plan

    done = snakemake(smoke, "-n", preset="default")
    planned = set(re.findall(r"wildcards: job=(\S+)", done.stdout))
    assert planned == set(plan(validate(default_config, SCHEMA)))  # every training job anew
    outputs = re.findall(r"^\s*output: (.+)$", done.stdout, flags=re.M)
    paths = [path for line in outputs for path in line.split(", ")]
    assert paths and all(path.startswith("results/") for path in paths)
    assert not [path for path in paths if path.startswith(f"{SMOKE_RESULTS}/")]  # nor touches the smoke study's


@pytest.mark.workflow
def test_bad_config_is_refused_before_anything_runs(tmp_path):
    import yaml

    from conftest import ROOT

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["grid"]["activations"] = ["relu", "rleu"]
    config["regularizer_params"]["dropout"]["hidden"] = 1.5
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    done = snakemake(tmp_path, check=False, configfiles=(bad,), preset="default")
    assert done.returncode != 0
    message = done.stdout + done.stderr
    assert "config key 'grid.activations[1]': 'rleu' is not a known activation; allowed values:" in message
    assert "config key 'regularizer_params.dropout.hidden': 1.5 is out of range; allowed: >= 0 and < 1" in message
    # dltips' message alone: no Snakemake traceback lines pointing into the workflow's files
    assert "WorkflowError" not in message and 'File "' not in message
    assert not (tmp_path / "results").exists()  # nothing built, nothing trained


@pytest.mark.workflow
def test_malformed_yaml_is_refused_with_its_position(tmp_path):
    (tmp_path / "config.yaml").write_text("grid:\n  activations: [relu, sigmoid\n  seeds: 3\n")
    done = snakemake(tmp_path, check=False, configfiles=None)  # the default: ./config.yaml
    message = done.stdout + done.stderr
    assert done.returncode != 0
    assert "config.yaml: not valid YAML at line 3, column 8: expected ',' or ']'" in message, message[-2000:]
    assert not (tmp_path / "results").exists()
