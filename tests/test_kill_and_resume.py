"""A study survives kill -9, gives identical tables when rerun, and loses nothing."""

import json
import os
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

from dltips.collect import TIMING_COLUMNS
import sys

from conftest import ROOT, SMOKE_RESULTS, snakemake

# the tables whose every non-timing byte must repeat
TABLES = ("runs", "epochs", "layers", "tuning")


def read_tables(workdir):
    out = {}
    for name in TABLES:
        table = pd.read_csv(workdir / SMOKE_RESULTS / "tables" / f"{name}.csv")
        out[name] = table.drop(columns=[c for c in TIMING_COLUMNS if c in table.columns])
    return out


def assert_same_tables(reference, workdir) -> None:
    """Every non-timing value equal, and runs/epochs equal byte for byte as written."""
    for name, table in read_tables(reference).items():
        pd.testing.assert_frame_equal(read_tables(workdir)[name], table, check_exact=True, obj=name)
    for name in ("runs", "epochs"):
        a = (reference / SMOKE_RESULTS / "tables" / f"{name}.csv").read_text().splitlines()
        b = (workdir / SMOKE_RESULTS / "tables" / f"{name}.csv").read_text().splitlines()
        if name == "runs":
            col = a[0].split(",").index("seconds")
            a = [",".join(v for i, v in enumerate(line.split(",")) if i != col) for line in a]
            b = [",".join(v for i, v in enumerate(line.split(",")) if i != col) for line in b]
        assert a == b, name


def jobs_done(workdir) -> int:
    return len(list((workdir / SMOKE_RESULTS / "runs").glob("*/job.json")))  # a job writes job.json last


# The reference is the session's smoke study, run uninterrupted in another folder: a killed and
# resumed study matching it also shows that the same config and seeds give the same tables.
@pytest.mark.workflow
@pytest.mark.parametrize("jobs_before_kill", [0, 9])  # of the smoke study's 18 training jobs
def test_kill_9_then_the_same_command_finishes_with_the_tables_of_an_uninterrupted_run(smoke, tmp_path,
                                                                                      jobs_before_kill):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", str(ROOT / "config.yaml"),
           "--directory", str(tmp_path), "--cores", "2", "collect", "--config", "preset=smoke"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # kill at a point of progress, not of time: the dataset written, then after some jobs
    dataset = tmp_path / SMOKE_RESULTS / "data" / "mnist1d.npz"
    deadline = time.monotonic() + 600
    while not (dataset.exists() and jobs_done(tmp_path) >= jobs_before_kill):
        assert proc.poll() is None, "the study ended before the kill point"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.05)
    assert proc.poll() is None, "the study ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and every job it started
    proc.wait()
    assert jobs_done(tmp_path) < 18  # it was killed with work left to do
    # every file under its final name is complete: writes go to a temporary, then rename
    for path in (tmp_path / SMOKE_RESULTS).rglob("*"):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".npz":
            np.load(path).close()
    snakemake(tmp_path, "collect")  # the README's plain command, resumed
    assert_same_tables(smoke, tmp_path)


def same_job_trees(reference, workdir, job) -> None:
    """The job's trees (its runs, its tied runs) trained bit for bit as in the reference study."""
    import torch

    for tree in ("runs", "tied/runs"):
        ours, theirs = workdir / SMOKE_RESULTS / tree / job, reference / SMOKE_RESULTS / tree / job
        assert (ours / "job.json").read_text() == (theirs / "job.json").read_text()
        runs = sorted(p.name for p in theirs.iterdir() if p.is_dir())
        assert runs == sorted(p.name for p in ours.iterdir() if p.is_dir())
        for run in runs:
            a, b = ours / run, theirs / run
            metrics = [{k: v for k, v in json.loads((d / "metrics.json").read_text()).items() if k not in TIMING_COLUMNS}
                       for d in (a, b)]
            assert metrics[0] == metrics[1] and (a / "epochs.csv").read_bytes() == (b / "epochs.csv").read_bytes()
            wa, wb = (torch.load(d / "weights.pt", weights_only=True) for d in (a, b))
            assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa), run


def timing_counts(workdir, job) -> dict:
    return json.loads((workdir / SMOKE_RESULTS / "runs" / job / "timing.json").read_text())["model_epochs"]


# A job whose tree is missing runs again, and Snakemake deletes its other tree first: the study's
# start keeps that tree (dltips.staging), so the job trains only what is missing. A job forced to
# run again trains anew.
@pytest.mark.workflow
def test_a_job_run_again_trains_only_its_missing_tree_and_a_forced_one_trains_anew(smoke, tmp_path):
    import shutil

    workdir = tmp_path / "study"
    shutil.copytree(smoke, workdir, symlinks=True)  # its results and Snakemake's records of them
    tied = workdir / SMOKE_RESULTS / "tied" / "runs"
    job = next(d.name for d in sorted(tied.iterdir()) if any(p.is_dir() for p in d.iterdir()))  # one with tied runs
    shutil.rmtree(tied / job)
    target = f"{SMOKE_RESULTS}/tied/runs/{job}"
    done = snakemake(workdir, target)
    assert "1 training job(s) to run again keep the trees they finished" in done.stderr
    trained = timing_counts(workdir, job)
    assert trained["reported"] == trained["rate search"] == trained["confirmation"] == 0 < trained["tied"]
    same_job_trees(smoke, workdir, job)
    assert not list((workdir / SMOKE_RESULTS).rglob("*.partial"))
    snakemake(workdir, target, "--forcerun", "train")
    assert timing_counts(workdir, job)["rate search"] > 0
    same_job_trees(smoke, workdir, job)
