"""Where a study's time goes: the phases a training job records and the split of a study's
wall time read from its records (dltips.phases, dltips.study_time)."""

import json
import os

import pytest

from dltips.jobs import run_job
from dltips.phases import (EVALUATION, JOB_PHASES, LAYER_STATS, RATE_SEARCH, STARTUP, TIED_RUNS, TRAINING, WRITING,
                           PhaseClock)
from dltips.study_time import (IDLE, JUDGING, REPORT, TIED, UNSPLIT, JobRecord, busy_wall_seconds, read_timings, split,
                               study_time)
from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH, TIED as TIED_EPOCHS, read_timing, write_timing


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_phase_opened_inside_another_takes_its_seconds_out_of_it():
    t = Ticks()
    clock = PhaseClock(t, t)
    with clock.phase(TRAINING):
        t.now += 3
        with clock.phase(EVALUATION):
            t.now += 2
        t.now += 1
        with clock.phase(EVALUATION):
            t.now += 0.5
    t.now += 100  # outside every phase: nobody's
    assert clock.seconds == clock.cpu_seconds == {TRAINING: 4, EVALUATION: 2.5}


def test_a_training_job_records_every_phase_and_the_model_epochs_it_trained(tiny_dataset, tmp_path):
    from dltips.data import save
    from test_tuning import RUNS, make_job

    save(tiny_dataset, tmp_path / "tiny.npz", {})
    job = make_job(RUNS, grid=(0.01, 0.1), bounds=(0.01, 0.1), tune_epochs=2)
    run_job(job, tmp_path / "tiny.npz", tmp_path / "out", started=0.0)
    timing = read_timing(tmp_path / "out")
    assert set(timing["seconds"]) == set(timing["cpu_seconds"]) == set(JOB_PHASES)
    assert all(s >= 0 for s in timing["seconds"].values())
    assert timing["seconds"][STARTUP] > 1e6  # since the epoch: the start-up counts from `started`
    job_json = json.loads((tmp_path / "out" / "job.json").read_text())
    search = sum(r["epochs_trained"] for r in job_json["tuning"] if r["fate"] not in ("confirmed",
                                                                                        "diverged on a confirmation seed"))
    metrics = [json.loads((tmp_path / "out" / r["run"] / "metrics.json").read_text()) for r in RUNS]
    assert timing["model_epochs"][SEARCH] == search > 0
    assert timing["model_epochs"][REPORTED] == sum(m["epochs_run"] for m in metrics) > 0


def record(rule, name, start, seconds):
    return JobRecord(rule, name, seconds, start + seconds)


def test_the_wall_time_is_the_time_some_job_ran_not_the_gaps_between_sessions():
    records = [record("train", "a", 0, 10), record("train", "b", 5, 10), record("judge", "", 100, 4)]
    assert busy_wall_seconds(records) == 19  # 0-15, then 100-104; the night between is nobody's


def timing(phases, reported, search=0, confirmation=0, threads=1, tied=None):
    counts = {REPORTED: reported, SEARCH: search, CONFIRMATION: confirmation}
    return {"seconds": phases, "model_epochs": counts if tied is None else {**counts, TIED_EPOCHS: tied},
            "threads": threads}


def test_the_split_adds_up_to_wall_times_cores_with_the_idle_cores_left_over():
    # two cores: job a runs 0-10 (its tied runs last) and b 0-6 side by side, then the judge holds
    # both cores 10-12
    records = [record("dataset", "mnist1d", 0, 0.0), record("train", "a", 0, 10), record("train", "b", 0, 6),
               record("judge", "", 10, 2), record("overview", "", 12, 1)]
    timings = {"a": timing({STARTUP: 1.0, RATE_SEARCH: 3, TRAINING: 2, EVALUATION: 1, LAYER_STATS: 0.5, WRITING: 0.5,
                            TIED_RUNS: 1}, reported=100, search=50, confirmation=10, tied=20),
               "b": timing({STARTUP: 1.0, RATE_SEARCH: 0, TRAINING: 3, EVALUATION: 1, LAYER_STATS: 0, WRITING: 1},
                           reported=40)}
    study = split(records, timings, cores=2)
    assert study.wall == 13
    # start-up: what a job's phases leave of its seconds (a: 10 - 8, b: 6 - 5)
    assert study.parts[STARTUP] == pytest.approx(3)
    assert study.parts[RATE_SEARCH] == 3 and study.parts[TRAINING] == 5 and study.parts[EVALUATION] == 2
    assert study.parts[TIED] == 1
    assert study.parts[LAYER_STATS] == 0.5 and study.parts[WRITING] == 1.5
    assert study.parts[JUDGING] == 4  # it holds both cores
    assert study.parts[REPORT] == 1
    assert study.parts[IDLE] == pytest.approx(26 - 16 - 4 - 1)  # b's tail 6-10 and the overview's other core
    assert sum(study.parts.values()) == pytest.approx(study.wall * study.cores)
    assert study.model_epochs == {REPORTED: 140, SEARCH: 50, CONFIRMATION: 10, TIED_EPOCHS: 20}
    table = study.table()
    assert table["core_seconds"].iloc[-1] == 26 and table["share"].iloc[:-1].sum() == pytest.approx(1)


def test_a_training_job_without_a_timing_file_counts_unsplit_and_a_core_count_below_one_is_refused():
    study = split([record("train", "old", 0, 5)], {}, cores=1)
    assert study.parts[UNSPLIT] == 5 and study.parts[IDLE] == 0
    with pytest.raises(ValueError, match="cores: 0"):
        split([], {}, cores=0)


def test_the_records_are_read_from_a_study_folder(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for rel, seconds, end in (("train/grid-a.tsv", 8.0, 1000.0), ("judge.tsv", 2.0, 1002.0)):
        path = tmp_path / "benchmarks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + f"{seconds}\t0:00:08\t1\t1\t1\t1\t0\t0\t50\t{seconds}\n")
        os.utime(path, (end, end))
    write_timing(tmp_path / "runs" / "grid-a", {STARTUP: 1.0, TRAINING: 5.0, WRITING: 1.0}, {REPORTED: 30}, 1, None)
    # a job's staging folder (dltips.staging), left by a kill after its timing file was written: not a job's record
    write_timing(tmp_path / "runs" / "grid-a.partial", {TRAINING: 50.0}, {REPORTED: 300}, 1, None)
    assert list(read_timings(tmp_path)) == ["grid-a"]
    study = study_time(tmp_path, cores=2)
    assert study.cpu[TRAINING] is None  # the timing file has no CPU seconds: unknown, not zero
    assert study.cpu[JUDGING] == 2.0  # the record's cpu_time
    assert study.wall == 10
    assert study.parts[TRAINING] == 5 and study.parts[STARTUP] == pytest.approx(2) and study.parts[JUDGING] == 4
    assert study.model_epochs[REPORTED] == 30
    with pytest.raises(FileNotFoundError, match="no benchmark records"):
        study_time(tmp_path / "nothing", cores=2)


def test_the_cpu_seconds_split_the_same_way_with_no_idle_part():
    records = [JobRecord("train", "a", 10.0, 10.0, cpu_seconds=6.0), JobRecord("judge", "", 2.0, 12.0, cpu_seconds=3.0)]
    timings = {"a": {**timing({STARTUP: 9.0, TRAINING: 2.0, EVALUATION: 1.0}, reported=10),
                     "cpu_seconds": {STARTUP: 1.5, TRAINING: 2.5, EVALUATION: 0.5}}}
    study = split(records, timings, cores=2)
    assert study.cpu[TRAINING] == 2.5 and study.cpu[EVALUATION] == 0.5
    assert study.cpu[STARTUP] == 1.5  # the process's own, not the record's sampled 6.0
    assert study.cpu[JUDGING] == 3.0 and IDLE not in study.cpu
    assert study.table()["cpu_seconds"].iloc[-1] == pytest.approx(1.5 + 2.5 + 0.5 + 3.0)
