"""(e): a finished study against the machine's arithmetic limit, its own loop at its own shapes,
and the textbook loop, all measured in one command on one machine.

    python benchmarks/bench.py --study results/smoke [--cores 2] [--floor-draws 24]

Reads the study's records (dltips.study_time: its wall time and where its CPU seconds went; the
stacks its jobs trained, study_stacks), then measures this machine's single-thread matmul
peak, the study's own epoch loop on a sample of its stacks (floor.py), and the textbook loop
(textbook.py: a run per process, start-up included), `cores` processes side by side as one
Snakemake job per run would run. The headline figures are in ms per model-epoch machine-wide:
wall seconds over model-epochs, all cores together. The table then splits the study's CPU
seconds into its parts, each per model-epoch on one core against the limit at that part's own
shapes, and the product below it says how far each step of the way is from the limit: the cores
held or idle while not computing, the CPU spent outside any epoch, the epochs' CPU over the loop
alone, and the loop alone over the limit.
"""

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dltips import data as datasets
from dltips.phases import EVALUATION, LAYER_STATS, RATE_SEARCH, STARTUP, TRAINING, WRITING
from dltips.study_time import JUDGING, REPORT, TIED, UNSPLIT, StudyTime, study_time

import floor
import roofline
from pipeline import TEXTBOOK
from study_stacks import KINDS, study_stacks
from workload import Workload

# the study's parts that train epochs (floor.PARTS) -> their CPU seconds' parts in dltips.study_time
EPOCH_PARTS = {"rate search and confirmation": (RATE_SEARCH,), "reported runs": (TRAINING, EVALUATION, LAYER_STATS),
               TIED: (TIED,)}
OTHER_PARTS = (STARTUP, WRITING, JUDGING, REPORT, UNSPLIT)


def textbook_side_by_side(work: Workload, cores: int) -> tuple[float, float]:
    """Wall seconds of `cores` textbook runs (regularizer none, seeds 0..cores-1), one process
    each, all at once, and the CPU seconds of their processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(TEXTBOOK), json.dumps({"regularizer": "none", "seed": s}),
                               *work.argv()], stdout=subprocess.DEVNULL) for s in range(cores)]
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError(f"textbook run {p.args} failed ({p.returncode})")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load_datasets(results, names) -> dict:
    return {name: datasets.load(Path(results) / "data" / f"{name}.npz") for name in sorted(names)}


def part_table(study, flops: dict[str, float], model_epochs: dict[str, int], floors: dict, peak: float) -> list[str]:
    """The Markdown table of the study's CPU seconds: each part that trains epochs per
    model-epoch on one core against its own limit, with its loop's floor and its bare matmuls;
    the parts outside the epochs per model-epoch of the whole study."""
    n, total_flops = sum(model_epochs.values()), sum(flops.values())
    limit_ms = total_flops / n / (peak * 1e9) * 1000
    rows = ["| part | CPU s | model-epochs | CPU ms per model-epoch | × limit | its loop alone, × limit | "
            "its bare matmuls, × limit |", "|---|---|---|---|---|---|---|"]
    for part, sources in EPOCH_PARTS.items():
        cpu = _cpu(study, sources)
        if not model_epochs.get(part):
            continue
        own_limit_ms = flops[part] / model_epochs[part] / (peak * 1e9) * 1000
        ms = cpu * 1000 / model_epochs[part]
        f = floors.get(part)
        loop = "" if f is None else _plus_minus(*floor.estimate(f.ratios("loop", peak))) + f" ({len(f.loop_s)} draws)"
        kernels = "" if f is None else _plus_minus(*floor.estimate(f.ratios("kernels", peak)))
        rows.append(f"| {part} | {cpu:,.0f} | {model_epochs[part]:,} | {ms:.2f} | {ms / own_limit_ms:.2f} | "
                    f"{loop} | {kernels} |")
    for part in OTHER_PARTS:
        cpu = study.cpu.get(part)
        if cpu:
            rows.append(f"| {part} | {cpu:,.0f} | | {cpu * 1000 / n:.2f} | {cpu * 1000 / n / limit_ms:.2f} | | |")
    return rows


def _cpu(study, sources) -> float:
    return sum(study.cpu.get(s) or 0.0 for s in sources)


def _plus_minus(mean: float, se: float) -> str:
    return f"{mean:.2f}" if se != se else f"{mean:.2f} ± {se:.2f}"


def decomposition(study, total_flops: float, loop_ratio: float, peak: float) -> dict[str, float]:
    """The study's wall time x cores over its limit, as a product: cores held or idle while not
    computing (wall x cores over CPU), CPU outside the epochs (all CPU over the epochs' CPU), the
    epochs over their loop alone, the loop alone over the limit (`loop_ratio`)."""
    limit_s = total_flops / (peak * 1e9)
    cpu = sum(v for v in study.cpu.values() if v)
    epochs = sum(_cpu(study, sources) for sources in EPOCH_PARTS.values())
    return {
        "cores not computing": study.wall * study.cores / cpu,
        "CPU outside the epochs": cpu / epochs,
        "epochs over their loop alone": epochs / (loop_ratio * limit_s),
        "the loop alone": loop_ratio,
        "the study": study.wall * study.cores / limit_s,
    }


@dataclass(frozen=True)
class StudyRecords:
    """What a finished study's records say: its time (dltips.study_time), its stacks, and per part
    that trains epochs (floor.PARTS) their model-epochs and the FLOPs the limit counts for them."""

    time: StudyTime
    stacks: list
    units: list
    data: dict
    model_epochs: dict[str, int]
    flops: dict[str, float]

    @classmethod
    def read(cls, results, cores: int) -> "StudyRecords":
        stacks = study_stacks(results)
        data = load_datasets(results, {s.job.dataset for s in stacks})
        units = floor.units(stacks, data)
        if not units:
            raise SystemExit(f"{results}: its jobs trained no model-epochs")
        return cls(study_time(results, cores), stacks, units, data,
                   {part: sum(sum(s.epochs) for s in stacks if s.kind in kinds) for part, kinds in floor.PARTS.items()},
                   {part: sum(u.flops for u in units if u.stack.kind in kinds) for part, kinds in floor.PARTS.items()})

    def by_kind(self) -> dict[str, int]:
        return {kind: sum(sum(s.epochs) for s in self.stacks if s.kind == kind) for kind in KINDS}


def report_study(results, cores: int, work: Workload, draws: int = 24, seed: int = 0) -> None:
    records = StudyRecords.read(results, cores)
    drawn = floor.sample(records.units, draws, seed)
    peaks = [roofline.matmul_peak(clock=time.process_time)]

    def peak_now():
        peaks.append(roofline.matmul_peak(clock=time.process_time))

    start = time.process_time()
    floors = floor.measure(drawn, records.data, between=peak_now)
    floor_cpu = time.process_time() - start
    textbook_wall, textbook_cpu = textbook_side_by_side(work, cores)
    peak_now()
    peak = max(peaks)  # the machine at its best in this command: the limit is the least time

    study, n, total_flops = records.time, sum(records.model_epochs.values()), sum(records.flops.values())
    ms = study.wall * 1000 / n
    cpu_ms = sum(v for v in study.cpu.values() if v) * 1000 / n / cores
    limit_ms = total_flops / n / (peak * 1e9 * cores) * 1000
    textbook_ms, textbook_cpu_ms = (s * 1000 / (cores * work.epochs) for s in (textbook_wall, textbook_cpu / cores))
    loop_ratio, loop_se = floor.combined(floors, records.flops, peak, "loop")
    kernel_ratio, kernel_se = floor.combined(floors, records.flops, peak, "kernels")
    kinds = ", ".join(f"{k} {v:,}" for k, v in records.by_kind().items())
    print(f"(e) study {results}: wall {study.wall:.1f} s on {cores} cores, {n:,} model-epochs ({kinds})")
    print(f"    the study:        {ms:8.2f} ms per model-epoch machine-wide; its CPU seconds alone on {cores} cores: "
          f"{cpu_ms:.2f} ms")
    print(f"    arithmetic limit: {limit_ms:8.2f} ms ({total_flops / n / 1e6:.0f} MFLOP per model-epoch on average at "
          f"{peak:.1f} GFLOP/s, the best of {len(peaks)} measurements in this command ("
          + ", ".join(f"{p:.1f}" for p in peaks) + f"), 1 thread, CPU time, x {cores} cores) "
          f"-> the study at {ms / limit_ms:.2f}x the limit, its CPU seconds at {cpu_ms / limit_ms:.2f}x")
    print(f"    its loop alone:   {loop_ratio * limit_ms:8.2f} ms ({_plus_minus(loop_ratio, loop_se)}x the limit: "
          f"dltips' step and a validation evaluation, CPU time, on {draws} epochs of the study's stacks drawn by their "
          f"arithmetic, seed {seed}, {floor_cpu:.0f} CPU s; their bare matmuls alone "
          f"{_plus_minus(kernel_ratio, kernel_se)}x)")
    print(f"    textbook loop:    {textbook_ms:8.2f} ms ({cores} processes side by side, one run of "
          f"{work.epochs} epochs each, {work.activation}/{work.optimizer}, start-up included) "
          f"-> {textbook_ms / ms:.2f}x the study's cost; its CPU seconds alone {textbook_cpu_ms:.2f} ms "
          f"-> {textbook_cpu_ms / cpu_ms:.2f}x the study's")
    print()
    print("\n".join(part_table(study, records.flops, records.model_epochs, floors, peak)))
    print()
    parts = decomposition(study, total_flops, loop_ratio, peak)
    whole = parts.pop("the study")
    print(f"the study at {whole:.2f}x the limit = " + " x ".join(f"{v:.2f} ({k})" for k, v in parts.items()))
