"""dltips.slurm without a cluster: the checks before submission, the status-command choice, the
record of the running Snakemake and the resume after a kill (SLURM's commands faked)."""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from dltips import slurm
from dltips.contract import FixedRate, Job, RunSpec, TrainedJob, write_job

SCONTROL = """Configuration data as of 2026-11-30T23:00:00
MailProg                = /bin/mail
MaxArraySize            = 1001
MinJobAge               = {}
MpiDefault              = none
"""


def test_placeholders_are_named_with_a_hint_and_filled_values_pass():
    problems = slurm.placeholder_problems({"slurm_partition": "'<your partition>'", "slurm_account": "<your account>",
                                           "mem_mb": 2000, "runtime": 30})
    assert len(problems) == 2
    assert "slurm_partition" in problems[0] and "sinfo -s" in problems[0] and slurm.PROFILE in problems[0]
    assert "slurm_account" in problems[1] and "without accounting" in problems[1]
    assert slurm.placeholder_problems({"slurm_partition": "debug", "slurm_account": "proj42", "mem_mb": 2000}) == []


@pytest.mark.parametrize("text, seconds", [("300 sec", 300), ("2h", 7200), ("45", 45), ("5 min", 300)])
def test_min_job_age_is_read_in_seconds(text, seconds):
    assert slurm.parse_min_job_age(SCONTROL.format(text)) == seconds


def test_min_job_age_missing_is_none():
    assert slurm.parse_min_job_age("MailProg = /bin/mail\n") is None


def test_sacct_is_kept_where_accounting_works():
    assert slurm.choose_status_command("sacct", None, 300) == ("sacct", None)
    assert slurm.choose_status_command(None, None, None) == ("sacct", None)


def test_squeue_replaces_sacct_without_accounting_when_finished_jobs_stay_listed_long_enough():
    command, note = slurm.choose_status_command("sacct", "Slurm accounting storage is disabled", 300)
    assert command == "squeue" and "accounting storage is disabled" in note and "300 s" in note


def test_squeue_requested_is_kept_when_min_job_age_allows_and_replaced_by_sacct_when_not():
    assert slurm.choose_status_command("squeue", None, 300) == ("squeue", None)
    command, note = slurm.choose_status_command("squeue", None, 150)
    assert command == "sacct" and "150 s" in note


@pytest.mark.parametrize("age", [None, 120, slurm.SQUEUE_MIN_JOB_AGE - 1])
def test_no_accounting_and_a_short_min_job_age_is_a_clear_error_not_a_hang(age):
    with pytest.raises(slurm.SlurmError, match="wait forever.*MinJobAge"):
        slurm.choose_status_command("squeue", "Slurm accounting storage is disabled", age)
    assert slurm.choose_status_command("squeue", "disabled", slurm.SQUEUE_MIN_JOB_AGE)[0] == "squeue"


def test_preflight_sets_the_status_command_and_records_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "missing_commands", lambda: [])
    monkeypatch.setattr(slurm, "sacct_error", lambda: "Slurm accounting storage is disabled")
    monkeypatch.setattr(slurm, "min_job_age", lambda: 300)
    settings, notes = SimpleNamespace(status_command="sacct"), []
    slurm.preflight({"slurm_partition": "debug", "mem_mb": 2000}, settings, tmp_path, notes.append)
    assert settings.status_command == "squeue" and len(notes) == 1
    record = slurm.read_record(tmp_path)
    assert record["pid"] == os.getpid() and slurm.is_alive(record) is True


def test_preflight_stops_before_recording_when_the_profile_is_not_filled_in(tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "missing_commands", lambda: [])
    monkeypatch.setattr(slurm, "sacct_error", lambda: None)
    monkeypatch.setattr(slurm, "min_job_age", lambda: 300)
    with pytest.raises(slurm.SlurmError, match="not filled in"):
        slurm.preflight({"slurm_partition": "<your partition>"}, SimpleNamespace(status_command="sacct"), tmp_path)
    assert slurm.read_record(tmp_path) is None


def test_without_slurm_installed_preflight_says_so_in_one_line_before_anything_else(tmp_path, monkeypatch):
    assert slurm.missing_commands(which=lambda c: None if c == "sbatch" else f"/usr/bin/{c}") == ["sbatch"]
    monkeypatch.setattr(slurm, "missing_commands", lambda: ["sbatch", "squeue", "scancel"])
    with pytest.raises(slurm.SlurmError, match=r"^SLURM is not installed on this machine \(sbatch, squeue, scancel not "
                                               r"on PATH\)") as raised:
        slurm.preflight({"slurm_partition": "<your partition>"}, SimpleNamespace(status_command="sacct"), tmp_path)
    assert "\n" not in str(raised.value) and slurm.read_record(tmp_path) is None


def test_a_finished_process_is_not_alive_and_another_host_is_unknown():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(done.stdout)
    assert slurm.is_alive({"host": socket.gethostname(), "pid": pid, "started": 1}) is False
    me = slurm.this_process()
    assert slurm.is_alive(me) is True
    assert slurm.is_alive({**me, "host": "login-other"}) is None


def test_a_reused_process_id_is_not_the_recorded_process():
    me = slurm.this_process()
    assert slurm.is_alive({**me, "started": me["started"] + 1}) is False


def test_squeue_lines_select_snakemake_jobs_of_this_folder_only(tmp_path):
    other = tmp_path / "other"
    text = "\n".join([f"101|{tmp_path}|rule_train_wildcards_grid-a", f"102|{other}|rule_train_wildcards_grid-a",
                      f"103|{tmp_path}|interactive", f"104|{tmp_path}/|rule_dataset_wildcards_mnist1d"])
    assert slurm.parse_squeue(text, tmp_path) == ["101", "104"]


def _job_dir(root: Path, job: Job, complete: bool = True) -> Path:
    job_dir = root / "runs" / job.name
    (job_dir / "r0").mkdir(parents=True)
    if complete:
        write_job(job_dir, TrainedJob(spec=job, lrs={}, lr_source="fixed", tuning=[]))
    return job_dir


def _dataset(root: Path, provenance: dict, corrupt: bool = False) -> Path:
    npz = root / "data" / "mnist1d.npz"
    npz.parent.mkdir(parents=True)
    npz.write_bytes(b"arrays")
    digest = hashlib.sha256(b"arrays" if not corrupt else b"other").hexdigest()
    npz.with_suffix(".json").write_text(json.dumps({"sha256": digest, "shapes": {}, **provenance}))
    return npz


SPEC = Job(name="grid-mnist1d-relu-adam", study="grid", dataset="mnist1d", activation="relu", optimizer="adam",
           optimizer_params={}, model={"depth": 2, "width": 8}, inits=["default"], training={"epochs": 3},
           learning_rate=FixedRate(0.1),
           runs=tuple(RunSpec(f"none-s{s}", "none", "none", {}, "default", s) for s in (0, 1)))
OTHER = replace(SPEC, name="grid-mnist1d-relu-sgd", optimizer="sgd")
PROVENANCE = {"dataset": "mnist1d", "params": {}, "split_seed": 0}


def test_a_complete_job_folder_for_the_same_settings_is_kept_others_are_rebuilt(tmp_path):
    assert slurm.job_dir_matches(_job_dir(tmp_path / "a", SPEC), SPEC)
    assert not slurm.job_dir_matches(_job_dir(tmp_path / "b", SPEC), replace(SPEC, training={"epochs": 4}))
    (tmp_path / "d" / "job.json").parent.mkdir()
    (tmp_path / "d" / "job.json").write_text('{"job": "cut sho')  # a write cut short by the kill
    assert not slurm.job_dir_matches(tmp_path / "d", SPEC)
    assert not slurm.job_dir_matches(_job_dir(tmp_path / "c", SPEC, complete=False), SPEC)


def test_a_dataset_is_kept_only_intact_and_built_from_the_same_settings(tmp_path):
    assert slurm.dataset_matches(_dataset(tmp_path / "a", PROVENANCE), PROVENANCE)
    assert not slurm.dataset_matches(_dataset(tmp_path / "b", PROVENANCE, corrupt=True), PROVENANCE)
    assert not slurm.dataset_matches(_dataset(tmp_path / "c", PROVENANCE), {**PROVENANCE, "split_seed": 1})


def test_tables_written_after_the_killed_run_started_are_rebuilt_older_ones_kept(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("x\n")
    new.write_text("x\n")
    since = time.time()
    os.utime(old, (since - 2 * slurm.CLOCK_SKEW_S,) * 2)
    found = slurm.check_outputs({}, {}, [old, new, tmp_path / "missing.csv"], since)
    assert found.rebuild == [new] and found.kept == []


def _killed_run(folder: Path) -> None:
    """A record like the one a SLURM run leaves when it is killed: its process is gone."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (folder / slurm.RECORD).parent.mkdir(parents=True)
    (folder / slurm.RECORD).write_text(json.dumps({"host": socket.gethostname(), "pid": int(done.stdout),
                                                   "started": 1, "time": time.time() - 60}))


@pytest.fixture
def fake_squeue(monkeypatch):
    """squeue lists job 7 until it is cancelled; every cancel is recorded."""
    queue, cancelled = ["7"], []
    monkeypatch.setattr(slurm.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(slurm, "queued_jobs", lambda folder: list(queue))

    def cancel(ids, folder):
        cancelled.extend(ids)
        queue.clear()

    monkeypatch.setattr(slurm, "cancel", cancel)
    return cancelled


def test_resume_after_a_kill_cancels_the_jobs_then_rebuilds_what_does_not_check_out(tmp_path, fake_squeue):
    _killed_run(tmp_path)
    good = _job_dir(tmp_path / "results", SPEC)
    partial = _job_dir(tmp_path / "results", OTHER, complete=False)
    seen_queue = []

    def outputs(since):
        seen_queue.append(list(fake_squeue))  # checked only after the cancel
        return slurm.check_outputs({good: SPEC, partial: OTHER}, {}, [], since)

    notes = []
    slurm.resume(tmp_path, outputs, dryrun=False, log=notes.append)
    assert fake_squeue == ["7"] and seen_queue == [["7"]]
    assert good.exists() and not partial.exists()
    assert "1 output(s) checked" in notes[-1] and "1 rebuilt" in notes[-1]
    assert slurm.read_record(tmp_path) is None  # handled once


def test_a_dry_run_after_a_kill_changes_nothing(tmp_path, fake_squeue):
    _killed_run(tmp_path)
    partial = _job_dir(tmp_path / "results", SPEC, complete=False)
    notes = []
    slurm.resume(tmp_path, lambda since: slurm.check_outputs({partial: SPEC}, {}, [], since), dryrun=True,
                 log=notes.append)
    assert fake_squeue == [] and partial.exists() and slurm.read_record(tmp_path) is not None
    assert "cancels its 1 queued or running job(s) and rebuilds 1 output(s)" in notes[0]


def test_a_second_run_while_the_first_lives_is_refused(tmp_path, fake_squeue):
    slurm.write_record(tmp_path)  # this very process: alive
    with pytest.raises(slurm.SlurmError, match="being run on SLURM by Snakemake pid"):
        slurm.resume(tmp_path, lambda since: slurm.Orphans([], []), dryrun=False)
    assert fake_squeue == []


def test_a_run_from_another_host_with_jobs_in_the_queue_is_left_alone(tmp_path, fake_squeue):
    slurm.write_record(tmp_path)
    record = json.loads((tmp_path / slurm.RECORD).read_text())
    (tmp_path / slurm.RECORD).write_text(json.dumps({**record, "host": "login-other"}))
    with pytest.raises(slurm.SlurmError, match="scancel 7"):
        slurm.resume(tmp_path, lambda since: slurm.Orphans([], []), dryrun=False)
    assert fake_squeue == []


def test_no_record_means_nothing_to_resume(tmp_path, fake_squeue):
    slurm.resume(tmp_path, lambda since: pytest.fail("no outputs to check"), dryrun=False)
    assert fake_squeue == []


def test_the_record_is_cleared_only_by_its_own_process(tmp_path):
    slurm.write_record(tmp_path)
    record = json.loads((tmp_path / slurm.RECORD).read_text())
    (tmp_path / slurm.RECORD).write_text(json.dumps({**record, "pid": record["pid"] + 1}))
    slurm.clear_record(tmp_path)
    assert slurm.read_record(tmp_path) is not None
    slurm.write_record(tmp_path)
    slurm.clear_record(tmp_path)
    assert slurm.read_record(tmp_path) is None


FAKE_SQUEUE = """#!/bin/sh
# lists one Snakemake job from the study folder until scancel has been called
[ -e "{calls}" ] || echo "41|{workdir}|rule_train_wildcards_grid-mnist1d-relu-adam"
"""
FAKE_SCANCEL = """#!/bin/sh
echo "$@" >> "{calls}"
"""


@pytest.mark.workflow
def test_the_workflow_resumes_a_killed_slurm_run_before_planning(tmp_path, monkeypatch):
    """Through Snakemake, with squeue/scancel faked: the killed run's job is cancelled, a partial
    training folder and a corrupted dataset are removed, and the dataset is built again."""
    from conftest import SMOKE_RESULTS, snakemake

    workdir, bin_dir, calls = tmp_path / "study", tmp_path / "bin", tmp_path / "scancel.calls"
    bin_dir.mkdir()
    for name, text in (("squeue", FAKE_SQUEUE), ("scancel", FAKE_SCANCEL)):
        (bin_dir / name).write_text(text.format(calls=calls, workdir=workdir))
        (bin_dir / name).chmod(0o755)
    workdir.mkdir()
    _killed_run(workdir)
    partial = workdir / SMOKE_RESULTS / "runs" / "grid-mnist1d-relu-adam"
    (partial / "r0").mkdir(parents=True)  # no job.json: its job was cancelled mid-way
    npz = _dataset(workdir / SMOKE_RESULTS, {"dataset": "mnist1d"}, corrupt=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    dry = snakemake(workdir, "-n", f"{SMOKE_RESULTS}/data/mnist1d.npz")
    assert "a real run first cancels its 1 queued or running job(s)" in dry.stdout + dry.stderr
    assert not calls.exists() and partial.exists()

    done = snakemake(workdir, f"{SMOKE_RESULTS}/data/mnist1d.npz")
    assert calls.read_text().split() == ["41"]
    assert "was killed: cancelling its jobs 41" in done.stderr
    assert not partial.exists() and slurm.read_record(workdir) is None
    assert json.loads(npz.with_suffix(".json").read_text())["sha256"] == hashlib.sha256(npz.read_bytes()).hexdigest()
