"""The smoke preset through workflow/profiles/slurm on a real SLURM: the training jobs go through
sbatch, a kill -9 of Snakemake mid-way is resumed by the same command without running any job
twice, and runs.csv equals a local smoke run's.

It submits about 20 jobs to the SLURM cluster of this machine, so it runs only when asked:
DLTIPS_SLURM_TEST=1 (.ci/slurm sets it after .ci/slurm-setup has started a single-node cluster).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SMOKE_RESULTS
from dltips.collect import TIMING_COLUMNS

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]


def _out(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def cluster_problem() -> str | None:
    if shutil.which("sinfo") is None:
        return "no SLURM commands here (sinfo)"
    done = _out("sinfo", "--noheader", "--format=%t")
    if done.returncode != 0:
        return f"sinfo fails: {done.stderr.strip()}"
    if not {"idle", "mix", "alloc"} & set(done.stdout.split()):
        return f"no node is up (sinfo: {done.stdout.split()})"
    return None


@pytest.fixture(scope="session")  # before the session's local smoke run, which a skip then spares
def cluster():
    if not os.environ.get("DLTIPS_SLURM_TEST"):
        pytest.skip("submits jobs to this machine's SLURM: set DLTIPS_SLURM_TEST=1 (.ci/slurm does, after "
                    ".ci/slurm-setup has started a single-node SLURM)")
    problem = cluster_problem()
    if problem:
        pytest.fail(f"DLTIPS_SLURM_TEST is set but no SLURM cluster answers: {problem}")


def accounting() -> bool:
    return _out("sacct", "--noheader", "--starttime", "now-1hours", "--format=JobID").returncode == 0


def filled_profile(folder: Path) -> Path:
    """workflow/profiles/slurm with its placeholders filled in for this cluster, as a user would."""
    profile = yaml.safe_load((ROOT / "workflow" / "profiles" / "slurm" / "config.yaml").read_text())
    resources = profile["default-resources"]
    partitions = _out("sinfo", "--noheader", "--format=%P").stdout.split()
    resources["slurm_partition"] = next(p for p in partitions if p.endswith("*")).rstrip("*")
    if accounting():
        account = _out("sacctmgr", "-nP", "show", "assoc", f"user={os.environ.get('USER', 'root')}", "format=account")
        resources["slurm_account"] = account.stdout.split()[0]
    else:
        del resources["slurm_account"]  # what the profile says to do without accounting
    profile["slurm-keep-successful-logs"] = True  # each submission's SLURM job id, for the history
    folder.mkdir()
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def command(workdir: Path, profile: Path) -> list[str]:
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", str(ROOT / "config.yaml"),
            "--directory", str(workdir), "--workflow-profile", str(profile),
            "--config", "preset=smoke"]


def queued(workdir: Path, rule: str = "") -> list[str]:
    """Ids of the SLURM jobs from `workdir` that are queued or running (of `rule`, if given)."""
    lines = _out("squeue", "--noheader", "--format=%i|%Z|%k").stdout.splitlines()
    return [i for i, wd, comment in (line.split("|", 2) for line in lines)
            if os.path.realpath(wd) == os.path.realpath(workdir) and comment.startswith(f"rule_{rule}")]


def submissions(workdir: Path, rule: str) -> dict[str, list[str]]:
    """wildcards -> SLURM job ids of every submission of `rule` (the executor's log files)."""
    logs = workdir / ".snakemake" / "slurm_logs" / f"rule_{rule}"
    out: dict[str, list[str]] = {}
    for log in logs.glob("*/*.log"):
        out.setdefault(log.parent.name, []).append(log.stem)
    return out


def history(ids: list[str]) -> dict[str, tuple[str, datetime | None, datetime | None]]:
    """job id -> (state, start, end) from sacct, or from the job completion log without accounting."""
    def when(text):
        return datetime.fromisoformat(text) if re.match(r"\d{4}-", text or "") else None

    if accounting():
        done = _out("sacct", "-X", "-nP", "-j", ",".join(ids), "--format=JobIDRaw,State,Start,End")
        rows = [line.split("|") for line in done.stdout.splitlines()]
        return {r[0]: (r[1].split()[0], when(r[2]), when(r[3])) for r in rows}
    config = _out("scontrol", "show", "config").stdout
    kind = re.search(r"^JobCompType\s*=\s*(\S+)", config, re.M)
    assert kind and kind.group(1) == "jobcomp/filetxt", "no job history: neither accounting nor jobcomp/filetxt"
    path = re.search(r"^JobCompLoc\s*=\s*(\S+)", config, re.M).group(1)
    out = {}
    for line in Path(path).read_text().splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("JobId") in ids:
            out[fields["JobId"]] = (fields["JobState"], when(fields.get("StartTime")), when(fields.get("EndTime")))
    return out


def runs_table(workdir: Path) -> pd.DataFrame:
    table = pd.read_csv(workdir / SMOKE_RESULTS / "tables" / "runs.csv")
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table.columns])


def test_unfilled_profile_stops_before_anything_is_submitted(cluster, tmp_path):
    done = subprocess.run(command(tmp_path, ROOT / "workflow" / "profiles" / "slurm"), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0
    assert "the SLURM profile is not filled in" in done.stderr and "slurm_partition" in done.stderr
    assert not (tmp_path / ".snakemake" / "slurm_logs").exists() and queued(tmp_path) == []


def test_smoke_through_slurm_killed_and_resumed_equals_a_local_run(cluster, smoke, tmp_path):
    profile = filled_profile(tmp_path / "profile")
    workdir = tmp_path / "study"
    workdir.mkdir()
    started = time.monotonic()
    first = subprocess.Popen(command(workdir, profile), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    # kill -9 once training jobs are in SLURM: they outlive Snakemake, as on a real cluster
    while not queued(workdir, "train"):
        assert first.poll() is None, "the SLURM run ended before any training job was submitted"
        assert time.monotonic() - started < 600, "no training job reached SLURM within 10 minutes"
        time.sleep(1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    orphans = queued(workdir)
    assert orphans, "the killed run left no job in SLURM: nothing to resume"

    done = subprocess.run(command(workdir, profile), capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-5000:]
    assert "was killed: cancelling its jobs" in done.stderr
    print(f"SLURM smoke, killed and resumed: {time.monotonic() - started:.0f} s")

    train = submissions(workdir, "train")
    assert set(train) == {p.name for p in (smoke / SMOKE_RESULTS / "runs").iterdir()}, "a training job skipped sbatch"
    ids = [i for job_ids in train.values() for i in job_ids]
    seen = history(ids)
    assert set(seen) == set(ids), f"jobs missing from SLURM's history: {set(ids) - set(seen)}"
    for job, job_ids in train.items():
        states = [seen[i][0] for i in job_ids]
        assert states.count("COMPLETED") == 1, f"{job}: {dict(zip(job_ids, states))}"
        ran = sorted((seen[i][1], seen[i][2]) for i in job_ids if seen[i][1] and seen[i][2])
        for (_, end), (start, _) in zip(ran, ran[1:]):
            assert end <= start, f"{job} ran twice at once: {dict(zip(job_ids, states))}"
    assert all(state in ("COMPLETED", "CANCELLED") for state, _, _ in history(orphans).values())

    # one machine, one thread per job: the same float operations in the same order as locally
    pd.testing.assert_frame_equal(runs_table(workdir), runs_table(smoke), check_exact=True)
