"""Settings and exit of a training process (a Snakemake training job, or a benchmark's)."""

import os
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout

import torch

from .extensions import load as load_extensions


def configure_torch(threads: int) -> None:
    """Process-wide settings every training process uses (jobs and benchmarks alike)."""
    torch.set_num_threads(threads)
    # Subnormal floats (below 1.2e-38) take x86 arithmetic off its fast path; in ReLU nets
    # under Adagrad or RMSprop they appear in gradients and optimizer states and made whole
    # grid jobs several times slower (README: Performance). Flushing them to zero changed the
    # numbers of a few runs of the default study and no verdict.
    torch.set_flush_denormal(True)


def end_process() -> None:
    """Exit at once, skipping the interpreter's teardown, which with torch loaded is a
    noticeable part of a short job's cost. Call only once every output is written and closed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_training_job(log_path: str, extensions: list[str] | None, train: Callable[[], str],
                     progress: Callable[[], str] | None = None) -> None:
    """A training job's script around `train` (which returns its summary lines): the extensions
    loaded and everything printed in the job's log, the summary in the log and on the console
    (Snakemake shows a job's stderr as it runs), with `progress()`'s line after it where given,
    then end_process."""
    with open(log_path, "w") as log, redirect_stdout(log), redirect_stderr(log):
        load_extensions(extensions)
        summary = train()
        print(summary)
    print(summary if progress is None else f"{summary}\n{progress()}", file=sys.stderr)
    end_process()
