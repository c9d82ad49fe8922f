"""A training job's timing file: the seconds of each phase of its process (dltips.phases) and
the model-epochs it trained, beside its runs. Timing only: nothing that must stay bit for bit
reads it (the study's tables and verdicts never do)."""

import time
from pathlib import Path

from .io import read_json, write_json

TIMING_FILE = "timing.json"
# what a job's model-epochs trained for: its reported runs, its rate search, its confirmations, and
# its runs again at the rates tied with their arm's pick (dltips.tied)
REPORTED, SEARCH, CONFIRMATION, TIED = "reported", "rate search", "confirmation", "tied"


def write_timing(job_dir, seconds: dict[str, float], model_epochs: dict[str, int], threads: int,
                 started: float | None, cpu_seconds: dict[str, float] | None = None) -> None:
    """Wall `seconds` and the process's `cpu_seconds` per phase; `started`: when the process
    started (seconds since the epoch), None where unknown."""
    write_json(Path(job_dir) / TIMING_FILE, {
        "seconds": {phase: round(s, 4) for phase, s in seconds.items()},
        "cpu_seconds": {phase: round(s, 4) for phase, s in (cpu_seconds or {}).items()},
        "model_epochs": model_epochs,
        "threads": threads,
        "started": started,
        "ended": time.time(),
    })


def read_timing(job_dir) -> dict | None:
    """A job's timing file, None where it has none (a job trained by an older dltips)."""
    path = Path(job_dir) / TIMING_FILE
    return read_json(path) if path.exists() else None

