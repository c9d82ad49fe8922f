"""(e): a finished study against the machine's arithmetic limit and the textbook loop, all
measured in one command on one machine.

    python benchmarks/bench.py --study results/smoke [--cores 2]

Reads the study's records (dltips.study_time: its wall time, the model-epochs its training
jobs trained), then measures this machine's single-thread matmul peak and the textbook loop
(textbook.py: a run per process, start-up included), `cores` processes side by side as one
Snakemake job per run would run. Every figure is in ms per model-epoch machine-wide: wall
seconds over model-epochs, all cores together.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

from dltips import data as datasets
from dltips.contract import read_job
from dltips.study_time import read_timings, study_time

import roofline
from pipeline import TEXTBOOK
from workload import Workload


def job_dims(job, data) -> list[int]:
    """A job's MLP widths, input to output (a Maxout layer computes `pieces` units per output)."""
    pieces = job.model.get("maxout_pieces", 1) if job.activation == "maxout" else 1
    return [data.n_features] + [job.model["width"] * pieces] * job.model["depth"] + [data.n_classes]


def study_flops(results, timings: dict[str, dict]) -> float:
    """The arithmetic of every model-epoch the study's training jobs trained: per model-epoch the
    training step over the training split and one evaluation of the validation split, the least
    an epoch does (reported runs also evaluate train and test at some epochs, and take layer
    statistics)."""
    cache, total = {}, 0.0
    for name, timing in timings.items():
        job = read_job(Path(results) / "runs" / name).spec
        if job.dataset not in cache:
            cache[job.dataset] = datasets.load(Path(results) / "data" / f"{job.dataset}.npz")
        data = cache[job.dataset]
        per = roofline.model_epoch_flops(job_dims(job, data), len(data.y["train"]), len(data.y["val"]))
        total += per * sum(timing["model_epochs"].values())
    return total


def textbook_side_by_side(work: Workload, cores: int) -> float:
    """Wall seconds of `cores` textbook runs (regularizer none, seeds 0..cores-1), one process
    each, all at once."""
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(TEXTBOOK), json.dumps({"regularizer": "none", "seed": s}),
                               *work.argv()], stdout=subprocess.DEVNULL) for s in range(cores)]
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError(f"textbook run {p.args} failed ({p.returncode})")
    return time.perf_counter() - start


def report_study(results, cores: int, work: Workload) -> None:
    study = study_time(results, cores)
    n = study.total_model_epochs
    if not n:
        raise SystemExit(f"{results}: its training jobs recorded no model-epochs (no timing files)")
    ms = study.wall * 1000 / n
    flops = study_flops(results, read_timings(results))
    peak = roofline.matmul_peak()
    limit_ms = flops / n / (peak * 1e9 * cores) * 1000
    textbook_ms = textbook_side_by_side(work, cores) * 1000 / (cores * work.epochs)
    peak_after = roofline.matmul_peak()
    kinds = ", ".join(f"{k} {v:,}" for k, v in study.model_epochs.items())
    print(f"(e) study {results}: wall {study.wall:.1f} s on {cores} cores, {n:,} model-epochs ({kinds})")
    print(f"    the study:        {ms:8.2f} ms per model-epoch machine-wide")
    print(f"    arithmetic limit: {limit_ms:8.2f} ms ({flops / n / 1e6:.0f} MFLOP per model-epoch on average at "
          f"{peak:.1f} GFLOP/s, 1 thread, x {cores} cores; {peak_after:.1f} GFLOP/s after the textbook loop) "
          f"-> the study at {ms / limit_ms:.2f}x the limit")
    print(f"    textbook loop:    {textbook_ms:8.2f} ms ({cores} processes side by side, one run of "
          f"{work.epochs} epochs each, {work.activation}/{work.optimizer}, start-up included) "
          f"-> {textbook_ms / ms:.2f}x the study's cost")
