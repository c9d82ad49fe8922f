"""(a), (a') and (b): the runs trained as a pipeline would run them, start-up included.

(a) and (a') start a fresh process per run, as one Snakemake job per run would be; (b) one
process for all the runs, as dltips' job trains its stack. Each returns the seconds it took
and each run's numbers, in the order of the runs.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

from workload import Workload

TEXTBOOK = Path(__file__).with_name("textbook.py")
DLTIPS_JOB = Path(__file__).with_name("dltips_job.py")


def _process(script: Path, runs, work: Workload):
    """What `script` prints of `runs` (one run, or a list of them), run in a process of its own."""
    cmd = [sys.executable, str(script), json.dumps(runs), *work.argv()]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def textbook_per_run(work: Workload, runs: list[dict]) -> tuple[float, list[dict]]:
    """(a): the textbook loop, a process per run."""
    start = time.perf_counter()
    out = [_process(TEXTBOOK, run, work) for run in runs]
    return time.perf_counter() - start, out


def dltips_per_run(work: Workload, runs: list[dict]) -> tuple[float, list[dict]]:
    """(a'): dltips unbatched, a process per run, each a stack of one."""
    start = time.perf_counter()
    out = [_process(DLTIPS_JOB, [run], work)[0] for run in runs]
    return time.perf_counter() - start, out


def dltips_per_job(work: Workload, runs: list[dict]) -> tuple[float, list[dict]]:
    """(b): dltips, one process training the runs side by side."""
    start = time.perf_counter()
    out = _process(DLTIPS_JOB, runs, work)
    return time.perf_counter() - start, out
