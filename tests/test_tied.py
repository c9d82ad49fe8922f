"""The rate look's training: each arm's reported runs again at the rates tied with its pick
(dltips.tied), in a tree of the trained layout, with tables of the same schemas."""

import copy
import json
import os

import pytest
import torch

import dltips.jobs
from dltips.collect import collect
from dltips.config import ConfigError, validate
from dltips.contract import Job, read_job, read_runs
from dltips.data import load, save
from dltips.jobs import run_job
from dltips.posthoc import dropout_evaluation, ensemble_evaluation
from dltips.tables import TABLES, write_table
from dltips.phases import TIED_RUNS as TIED_PHASE
from dltips.staging import keep_for_rerun, staging
from dltips.tied import run_tied, split_tied, tied_name
from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH, TIED, read_timing
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


def train_tied_apart(trained, out="tied"):
    """The tied runs of the fixture's job, trained apart from it into `out`."""
    return run_tied(trained / "runs", load(trained / "tiny.npz"), trained / out)


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
    train_tied_apart(trained, "tied")
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
    assert tied.lrs == job.lrs and tied.tuning == [] and not staging(trained / "tied").exists()
    # the dropout run at its first tied rate, trained alone with that rate fixed
    run, lr = TIED_RUNS[2], ties["dropout-hidden0.1/default"][0]
    alone = Job.from_dict({**job.spec.to_dict(), "runs": [run], "learning_rate": {"source": "fixed", "value": lr}})
    run_job(alone, trained / "tiny.npz", trained / "alone")
    same_run(trained / "tied" / tied_name(run["run"], lr), trained / "alone" / run["run"])


def test_a_job_without_ties_writes_a_tree_with_no_runs_and_empty_tables(trained):
    fixed = Job.from_dict({**every_runner_up_tied().to_dict(), "learning_rate": {"source": "fixed", "value": 0.1}})
    run_job(fixed, trained / "tiny.npz", trained / "fixed")
    run_tied(trained / "fixed", load(trained / "tiny.npz"), trained / "tied")
    tied, runs = read_runs(trained / "tied")
    assert runs == [] and tied.spec.runs == () and tied.spec.name == "j"
    tables = collect([trained / "tied"])
    for name in ("runs", "epochs", "layers"):
        assert len(tables[name]) == 0 and list(tables[name].columns) == list(TABLES[name].names)


def test_a_start_after_an_interruption_trains_only_the_stacks_that_had_not_finished(trained, monkeypatch):
    train_tied_apart(trained, "whole")
    real, stacks = dltips.jobs.train, []

    def interrupted(cfg, members, *args, **kwargs):
        if stacks:
            raise KeyboardInterrupt  # killed during its second stack
        stacks.append([m.lr for m in members])
        return real(cfg, members, *args, **kwargs)

    monkeypatch.setattr(dltips.jobs, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_tied_apart(trained, "tied")
    assert not (trained / "tied" / "job.json").exists()  # not complete: the workflow starts it again
    trained_again = []

    def spy(cfg, members, *args, **kwargs):
        trained_again.extend(m.lr for m in members)
        return real(cfg, members, *args, **kwargs)

    monkeypatch.setattr(dltips.jobs, "train", spy)
    train_tied_apart(trained, "tied")
    first = set(stacks[0])
    _, runs = read_runs(trained / "whole")
    assert trained_again and first.isdisjoint(trained_again)
    assert sorted(trained_again) == sorted(r.config["lr"] for r in runs if r.config["lr"] not in first)
    for r in runs:
        same_run(trained / "tied" / r.spec.run, r.path)


def same_trees(a, b) -> None:
    """Two job trees with the same record and the same runs, trained bit for bit alike."""
    ja, runs_a = read_runs(a)
    jb, runs_b = read_runs(b)
    assert ja.to_dict() == jb.to_dict() and [r.spec for r in runs_a] == [r.spec for r in runs_b]
    for ra, rb in zip(runs_a, runs_b):
        assert ra.config == rb.config
        same_run(ra.path, rb.path)


def test_a_training_job_trains_its_tied_runs_after_its_own_as_a_job_of_their_own_did(trained):
    run_job(every_runner_up_tied(), trained / "tiny.npz", trained / "both", tied_dir=trained / "both-tied")
    train_tied_apart(trained, "tied")  # the fixture's job, then its tied runs in a job of their own
    same_trees(trained / "runs", trained / "both")
    same_trees(trained / "tied", trained / "both-tied")
    _, tied_runs = read_runs(trained / "both-tied")
    timing = read_timing(trained / "both")
    assert timing["model_epochs"][TIED] == sum(r.metrics["epochs_run"] for r in tied_runs) > 0
    assert timing["seconds"][TIED_PHASE] > 0 and timing["model_epochs"][REPORTED] > 0
    assert not staging(trained / "both").exists() and not staging(trained / "both-tied").exists()
    assert TIED not in read_timing(trained / "runs")["model_epochs"]  # no tied runs asked for: none counted


def stages_trained(monkeypatch, stop_at_tied_stack=None) -> list[str]:
    """Spies on every stack trained (tuning, training, tied: its progress log's stage); raises
    KeyboardInterrupt, as a kill would end the job, at the tied stack of this number (1: the first)."""
    real, stages = dltips.jobs.train, []

    def spy(cfg, members, *args, observers=(), **kwargs):
        stages.append(observers[0].stage)
        if stages.count("tied") == stop_at_tied_stack:
            raise KeyboardInterrupt
        return real(cfg, members, *args, observers=observers, **kwargs)

    monkeypatch.setattr(dltips.jobs, "train", spy)
    return stages


def test_a_job_killed_in_its_tied_runs_keeps_its_own_runs_and_the_tied_stacks_that_finished(trained, monkeypatch):
    train_tied_apart(trained, "tied")  # what the job trains, uninterrupted
    job = every_runner_up_tied()
    first = stages_trained(monkeypatch, stop_at_tied_stack=2)
    with pytest.raises(KeyboardInterrupt):
        run_job(job, trained / "tiny.npz", trained / "again", tied_dir=trained / "again-tied")
    assert not (trained / "again").exists() and not (trained / "again-tied").exists()  # Snakemake runs it again
    assert {"tuning", "training"} <= set(first) and first.count("tied") == 2
    again = stages_trained(monkeypatch)
    run_job(job, trained / "tiny.npz", trained / "again", tied_dir=trained / "again-tied")
    rates = {lr for c in read_job(trained / "runs").lrs.values() for lr in c.tied}
    assert again == ["tied"] * (len(rates) - 1)  # no search, no reported run: the tied stacks left
    same_trees(trained / "runs", trained / "again")
    same_trees(trained / "tied", trained / "again-tied")
    trained_now = read_timing(trained / "again")["model_epochs"]
    assert trained_now[REPORTED] == trained_now[SEARCH] == trained_now[CONFIRMATION] == 0 < trained_now[TIED]


def files(*trees) -> dict:
    return {p: p.read_bytes() for tree in trees for p in sorted(tree.rglob("*"))
            if p.is_file() and p.name != "timing.json"}


def test_trees_an_older_dltips_trained_apart_are_kept_when_snakemake_runs_their_job_again(trained, monkeypatch):
    train_tied_apart(trained, "tied")  # runs/ and tied/ both whole, from two jobs
    before = files(trained / "runs", trained / "tied")
    assert keep_for_rerun([trained / "runs", trained / "tied"]) == [trained / "runs", trained / "tied"]
    assert not (trained / "runs").exists() and staging(trained / "runs").exists()  # what Snakemake deletes
    stages = stages_trained(monkeypatch)
    run_job(every_runner_up_tied(), trained / "tiny.npz", trained / "runs", tied_dir=trained / "tied")
    assert stages == []  # nothing trained again
    assert files(trained / "runs", trained / "tied") == before
    assert read_timing(trained / "runs")["model_epochs"] == {REPORTED: 0, SEARCH: 0, CONFIRMATION: 0, TIED: 0}


def spoil_the_data(trained):
    later = (trained / "tiny.npz").stat().st_mtime + 10  # built again after the trees
    os.utime(trained / "tiny.npz", (later, later))


def spoil_a_run(trained):
    """One run written by a process on another machine (its config records the CPU)."""
    path = staging(trained / "runs") / TIED_RUNS[0]["run"] / "config.json"
    config = json.loads(path.read_text())
    config["versions"]["cpu"] = "another CPU"
    path.write_text(json.dumps(config))


@pytest.mark.parametrize("spoil", [spoil_the_data, spoil_a_run])
def test_a_kept_tree_not_written_with_the_present_data_and_settings_is_trained_again(trained, monkeypatch, spoil):
    train_tied_apart(trained, "tied")
    keep_for_rerun([trained / "runs", trained / "tied"])
    spoil(trained)
    stages = stages_trained(monkeypatch)
    run_job(every_runner_up_tied(), trained / "tiny.npz", trained / "runs", tied_dir=trained / "tied")
    assert stages[0] == "tuning" and "training" in stages and "tied" in stages  # all of it, the tied runs too
    assert read_timing(trained / "runs")["model_epochs"][SEARCH] > 0


def test_a_forced_rerun_empties_the_staging_folders_and_moves_nothing(trained):
    train_tied_apart(trained, "tied")
    keep_for_rerun([trained / "tied"])
    assert keep_for_rerun([trained / "runs", trained / "tied"], forced=True) == []
    assert (trained / "runs").exists() and not staging(trained / "tied").exists()


def test_a_rules_files_of_the_tied_runs_are_told_apart_by_their_prefix():
    assert split_tied({"runs": "a.csv", "tied_runs": "t/a.csv", "weights": "w.csv"}) == \
        ({"runs": "a.csv", "weights": "w.csv"}, {"runs": "t/a.csv"})
    assert split_tied({"table": "x.csv"}) == ({"table": "x.csv"}, {})


def test_the_tied_tables_have_the_studys_schemas_and_every_run_its_arm(trained, tiny_dataset):
    train_tied_apart(trained, "tied")
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
