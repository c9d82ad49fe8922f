"""Running the study on SLURM: what is checked before anything is submitted, and resuming
after the Snakemake process was killed.

What a cluster user trips over, each handled here:
- the SLURM profile's placeholders (account, partition) still unfilled;
- a status command that cannot work (sacct on a cluster without accounting): the executor
  plugin then drops its jobs after a few failed queries and waits forever, silently;
- a killed Snakemake leaves its SLURM jobs queued or running: a resumed study must neither run
  them a second time nor keep what they wrote after the kill without checking it.

Torch-free: it runs while the workflow is parsed.
"""

import getpass
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .contract import Job, read_job

RECORD = Path(".snakemake") / "dltips" / "slurm-run.json"  # in the study folder

# The executor plugin (2.8.0) waits at most 180 s between two status checks and lets one query
# take up to 60 s. squeue lists a finished job for MinJobAge seconds only: shorter than the
# longest gap, a job can end unseen and the plugin then waits for it forever.
SQUEUE_MIN_JOB_AGE = 180 + 60

# Files on a cluster's shared file system carry the file server's or the compute node's clock:
# outputs written up to this many seconds "before" the killed run started still count as its.
CLOCK_SKEW_S = 60

PROFILE = "workflow/profiles/slurm/config.yaml"
PLACEHOLDER_HINTS = {
    "slurm_account": "`sacctmgr show assoc user=$USER format=account` lists yours; on a cluster "
    "without accounting (sacct says it is disabled) delete the line",
    "slurm_partition": "`sinfo -s` lists them; or delete the line to use the cluster's default partition",
}


class SlurmError(Exception):
    """A SLURM run that cannot work as set up; the message says what to change."""


# ---- before the first submission -------------------------------------------------------
def placeholder_problems(resources: dict) -> list[str]:
    """One line per default resource still holding the profile's `<...>` placeholder. (The
    plugin's `slurm-no-account` does not stop an account given here from being sent.)"""
    problems = []
    for key, value in resources.items():
        text = str(value).strip().strip("'\"")
        if not (text.startswith("<") and text.endswith(">")):
            continue
        hint = PLACEHOLDER_HINTS.get(key, "the value your cluster expects")
        problems.append(f"default-resources {key}: {text!r} is the placeholder of {PROFILE}; "
                        f"fill it in ({hint})")
    return problems


def parse_min_job_age(scontrol_config: str) -> int | None:
    """MinJobAge in seconds from `scontrol show config` (e.g. `MinJobAge = 300 sec`)."""
    match = re.search(r"^\s*MinJobAge\s*=\s*(\d+)\s*([a-zA-Z]*)", scontrol_config, re.MULTILINE)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2).lower()
    return value * {"min": 60, "h": 3600, "hour": 3600, "hours": 3600}.get(unit, 1)


def choose_status_command(requested: str | None, sacct_error: str | None,
                          min_job_age: int | None) -> tuple[str, str | None]:
    """The status command that follows every job to its end on this cluster, and a note when
    it is not the one requested. `sacct_error`: None when sacct answers, else what it said."""
    squeue_works = min_job_age is not None and min_job_age >= SQUEUE_MIN_JOB_AGE
    age = "unknown" if min_job_age is None else f"{min_job_age} s"
    if requested == "squeue" and squeue_works:
        return "squeue", None
    if sacct_error is None:
        note = None if requested in (None, "sacct") else (
            f"status queries use sacct, not squeue: MinJobAge ({age}) is below {SQUEUE_MIN_JOB_AGE} s, "
            "so squeue may forget a finished job before it is asked")
        return "sacct", note
    if squeue_works:
        note = None if requested == "squeue" else (
            f"status queries use squeue: sacct cannot answer here ({sacct_error}); "
            f"squeue keeps finished jobs for MinJobAge = {age}")
        return "squeue", note
    raise SlurmError(
        "SLURM cannot tell Snakemake when its jobs end, so the run would wait forever: "
        f"sacct fails ({sacct_error}) and squeue forgets a finished job after MinJobAge = {age}, "
        f"less than the {SQUEUE_MIN_JOB_AGE} s between the executor's status checks. Ask the "
        f"cluster's administrators for job accounting (slurmdbd) or MinJobAge >= {SQUEUE_MIN_JOB_AGE} "
        "in slurm.conf, or run the study without the SLURM profile.")


def sacct_error() -> str | None:
    """None when sacct answers the query the executor plugin makes; else what it said."""
    if shutil.which("sacct") is None:
        return "sacct is not installed"
    start = f"{datetime.now() - timedelta(hours=1):%Y-%m-%dT%H:%M}"
    cmd = ["sacct", "-X", "--parsable2", "--noheader", "--format=JobIdRaw,State",
           "--starttime", start, "--endtime", "now", "--name", "dltips-probe"]
    return _run_error(cmd)


def min_job_age() -> int | None:
    try:
        done = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_min_job_age(done.stdout) if done.returncode == 0 else None


def _run_error(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return None
    return done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"


# ---- who runs this study ---------------------------------------------------------------
def _start_ticks(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot), to tell it from a later one that
    reuses its id; None where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def this_process() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": _start_ticks(os.getpid()),
            "time": time.time()}


def is_alive(record: dict) -> bool | None:
    """Whether the recorded Snakemake still runs; None when it ran on another host."""
    if record.get("host") != socket.gethostname():
        return None
    if record.get("started") is not None:
        return _start_ticks(record["pid"]) == record["started"]
    try:
        os.kill(record["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_record(folder: Path) -> None:
    path = Path(folder) / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(this_process()))


def read_record(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / RECORD).read_text())
    except (OSError, ValueError):
        return None


def clear_record(folder: Path) -> None:
    """At the end of a run: remove the record if it is this process's."""
    record = read_record(folder)
    if record and record.get("pid") == os.getpid() and record.get("host") == socket.gethostname():
        (Path(folder) / RECORD).unlink(missing_ok=True)


# ---- the killed run's SLURM jobs -------------------------------------------------------
def parse_squeue(text: str, folder: Path) -> list[str]:
    """Ids of Snakemake's jobs (comment `rule_...`) submitted from `folder`, from
    `squeue --format=%i|%Z|%k` lines."""
    here = os.path.realpath(folder)
    ids = []
    for line in text.splitlines():
        parts = line.strip().split("|", 2)
        if len(parts) == 3 and os.path.realpath(parts[1]) == here and parts[2].startswith("rule_"):
            ids.append(parts[0])
    return ids


def queued_jobs(folder: Path) -> list[str]:
    """This user's Snakemake jobs from `folder` that are queued or running."""
    cmd = ["squeue", "--user", getpass.getuser(), "--noheader", "--format=%i|%Z|%k"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise SlurmError(f"squeue failed ({done.stderr.strip()}): cannot check for the killed run's jobs")
    return parse_squeue(done.stdout, folder)


def cancel(ids: list[str], folder: Path, wait_s: float = 120) -> None:
    """Cancel the jobs and wait until SLURM has stopped them, so nothing writes afterwards."""
    subprocess.run(["scancel", *ids], capture_output=True, text=True, timeout=60)
    deadline = time.monotonic() + wait_s
    while set(ids) & set(queued_jobs(folder)):
        if time.monotonic() > deadline:
            raise SlurmError(f"SLURM jobs {', '.join(ids)} are still running {wait_s:.0f} s after scancel")
        time.sleep(2)


# ---- what the killed run's jobs may have written -----------------------------------------
def job_dir_matches(job_dir: Path, job: Job) -> bool:
    """A train job's folder is complete (job.json is written last) and made for `job`."""
    try:
        stored = read_job(job_dir)
    except (OSError, ValueError, KeyError, TypeError):  # absent, cut short, or not a job's record
        return False
    return stored.spec == job


def dataset_matches(npz: Path, provenance: dict) -> bool:
    """A dataset file is intact (its sidecar's sha256) and built from `provenance`'s settings."""
    npz = Path(npz)
    try:
        meta = json.loads(npz.with_suffix(".json").read_text())
        digest = hashlib.sha256(npz.read_bytes()).hexdigest()
    except (OSError, ValueError):
        return False
    wanted = json.loads(json.dumps(provenance))
    return meta.get("sha256") == digest and all(meta.get(k) == v for k, v in wanted.items())


@dataclass
class Orphans:
    """What the killed run's jobs may have left: outputs checked and kept, and outputs to rebuild."""

    kept: list[Path]
    rebuild: list[Path]


def check_outputs(job_dirs: dict[Path, Job], datasets: dict[Path, dict], rebuild_if_newer: list[Path],
                  since: float) -> Orphans:
    """`job_dirs`/`datasets`: existing outputs with the spec they must match (kept when they do);
    `rebuild_if_newer`: other outputs of SLURM jobs, rebuilt when written after `since`."""
    kept, rebuild = [], []
    for checks, matches in ((job_dirs, job_dir_matches), (datasets, dataset_matches)):
        for path, spec in checks.items():
            if Path(path).exists():
                (kept if matches(path, spec) else rebuild).append(Path(path))
    rebuild += [Path(p) for p in rebuild_if_newer if Path(p).exists() and Path(p).stat().st_mtime >= since - CLOCK_SKEW_S]
    return Orphans(kept=kept, rebuild=rebuild)


def remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            if path.suffix == ".npz":  # the dataset's checksum sidecar goes with it
                path.with_suffix(".json").unlink(missing_ok=True)


# ---- the two entry points the workflow calls ----------------------------------------------
def missing_commands(which=shutil.which) -> list[str]:
    """The SLURM commands the executor submits and follows jobs with that this machine lacks."""
    return [command for command in ("sbatch", "squeue", "scancel") if which(command) is None]


def preflight(resources: dict, settings, folder: Path, log=print) -> None:
    """Under the SLURM executor, before the first job is submitted: SLURM is there, the profile
    is filled in, the status command can follow jobs to their end (chosen here when the
    requested one cannot), and this run is recorded so that a later start can tell whether it
    still runs."""
    missing = missing_commands()
    if missing:
        raise SlurmError(f"SLURM is not installed on this machine ({', '.join(missing)} not on PATH): run the SLURM "
                         f"profile on a cluster's login node, or install a single-node SLURM with .ci/slurm-setup")
    problems = placeholder_problems(resources)
    if problems:
        raise SlurmError("the SLURM profile is not filled in:\n  " + "\n  ".join(problems))
    command, note = choose_status_command(getattr(settings, "status_command", None), sacct_error(), min_job_age())
    settings.status_command = command
    if note:
        log(note)
    write_record(folder)


def resume(folder: Path, outputs, dryrun: bool, log=print) -> None:
    """Before the job graph is built: when the last SLURM run of this study was killed, cancel
    its jobs still queued or running, then check what its jobs wrote (`outputs(since)` ->
    Orphans) and remove what does not check out, so that it is rebuilt. A dry run only says so."""
    record = read_record(folder)
    if record is None:
        return
    who = f"Snakemake pid {record.get('pid')} on {record.get('host')}"
    alive = is_alive(record)
    if alive:
        if dryrun:
            log(f"note: this study is being run on SLURM by {who}")
            return
        raise SlurmError(f"this study is being run on SLURM by {who}; a second run would submit the same "
                         f"jobs again. Wait for it, or stop it (Ctrl-C, or kill -INT {record.get('pid')}: "
                         "Snakemake then cancels its SLURM jobs) and start again.")
    if shutil.which("squeue") is None:
        ids = []
        log(f"warning: the last SLURM run of this study ({who}) was killed, and squeue is not here to "
            "check for its jobs: cancel any that still run before starting")
    else:
        ids = queued_jobs(folder)
    if alive is None and ids:
        raise SlurmError(f"the last SLURM run of this study ({who}) has jobs queued or running "
                         f"({', '.join(ids)}). If it still runs, let it finish; if it was killed, cancel "
                         f"them (scancel {' '.join(ids)}) and start again.")
    if dryrun:
        found = outputs(record["time"])
        log(f"note: the last SLURM run of this study ({who}) was killed; a real run first cancels its "
            f"{len(ids)} queued or running job(s) and rebuilds {len(found.rebuild)} output(s) it left")
        return
    if ids:
        log(f"the last SLURM run of this study ({who}) was killed: cancelling its jobs {', '.join(ids)}")
        cancel(ids, folder)
    found = outputs(record["time"])  # after the cancel: nothing writes any more
    remove(found.rebuild)
    log(f"after the killed SLURM run: {len(found.kept)} output(s) checked against their settings and kept, "
        f"{len(found.rebuild)} rebuilt" + (f" ({', '.join(map(str, found.rebuild))})" if found.rebuild else ""))
    (Path(folder) / RECORD).unlink(missing_ok=True)
