"""Where a finished study's time went, from its own records.

Every rule writes a Snakemake benchmark record (`<results>/benchmarks/<rule>[/<wildcards>].tsv`:
the job's wall seconds, the file written as the job ends), and every training job a timing
file beside its runs (dltips.timing_file: the seconds of each phase of its process). The
study's wall time is the time during which some job ran (the union of the jobs' intervals, so
a study resumed a day later is not charged for the night; Snakemake's own start, before the
first job, is not in it). Multiplied by the cores it held, it splits into what the cores did:
each job holds its threads' cores for its seconds; a training job's seconds go to its phases,
and what its phases leave over (imports, Snakemake's job set-up, the process's exit) to its
start-up; what no job held is idle. The CPU seconds split the same way, without the idle part:
a training job's are its process's own per phase (start-up: its CPU time until its data is
loaded), another rule's the CPU time Snakemake's record samples.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .phases import EVALUATION, LAYER_STATS, RATE_SEARCH, STARTUP, TIED_RUNS, TRAINING, WRITING
from .staging import is_staging
from .timing_file import CONFIRMATION, REPORTED, SEARCH, TIED as TIED_EPOCHS, read_timing

BENCHMARKS = "benchmarks"
TRAIN_RULE, JUDGE_RULE = "train", "judge"
JUDGING, REPORT, IDLE, UNSPLIT = "judging", "tables and report figures", "idle cores", "training jobs, unsplit"
TIED = TIED_RUNS  # each arm's reported runs trained again at the rates tied with its pick (dltips.tied)
# what each rule's seconds are, but the training jobs' (split by their timing files)
RULE_PART = {
    "dataset": STARTUP,  # the data a study starts from
    "judge": JUDGING,
    "collect": REPORT,
    "weight_tables": REPORT,
    "derived_table": REPORT,
    "overview": REPORT,
    "provenance": REPORT,
    # the rules of an older dltips, which trained the tied runs and built their tables in jobs of
    # their own: a study it ran still holds their records
    "train_tied": TIED,
    "collect_tied": REPORT,
    "weight_tables_tied": REPORT,
    "derived_table_tied": REPORT,
}
PARTS = (STARTUP, RATE_SEARCH, TRAINING, EVALUATION, LAYER_STATS, WRITING, TIED, JUDGING, REPORT, UNSPLIT, IDLE)
# rules holding every core the study has (threads: workflow.cores)
ALL_CORES = {"judge"}


@dataclass(frozen=True)
class JobRecord:
    """One job's benchmark record: its rule, its wildcards' part of the name, its wall seconds
    and when it ended (the record's time of writing, seconds since the epoch)."""

    rule: str
    name: str
    seconds: float
    ended: float
    cpu_seconds: float | None = None  # the process tree's CPU seconds, where Snakemake measured them

    @property
    def started(self) -> float:
        return self.ended - self.seconds


def read_benchmarks(results) -> list[JobRecord]:
    """Every benchmark record of the study in `results`, sorted by rule and name."""
    root = Path(results) / BENCHMARKS
    if not root.is_dir():
        return []
    records = []
    for path in sorted(root.rglob("*.tsv")):
        relative = path.relative_to(root).with_suffix("")
        rule, name = relative.parts[0], "/".join(relative.parts[1:])
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        if not rows:
            raise ValueError(f"benchmark record {path}: no row under its header")
        seconds = sum(float(r["s"]) for r in rows) / len(rows)  # repeats, where a rule sets them
        records.append(JobRecord(rule, name, seconds, path.stat().st_mtime, _cpu(rows)))
    return records


def _cpu(rows: list[dict]) -> float | None:
    try:
        return sum(float(r["cpu_time"]) for r in rows) / len(rows)
    except (KeyError, TypeError, ValueError):  # "-" or "NA": not measured
        return None


def read_timings(results) -> dict[str, dict]:
    """Training job name -> its timing file, for every job of `results/runs` that has one."""
    runs = Path(results) / "runs"
    if not runs.is_dir():
        return {}
    return {d.name: t for d in sorted(runs.iterdir())
            if d.is_dir() and not is_staging(d) and (t := read_timing(d)) is not None}


def busy_wall_seconds(records: list[JobRecord]) -> float:
    """The seconds during which at least one job ran: the union of the jobs' intervals."""
    total, reach = 0.0, None
    for r in sorted(records, key=lambda r: r.started):
        if reach is None or r.started > reach:
            total += r.seconds
            reach = r.ended
        elif r.ended > reach:
            total += r.ended - reach
            reach = r.ended
    return total


@dataclass(frozen=True)
class StudyTime:
    wall: float  # seconds during which some job ran
    cores: int
    parts: dict[str, float]  # part -> core-seconds; they add up to wall x cores
    # part -> CPU seconds (no idle part; None where a record has no CPU time): what each part
    # cost on a machine others share, where the wall seconds also count the waits for a core
    cpu: dict[str, float | None]
    model_epochs: dict[str, int]  # reported, rate search, confirmation, tied: what the training jobs trained

    def table(self) -> pd.DataFrame:
        """part, core-seconds, share of wall x cores; a last row: wall x cores itself."""
        held = self.wall * self.cores
        rows = [{"part": p, "core_seconds": s, "share": s / held if held else float("nan"),
                 "cpu_seconds": self.cpu.get(p)} for p, s in self.parts.items()]
        cpu = [v for v in self.cpu.values() if v is not None]
        rows.append({"part": f"wall x cores ({self.wall:.1f} s x {self.cores})", "core_seconds": held, "share": 1.0,
                     "cpu_seconds": sum(cpu) if len(cpu) == len(self.cpu) else None})
        return pd.DataFrame(rows, columns=["part", "core_seconds", "share", "cpu_seconds"])

    @property
    def total_model_epochs(self) -> int:
        return sum(self.model_epochs.values())


def split(records: list[JobRecord], timings: dict[str, dict], cores: int) -> StudyTime:
    """The study's wall time x `cores`, split into PARTS (the module's docstring). A rule with
    no part of its own (one an extension adds) counts with the report's tables and figures."""
    if cores < 1:
        raise ValueError(f"cores: {cores!r}; a study holds at least one")
    parts = dict.fromkeys(PARTS, 0.0)
    cpu: dict[str, float | None] = dict.fromkeys((p for p in PARTS if p != IDLE), 0.0)

    def add_cpu(part, seconds):
        cpu[part] = None if seconds is None or cpu[part] is None else cpu[part] + seconds

    model_epochs = dict.fromkeys((REPORTED, SEARCH, CONFIRMATION, TIED_EPOCHS), 0)
    for r in records:
        if r.rule != TRAIN_RULE:
            parts[RULE_PART.get(r.rule, REPORT)] += r.seconds * (cores if r.rule in ALL_CORES else 1)
            add_cpu(RULE_PART.get(r.rule, REPORT), r.cpu_seconds)
            continue
        timing = timings.get(r.name)
        if timing is None:
            parts[UNSPLIT] += r.seconds
            add_cpu(UNSPLIT, r.cpu_seconds)
            continue
        threads = int(timing.get("threads", 1))
        measured = {p: float(s) * threads for p, s in timing["seconds"].items() if p != STARTUP}
        for p, s in measured.items():
            parts[p] += s
        parts[STARTUP] += max(0.0, r.seconds * threads - sum(measured.values()))
        # the process's own CPU seconds, its imports included (Snakemake samples a job's CPU
        # time at intervals, and misses the end of a short one)
        cpu_seconds = timing.get("cpu_seconds", {})
        for p in (STARTUP, *measured):
            add_cpu(p, None if p not in cpu_seconds else float(cpu_seconds[p]) * threads)
        for kind, n in timing["model_epochs"].items():
            model_epochs[kind] += int(n)
    wall = busy_wall_seconds(records)
    parts[IDLE] = wall * cores - sum(parts.values())
    return StudyTime(wall=wall, cores=cores, parts=parts, cpu=cpu, model_epochs=model_epochs)


def study_time(results, cores: int) -> StudyTime:
    """The split of the study whose outputs are in `results`, run on `cores` cores."""
    records = read_benchmarks(results)
    if not records:
        raise FileNotFoundError(f"no benchmark records under {Path(results) / BENCHMARKS}: run the study first "
                                "(every rule writes one)")
    return split(records, read_timings(results), cores)
