"""The bill before the work: the plan's model-epochs and the estimate of the wall time
(dltips.bill)."""

import os

import pytest

from dltips.bill import (STORED, bill_lines, calibrate, estimate_seconds, find_calibration, makespan, plan_model_epochs,
                         progress_line, running_progress, study_cores, study_planned, study_progress, write_study_file)
from dltips.plan_size import model_epochs as planned_model_epochs
from dltips.jobs import run_job
from dltips.phases import STARTUP, TIED_RUNS, TRAINING, WRITING
from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH, TIED, read_timing, write_timing
from test_tuning import make_job, run

# no early stopping among them: each trains its full epochs
STEADY = [run("none", "none", {}), run("dropout-hidden0.1", "dropout", {"input": 0.0, "hidden": 0.1}),
          run("none", "none", {}, init="he")]


def test_the_plans_count_is_what_a_job_trains_when_nothing_stops_early(tiny_dataset, tmp_path):
    from dltips.data import save

    save(tiny_dataset, tmp_path / "tiny.npz", {})
    # bounds at the grid's edges: the search cannot extend it; small rates: nothing diverges
    job = make_job(STEADY, grid=(0.005, 0.01), bounds=(0.005, 0.01), epochs=4, tune_epochs=3)
    run_job(job, tmp_path / "tiny.npz", tmp_path / "out")
    trained = read_timing(tmp_path / "out")["model_epochs"]
    planned = planned_model_epochs(job)
    assert planned["runs"] == 3 * 4 and planned["search"] == 3 * 2 * 3  # runs x epochs; conditions x rates x epochs
    assert planned["runs"] == trained[REPORTED] and planned["search"] == trained[SEARCH] + trained[CONFIRMATION]


def write_records(folder, jobs: dict, judge_seconds: float = 0.0, cpu: dict | None = None):
    """Synthetic benchmark records and timing files: job -> (seconds, phases, model-epochs: of
    reported runs, or kind -> count); `cpu`: job -> (the record's CPU seconds, the phases' CPU seconds)."""
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    entries = {f"train/{name}.tsv": seconds for name, (seconds, _, _) in jobs.items()}
    if judge_seconds:
        entries["judge.tsv"] = judge_seconds
    for rel, seconds in entries.items():
        path = folder / "benchmarks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        name = rel.removeprefix("train/").removesuffix(".tsv")
        cpu_time = cpu[name][0] if cpu and name in cpu else seconds
        path.write_text(header + f"{seconds}\t-\t1\t1\t1\t1\t0\t0\t50\t{cpu_time}\n")
        os.utime(path, (1000.0, 1000.0))
    for name, (_, phases, epochs) in jobs.items():
        epochs = epochs if isinstance(epochs, dict) else {REPORTED: epochs}
        write_timing(folder / "runs" / name, phases, epochs, 1, None, cpu[name][1] if cpu else None)


def test_the_estimate_is_calibrated_from_the_records_of_an_earlier_study(tmp_path):
    write_records(tmp_path, {"a": (10.0, {STARTUP: 1.0, TRAINING: 7.0, WRITING: 1.0}, 400),
                             "b": (4.0, {STARTUP: 1.0, TRAINING: 1.0}, 100)}, judge_seconds=5.0)
    c = calibrate(tmp_path)
    assert c.per_model_epoch == pytest.approx(9.0 / 500)  # the phases but start-up, per model-epoch trained
    assert c.startup == pytest.approx((10 - 8 + 4 - 1) / 2)  # what the phases leave of a job's seconds
    assert c.judging == 5.0 and c.jobs == 2
    # four jobs on two cores, longest first, then the judging
    planned = {"x": 1000, "y": 500, "z": 500, "w": 100}
    seconds = {k: c.startup + n * c.per_model_epoch for k, n in planned.items()}
    assert estimate_seconds(planned, c, cores=2) == pytest.approx(
        max(seconds["x"] + seconds["w"], seconds["y"] + seconds["z"]) + 5.0)


def test_the_estimate_counts_cpu_seconds_where_the_records_have_them(tmp_path):
    # a machine shared with others: 10 wall seconds for 3 of CPU
    write_records(tmp_path, {"a": (10.0, {STARTUP: 4.0, TRAINING: 6.0}, 100)}, judge_seconds=8.0,
                  cpu={"a": (2.5, {STARTUP: 1.0, TRAINING: 2.0}), "judge": (6.0, None)})
    c = calibrate(tmp_path)
    assert "CPU seconds" in c.source
    assert c.per_model_epoch == pytest.approx(2.0 / 100)
    assert c.startup == 1.0  # the process's own: the record's sampled 2.5 leaves only 0.5 beside its training
    assert c.judging == 6.0 and c.judging_on_cpu
    assert estimate_seconds({"x": 100}, c, cores=2) == pytest.approx(1.0 + 2.0 + 6.0 / 2)


def test_longest_first_fills_the_cores_that_free_first():
    assert makespan([3, 3, 2, 2, 2], cores=2) == 7  # 3+2+2 and 3+2
    assert makespan([5], cores=4) == 5 and makespan([], cores=2) == 0


def test_the_calibration_comes_from_this_study_else_a_study_beside_it_else_the_stored_constants(tmp_path):
    results = tmp_path / "results"
    assert find_calibration(results) == STORED
    write_records(results / "smoke", {"a": (2.0, {STARTUP: 1.0, TRAINING: 1.0}, 10)})
    assert "results/smoke" in find_calibration(results).source  # the default study, beside its smoke
    write_records(results, {"b": (3.0, {STARTUP: 1.0, TRAINING: 1.0}, 10)})
    assert find_calibration(results).source.endswith(f"{results}")  # its own, once it has some
    assert "results/smoke" not in find_calibration(results).source
    assert find_calibration(results / "smoke").source.endswith("results/smoke")


def test_the_bill_and_the_progress_line_count_the_plan_and_the_jobs_done(tmp_path):
    tmp_path = tmp_path / "results"  # none of the other tests' folders beside it
    jobs = {"j1": make_job(STEADY, epochs=4, tune_epochs=3), "j2": make_job(STEADY[:1], epochs=4, tune_epochs=3)}
    per = {name: sum(planned_model_epochs(job).values()) for name, job in jobs.items()}
    lines = bill_lines(jobs, tmp_path, cores=2)
    assert f"trains {sum(per.values()):,} model-epochs in 2 training jobs" in lines[0]
    assert STORED.source in lines[-1] and "on 2 cores" in lines[-1]
    (tmp_path / "runs" / "j2").mkdir(parents=True)
    (tmp_path / "runs" / "j2" / "job.json").write_text("{}")
    line = progress_line(plan_model_epochs(jobs), tmp_path, cores=2)
    assert line.startswith(f"1 of 2 jobs, {per['j2']:,} of {sum(per.values()):,} model-epochs, about ")
    assert line.endswith(" left")


def test_a_training_jobs_progress_line_reads_the_plans_counts_from_the_study_file(tmp_path, default_config):
    """The study file carries the cores and each job's planned model-epochs, so a job does not
    make the plan again; a study file without them (written before they were) makes it again,
    and both say the same."""
    import json

    from dltips.config import validate
    from dltips.plan import plan

    from conftest import SCHEMA

    config = validate({**default_config, "preset": "smoke"}, SCHEMA)
    planned = plan_model_epochs(plan(config))
    results = tmp_path / "results"
    (results / "logs").mkdir(parents=True)
    (results / "logs" / "study.json").write_text(json.dumps({"cores": 2}) + "\n")  # as written before
    assert study_planned(results) is None and study_cores(results) == 2
    from_plan = running_progress(results, config)
    write_study_file(results, 2, planned)
    assert study_planned(results) == planned and study_cores(results) == 2
    # the plan is not made again: a config without the grid still gives the line
    assert running_progress(results, {"rate_look": config["rate_look"]}) == from_plan == progress_line(
        planned, results, 2, tied=config["rate_look"]["train"])
    assert from_plan.startswith(f"0 of {len(planned)} jobs, 0 of {sum(planned.values()):,} model-epochs, about ")
    assert study_cores(tmp_path / "elsewhere") == 1 and study_planned(tmp_path / "elsewhere") is None


def test_each_jobs_tied_runs_are_counted_as_long_as_the_calibrating_studys_were_else_as_none(tmp_path):
    write_records(tmp_path, {"a": (10.0, {STARTUP: 2.0, TRAINING: 8.0}, 100)})
    c = calibrate(tmp_path)
    assert c.tied is None
    assert estimate_seconds({"x": 100}, c, cores=1, tied=True) == pytest.approx(estimate_seconds({"x": 100}, c, 1))
    # the tied runs are a phase of each training job: theirs apart from the job's own model-epochs
    write_records(tmp_path, {"a": (14.0, {STARTUP: 2.0, TRAINING: 8.0, TIED_RUNS: 3.0}, {REPORTED: 100, TIED: 30}),
                             "b": (7.0, {STARTUP: 2.0, TRAINING: 4.0, TIED_RUNS: 1.0}, {REPORTED: 50, TIED: 10})})
    c = calibrate(tmp_path)
    assert c.tied == pytest.approx(2.0) and c.per_model_epoch == pytest.approx(12.0 / 150)
    assert c.startup == pytest.approx((14 - 11 + 7 - 5) / 2)
    assert estimate_seconds({"x": 100}, c, cores=1, tied=True) == pytest.approx(estimate_seconds({"x": 100}, c, 1)
                                                                                + 2.0)


def test_an_older_studys_tied_rate_jobs_count_less_a_start_up_and_a_job_that_kept_its_runs_measures_nothing(tmp_path):
    write_records(tmp_path, {"a": (10.0, {STARTUP: 2.0, TRAINING: 8.0}, 100)})
    tied = tmp_path / "benchmarks" / "train_tied" / "a.tsv"  # the rule an older dltips ran them in
    tied.parent.mkdir()
    tied.write_text("s\th:m:s\tcpu_time\n4.0\t-\t4.0\n")
    assert calibrate(tmp_path).tied == pytest.approx(4.0 - 2.0)
    kept = tmp_path / "kept"
    write_records(kept, {"a": (2.0, {STARTUP: 2.0, TRAINING: 0.0}, {REPORTED: 0, SEARCH: 0, CONFIRMATION: 0, TIED: 0})})
    assert calibrate(kept) is None


def test_a_finished_jobs_progress_line_says_how_far_the_study_is_and_never_fails_the_job(default_config, tmp_path):
    from conftest import SCHEMA
    from dltips.config import validate
    from dltips.plan import plan

    config = {**validate(default_config, SCHEMA), "results": str(tmp_path)}
    assert study_progress(config).startswith(f"0 of {len(plan(config))} jobs, 0 of ")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "study.json").write_text("{")  # being written as the job reads it
    assert study_progress(config).startswith("progress unknown (JSONDecodeError: ")
