"""The rate look's training: each arm's reported runs again at the rates tied with its pick
(dltips.tied), in a tree of the trained layout, with tables of the same schemas."""

import copy
import json

import pytest
import torch

import dltips.jobs
from dltips.collect import collect
from dltips.config import ConfigError, validate
from dltips.contract import Job, read_job, read_runs
from dltips.data import save
from dltips.jobs import run_job
from dltips.posthoc import dropout_evaluation, ensemble_evaluation
from dltips.tables import TABLES, write_table
from dltips.tied import run_tied, tied_name
from dltips.tuning import arm_of, condition_of

from conftest import SCHEMA
from test_tuning import RUNS, make_job

# two conditions (none/default shared with early stopping, dropout): 3 runs
TIED_RUNS = [RUNS[0], RUNS[1], RUNS[2]]
SKIP = ("seconds", "stack_size")  # what differs between a stack and a run alone


def every_runner_up_tied(**change):
    """A search where every runner-up ties with the pick: the ties are known before it runs."""
    return make_job(TIED_RUNS, grid=(0.01, 0.1, 0.5), bounds=(0.01, 0.5), tune_epochs=2, tie_within=1e9, **change)


@pytest.fixture
def trained(tiny_dataset, tmp_path):
    save(tiny_dataset, tmp_path / "tiny.npz", {})
    run_job(every_runner_up_tied(), tmp_path / "tiny.npz", tmp_path / "runs")
    return tmp_path


def metrics(run_dir) -> dict:
    values = json.loads((run_dir / "metrics.json").read_text())
    return {k: v for k, v in values.items() if k not in SKIP}


def same_run(a, b) -> None:
    """Bit for bit the same training: summary, curves and weights."""
    assert metrics(a) == metrics(b)
    assert (a / "epochs.csv").read_text() == (b / "epochs.csv").read_text()
    wa, wb = torch.load(a / "weights.pt", weights_only=True), torch.load(b / "weights.pt", weights_only=True)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def test_each_reported_run_of_a_tied_arm_trains_at_each_tied_rate_as_it_would_alone(trained):
    run_tied(trained / "runs", trained / "tiny.npz", trained / "tied")
    job = read_job(trained / "runs")
    ties = {key: c.tied for key, c in job.lrs.items()}
    assert all(ties.values()) and all(job.lrs[k].lr not in t for k, t in ties.items())  # runner-ups only
    tied, runs = read_runs(trained / "tied")
    expected = [(r.run, lr) for r in job.spec.runs for lr in ties[condition_of(r).key]]
    assert [(r.spec.run, r.config["lr"]) for r in runs] == [(tied_name(name, lr), lr) for name, lr in expected]
    assert [r.id for r in runs] == [f"j/{name}@lr={lr:g}" for name, lr in expected]
    reported = {r.run: r for r in job.spec.runs}
    for r in runs:
        base = reported[r.spec.run.split("@")[0]]
        assert (r.spec.seed, r.spec.init, r.spec.regularizer, r.spec.reg_params) == \
            (base.seed, base.init, base.regularizer, base.reg_params)
    assert tied.lrs == job.lrs and tied.tuning == [] and not (trained / "tied.partial").exists()
    # the dropout run at its first tied rate, trained alone with that rate fixed
    run, lr = TIED_RUNS[2], ties["dropout-hidden0.1/default"][0]
    alone = Job.from_dict({**job.spec.to_dict(), "runs": [run], "learning_rate": {"source": "fixed", "value": lr}})
    run_job(alone, trained / "tiny.npz", trained / "alone")
    same_run(trained / "tied" / tied_name(run["run"], lr), trained / "alone" / run["run"])


def test_a_job_without_ties_writes_a_tree_with_no_runs_and_empty_tables(trained):
    fixed = Job.from_dict({**every_runner_up_tied().to_dict(), "learning_rate": {"source": "fixed", "value": 0.1}})
    run_job(fixed, trained / "tiny.npz", trained / "fixed")
    run_tied(trained / "fixed", trained / "tiny.npz", trained / "tied")
    tied, runs = read_runs(trained / "tied")
    assert runs == [] and tied.spec.runs == () and tied.spec.name == "j"
    tables = collect([trained / "tied"])
    for name in ("runs", "epochs", "layers"):
        assert len(tables[name]) == 0 and list(tables[name].columns) == list(TABLES[name].names)


def test_a_start_after_an_interruption_trains_only_the_stacks_that_had_not_finished(trained, monkeypatch):
    run_tied(trained / "runs", trained / "tiny.npz", trained / "whole")
    real, stacks = dltips.jobs.train, []

    def interrupted(cfg, members, *args, **kwargs):
        if stacks:
            raise KeyboardInterrupt  # killed during its second stack
        stacks.append([m.lr for m in members])
        return real(cfg, members, *args, **kwargs)

    monkeypatch.setattr(dltips.jobs, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_tied(trained / "runs", trained / "tiny.npz", trained / "tied")
    assert not (trained / "tied" / "job.json").exists()  # not complete: the workflow starts it again
    trained_again = []

    def spy(cfg, members, *args, **kwargs):
        trained_again.extend(m.lr for m in members)
        return real(cfg, members, *args, **kwargs)

    monkeypatch.setattr(dltips.jobs, "train", spy)
    run_tied(trained / "runs", trained / "tiny.npz", trained / "tied")
    first = set(stacks[0])
    _, runs = read_runs(trained / "whole")
    assert trained_again and first.isdisjoint(trained_again)
    assert sorted(trained_again) == sorted(r.config["lr"] for r in runs if r.config["lr"] not in first)
    for r in runs:
        same_run(trained / "tied" / r.spec.run, r.path)


def test_the_tied_tables_have_the_studys_schemas_and_every_run_its_arm(trained, tiny_dataset):
    run_tied(trained / "runs", trained / "tiny.npz", trained / "tied")
    reported, tied = collect([trained / "runs"]), collect([trained / "tied"])
    job = read_job(trained / "runs").spec
    arms = {job.run_id(r): f"j/{condition_of(r).key}" for r in job.runs}
    assert dict(zip(reported["runs"].run_id, reported["runs"].arm)) == arms
    assert set(reported["tuning"].arm) == {f"j/{c}" for c in reported["tuning"].condition}
    # a tied run has its reported run's arm: the judging swaps one for the other
    assert all(arm == arms[rid.split("@")[0]] for rid, arm in zip(tied["runs"].run_id, tied["runs"].arm))
    assert set(tied["epochs"].run_id) == set(tied["runs"].run_id)
    for name in ("runs", "epochs", "layers"):
        write_table(name, trained / f"{name}.csv", tied[name])  # refuses undeclared or missing columns
    # an ensemble per rate: its key and members are its runs', its arm theirs
    ensembles = ensemble_evaluation(trained / "tied", tiny_dataset)
    rates = sorted({lr for key in ("none/default", "dropout-hidden0.1/default")
                    for lr in read_job(trained / "runs").lrs[key].tied})
    assert sorted(set(ensembles.job)) == sorted(f"j@lr={lr:g}" for lr in rates)
    for row in ensembles.itertuples():
        members = [f"j/{m}" for m in row.members.split("+")]
        assert all(m.endswith(row.job.removeprefix("j")) for m in members)
        assert row.arm == "+".join(dict.fromkeys(arms[m.split("@")[0]] for m in members))
    assert list(ensembles.columns) == list(TABLES["ensemble"].names[1:])  # less the dataset the table adds
    # a table of models' rows keys them by the tied runs' ids
    dropout = dropout_evaluation(trained / "tied", tiny_dataset, ks=(1,))
    assert set(dropout.run_id) == set(tied["runs"].run_id)


def test_a_job_that_reuses_the_grids_rate_shares_the_grid_jobs_arm():
    grid = make_job(TIED_RUNS)
    reuse = Job.from_dict({**grid.to_dict(), "job": "ensemble-j", "study": "ensemble",
                           "learning_rate": {"source": "grid", "grid_job": "j"}})
    assert [arm_of(reuse, r) for r in reuse.runs] == [arm_of(grid, r) for r in grid.runs] == \
        ["j/none/default", "j/none/default", "j/dropout-hidden0.1/default"]


def test_the_switch_is_on_by_default_and_anything_but_a_boolean_is_refused(default_config):
    assert validate(default_config, SCHEMA)["rate_look"]["train"] is True
    config = copy.deepcopy(default_config)
    config["rate_look"] = {"train": "yes"}
    with pytest.raises(ConfigError) as error:
        validate(config, SCHEMA)
    assert "rate_look" in str(error.value) and "yes" in str(error.value)
