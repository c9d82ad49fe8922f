"""The quick preset: the runs the claims' headline verdicts read, each the default study's run."""

import copy
import json
from dataclasses import replace

import pandas as pd
import pytest
import torch

from dltips import claims
from dltips.config import ConfigError, validate
from dltips.contract import Job
from dltips.headline_runs import matching, selectors
from dltips.jobs import run_job
from dltips.plan import plan
from dltips.plan_size import search_epochs, total

from conftest import ROOT
from test_tuning import RUNS, make_job

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def plans(config: dict, preset: str) -> dict[str, Job]:
    return plan(validate({**copy.deepcopy(config), "preset": preset}, SCHEMA))


@pytest.fixture(scope="module")
def default_and_quick(default_config):
    return plans(default_config, "default"), plans(default_config, "quick"), \
        validate({**copy.deepcopy(default_config), "preset": "quick"}, SCHEMA)


def spec_without_runs(job: Job) -> dict:
    return {k: v for k, v in job.to_dict().items() if k != "runs"}


def test_every_claims_headline_runs_are_in_the_quick_plan_as_the_default_plans_them(default_and_quick):
    default, quick, config = default_and_quick
    headline_dataset = config["grid"]["datasets"][0]
    on_headline = {n: j for n, j in default.items() if j.dataset == headline_dataset}
    read = selectors(config)
    assert set(read) == set(config["claims"])  # every judged claim declares its reads
    trained_claims = 0
    for claim_id, claim_selectors in read.items():
        for selector in claim_selectors:
            wanted = matching(selector, on_headline, config)
            assert wanted, f"{claim_id}: {selector} names no run of the default study"
            assert matching(selector, quick, config) == wanted, claim_id
        trained_claims += bool(claim_selectors)
    assert trained_claims == 13  # the five toy problems and exact checks read no trained run
    for name, job in quick.items():  # the default's job, fewer runs: the same spec, rate search and seeds
        assert spec_without_runs(job) == spec_without_runs(default[name])
        assert all(run in default[name].runs for run in job.runs)


def test_the_quick_plan_trains_at_most_a_third_of_the_defaults_model_epochs(default_and_quick):
    default, quick, _ = default_and_quick
    assert 0 < total(quick)["all"] <= total(default)["all"] / 3
    assert total(quick)["search"] > 0  # its rates are searched, as the default's are


def test_a_depth_word_resolves_over_the_jobs_the_selectors_other_axes_name(default_and_quick):
    default, _, config = default_and_quick
    depths = lambda selector: sorted({default[n].model["depth"] for n in matching(selector, default, config)})  # noqa: E731
    sweep = {"study": "depth", "activation": "sigmoid", "dataset": "mnist1d"}
    assert depths({**sweep, "depth": "deepest"}) == [10]
    assert depths({**sweep, "depth": "shallowest"}) == [1]
    assert depths({**sweep, "depth": "deepest_trained"}) == [1, 2, 3, 5, 7, 10]  # known only once trained
    assert depths({**sweep, "depth": [2, 7]}) == [2, 7]


def test_a_grid_rate_job_keeps_its_grid_jobs_runs_of_its_variants_where_their_rates_are_tuned(default_config):
    config = validate({**copy.deepcopy(default_config), "preset": "quick",
                       "claims": {"ensemble-reduces-variance": {}}}, SCHEMA)
    quick = plan(config)
    assert sorted(quick) == ["ensemble-mnist1d-relu-adam-d4-w100", "grid-mnist1d-relu-adam"]
    assert {(r.regularizer, r.init) for r in quick["grid-mnist1d-relu-adam"].runs} == {("none", "default")}


def test_a_claim_without_declared_reads_is_refused_naming_it(default_config, monkeypatch):
    claim = claims.get("ensemble-reduces-variance")
    monkeypatch.setattr(claims, "get", lambda cid: replace(claim, reads=None) if cid == claim.id
                        else claims.load()[cid])
    config = validate({**copy.deepcopy(default_config), "preset": "quick"}, SCHEMA)
    with pytest.raises(ConfigError, match="'trains'.*'headlines'.*'ensemble-reduces-variance'.*all, headlines"):
        selectors(config)


def test_a_selector_naming_no_run_axis_is_refused(default_config, monkeypatch):
    claim = claims.get("ensemble-reduces-variance")
    monkeypatch.setattr(claims, "get", lambda cid: replace(claim, reads=lambda s: ({"activaton": "relu"},))
                        if cid == claim.id else claims.load()[cid])
    config = validate({**copy.deepcopy(default_config), "preset": "quick"}, SCHEMA)
    with pytest.raises(ValueError, match="'ensemble-reduces-variance'.*'activaton'.*allowed: study"):
        selectors(config)


def test_the_search_is_counted_with_its_cuts_and_confirmation():
    job = make_job(RUNS, grid=(0.001, 0.01, 0.1, 0.3), halving={"at": [1, 2], "keep": 0.5}, tune_epochs=4,
                   tune_seeds=(1000, 1001), confirm_seeds=(7, 8, 9), confirm_epochs=2)
    # 4 candidates to epoch 1, 2 to epoch 2, 1 to epoch 4, on 2 seeds; 3 confirmation seeds x 2 epochs
    assert search_epochs(job.learning_rate) == (4 * 1 + 2 * 1 + 1 * 2) * 2 + 3 * 2


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_run_of_the_cut_job_is_the_run_of_the_whole_job_bit_for_bit(tiny_dataset, tmp_path, optimizer):
    """Its rate searched and confirmed among fewer conditions, then trained in a smaller stack."""
    from dltips.data import save

    save(tiny_dataset, tmp_path / "tiny.npz", {})
    whole = Job.from_dict({**make_job(RUNS, grid=(0.003, 0.03, 0.3), bounds=(1e-3, 1.0), epochs=4, tune_epochs=4,
                                      halving={"at": [2], "keep": 0.5}, confirm_seeds=(7, 8),
                                      confirm_epochs=2).to_dict(), "optimizer": optimizer})
    kept = [RUNS[3]["run"], RUNS[4]["run"]]  # dropout-hidden0.5 at default init, none at He init
    part = replace(whole, runs=tuple(r for r in whole.runs if r.run in kept))
    run_job(whole, tmp_path / "tiny.npz", tmp_path / "whole")
    run_job(part, tmp_path / "tiny.npz", tmp_path / "part")
    lrs = {d: json.loads((tmp_path / d / "job.json").read_text())["lrs"] for d in ("whole", "part")}
    assert lrs["part"] == {k: v for k, v in lrs["whole"].items() if k in lrs["part"]} and len(lrs["part"]) == 2
    for run in kept:
        a, b = tmp_path / "whole" / run, tmp_path / "part" / run
        timing = ("seconds", "stack_size")
        metrics = [{k: v for k, v in json.loads((d / "metrics.json").read_text()).items() if k not in timing}
                   for d in (a, b)]
        assert metrics[0] == metrics[1]
        assert (a / "epochs.csv").read_bytes() == (b / "epochs.csv").read_bytes()
        wa, wb = (torch.load(next(d.glob("*.pt")), weights_only=True) for d in (a, b))
        assert all(torch.equal(wa[k], wb[k]) for k in wa)
    records = [pd.DataFrame(json.loads((tmp_path / d / "job.json").read_text())["tuning"]) for d in ("whole", "part")]
    same = [c for c in records[1].columns if c not in ("round", "seconds")]
    mine = records[0][records[0].condition.isin(lrs["part"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[same], records[1][same], check_exact=True)
