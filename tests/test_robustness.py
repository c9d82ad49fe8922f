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


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reference")
    snakemake(workdir, "collect")
    return workdir


@pytest.mark.workflow
def test_same_config_and_seeds_give_identical_tables(reference, tmp_path):
    snakemake(tmp_path, "collect")
    for name, table in read_tables(reference).items():
        pd.testing.assert_frame_equal(read_tables(tmp_path)[name], table, check_exact=True, obj=name)
    # and byte for byte, timing columns aside
    for name in ("runs", "epochs"):
        a = (reference / SMOKE_RESULTS / "tables" / f"{name}.csv").read_text().splitlines()
        b = (tmp_path / SMOKE_RESULTS / "tables" / f"{name}.csv").read_text().splitlines()
        if name == "runs":
            col = a[0].split(",").index("seconds")
            a = [",".join(v for i, v in enumerate(line.split(",")) if i != col) for line in a]
            b = [",".join(v for i, v in enumerate(line.split(",")) if i != col) for line in b]
        assert a == b, name


def jobs_done(workdir) -> int:
    return len(list((workdir / SMOKE_RESULTS / "runs").glob("*/job.json")))  # a job writes job.json last


@pytest.mark.workflow
@pytest.mark.parametrize("jobs_before_kill", [0, 1, 6])  # of the smoke study's 11 training jobs
def test_kill_9_then_the_same_command_finishes_with_identical_tables(reference, tmp_path, jobs_before_kill):
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
    assert jobs_done(tmp_path) < 11  # it was killed with work left to do
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
    for name, table in read_tables(reference).items():
        pd.testing.assert_frame_equal(read_tables(tmp_path)[name], table, check_exact=True, obj=name)
