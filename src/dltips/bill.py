"""The bill before the work: the model-epochs a study's plan will train and about how long it
will take on this machine, and, while it runs, how far it is.

The count is the plan's (dltips.plan_size): every reported run for its full epochs, every rate
candidate through the halving schedule as configured, every condition's pick on every
confirmation seed. Torch-free: the Snakefile states the bill as it starts.

The time is calibrated from records (dltips.study_time): the core-seconds a training job took
per model-epoch it trained beyond its process's start-up, the start-up per job, and what the
judging and the report took, from the records of an earlier study in the results folder where
there are some, else from constants measured on the machine the README names.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from .contract import JOB_FILE, Job
from .phases import STARTUP, TIED_RUNS
from .plan import plan
from .plan_size import model_epochs
from .plan_size import total as total_model_epochs
from .study_time import JUDGE_RULE, TRAIN_RULE, read_benchmarks, read_timings
from .timing_file import TIED
from .words import count

# the rule of an older dltips that trained the tied runs in jobs of their own: a study it ran
# still calibrates their cost from its records
TIED_RULE = "train_tied"

# where the Snakefile notes the cores a study runs on, for its training jobs' progress lines
STUDY_FILE = "study.json"


def plan_model_epochs(jobs: dict[str, Job]) -> dict[str, int]:
    """job name -> its planned model-epochs in all (dltips.plan_size)."""
    return {name: sum(model_epochs(job).values()) for name, job in jobs.items()}


@dataclass(frozen=True)
class Calibration:
    """What a study's parts cost on one machine."""

    per_model_epoch: float  # core-seconds of a training job per model-epoch it trains, its start-up apart
    startup: float  # core-seconds of a training job's start-up (imports, data, Snakemake's set-up, exit)
    judging: float  # seconds of the judging step (it holds every core): CPU seconds if judging_on_cpu, else wall
    report: float  # core-seconds of the data, the tables and the report's figures
    source: str  # where these come from, for the message
    jobs: int = 0  # the training jobs they were measured on
    tied: float | None = None  # core-seconds of a training job's tied runs (dltips.tied); None: unmeasured, none
    judging_on_cpu: bool = True  # the judge's CPU seconds, spread over the cores it forks to


# The CPU seconds of the smoke study's records on the machine the README's Performance section
# names (2-core Intel Xeon, AVX-512 kernels; 18 training jobs, 1,922 model-epochs); used where
# the results folder holds no records.
STORED = Calibration(per_model_epoch=0.0180, startup=1.52, judging=24.2, report=13.6,
                     source="CPU seconds measured on a 2-core Intel Xeon, smoke preset (README: Performance)")


def calibrate(results) -> Calibration | None:
    """The costs the records in `results` show, None where it has no training job with both a
    benchmark record and a timing file. CPU seconds where the records have them: on a machine
    others share, the wall seconds count the waits for a core, which the next study may not
    have; the estimate is for cores the study has to itself."""
    records = read_benchmarks(results)
    timings = read_timings(results)
    # a job that kept its runs from an earlier start (dltips.staging) measured no training
    trained = [r for r in records if r.rule == TRAIN_RULE and r.name in timings
               and sum(n for kind, n in timings[r.name]["model_epochs"].items() if kind != TIED)]
    if not trained:
        return None
    startup = working = model_epochs = 0.0
    tied = []
    on_cpu = all(timings[r.name].get("cpu_seconds") for r in trained)
    for r in trained:
        timing = timings[r.name]
        threads = int(timing.get("threads", 1))
        phases = timing["cpu_seconds"] if on_cpu else timing["seconds"]
        measured = sum(float(s) for p, s in phases.items() if p not in (STARTUP, TIED_RUNS)) * threads
        tied_seconds = float(phases.get(TIED_RUNS, 0.0)) * threads
        working += measured
        # what the job's record holds beyond its phases (Snakemake's set-up of the job, the exit);
        # a short job's sampled CPU time can fall short of the process's own start-up
        recorded = r.cpu_seconds if on_cpu else r.seconds
        startup += max(float(phases.get(STARTUP, 0.0)) * threads if on_cpu else 0.0,
                       (recorded or 0.0) * (1 if on_cpu else threads) - measured - tied_seconds)
        model_epochs += sum(n for kind, n in timing["model_epochs"].items() if kind != TIED)
        if TIED in timing["model_epochs"]:
            tied.append(tied_seconds)
    others = [r for r in records if r.rule != TRAIN_RULE]
    cost = (lambda r: r.cpu_seconds or 0.0) if on_cpu else (lambda r: r.seconds)
    judging = sum(cost(r) for r in others if r.rule == JUDGE_RULE)
    if not tied:  # a study of an older dltips: its tied-rate jobs' records, less a job's start-up
        tied = [max(0.0, cost(r) - startup / len(trained)) for r in others if r.rule == TIED_RULE]
    return Calibration(per_model_epoch=working / max(model_epochs, 1), startup=startup / len(trained),
                       judging=judging, report=sum(cost(r) for r in others if r.rule not in (JUDGE_RULE, TIED_RULE)),
                       source=f"the {'CPU' if on_cpu else 'wall'} seconds of {len(trained)} training jobs in {results}",
                       jobs=len(trained), judging_on_cpu=on_cpu, tied=sum(tied) / len(tied) if tied else None)


def find_calibration(results) -> Calibration:
    """From this study's own earlier records, else from another study's in the same results
    folder (the one with the most training jobs; `results/smoke` beside `results`), else STORED."""
    results = Path(results)
    own = calibrate(results)
    if own is not None:
        return own
    near = {d for d in results.glob("*/")}
    if results.parent != Path("."):
        near |= {results.parent, *results.parent.glob("*/")}
    found = [c for d in sorted(near - {results}) if d.is_dir() and (c := calibrate(d)) is not None]
    return max(found, key=lambda c: c.jobs) if found else STORED


def makespan(seconds: list[float], cores: int) -> float:
    """Wall seconds of jobs of these lengths on `cores` cores, each started, longest first, on
    the core that frees first (the order the train rule's priority asks Snakemake for)."""
    free = [0.0] * max(1, cores)
    for s in sorted(seconds, reverse=True):
        i = free.index(min(free))
        free[i] += s
    return max(free)


def estimate_seconds(planned: dict[str, int], calibration: Calibration, cores: int, tied: bool = False) -> float:
    """About how long jobs of these planned model-epochs (each with its tied runs where `tied`:
    what they train the search decides, so each job's are counted as long as the calibration's
    average), and the judging and report after them, take on `cores` cores."""
    extra = (calibration.tied or 0.0) if tied else 0.0
    jobs = [calibration.startup + n * calibration.per_model_epoch + extra for n in planned.values()]
    judging = calibration.judging / max(1, cores) if calibration.judging_on_cpu else calibration.judging
    return makespan(jobs, cores) + judging + calibration.report / max(1, cores)


def finished(jobs, results) -> set[str]:
    """The jobs whose directory is complete (job.json is written last)."""
    return {name for name in jobs if (Path(results) / "runs" / name / JOB_FILE).exists()}


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60:02d} min"


def bill_lines(jobs: dict[str, Job], results, cores: int, calibration: Calibration | None = None,
               tied: bool = False) -> list[str]:
    """What the study will train and about how long it will take (the Snakefile's message);
    `tied`: each job trains its runs again at the rates tied with their arm's pick (dltips.tied)."""
    parts = total_model_epochs(jobs)
    total = parts["all"]
    done = finished(jobs, results)
    per_job = plan_model_epochs(jobs)
    left = {name: n for name, n in per_job.items() if name not in done}
    calibration = calibration or find_calibration(results)
    lines = [f"dltips: the plan trains {total:,} model-epochs in {len(jobs)} training jobs: {parts['runs']:,} of "
             f"reported runs, {parts['search']:,} of rate search and confirmation (before early stops; a search "
             "may extend its grid or keep candidates at chance)"
             + (", then each job's runs again at the rates its search ties with the pick" if tied else "")]
    if done:
        lines.append(f"dltips: {len(done)} of {len(jobs)} jobs are done, {sum(per_job[n] for n in done):,} of "
                     f"{total:,} model-epochs")
    lines.append(f"dltips: about {duration(estimate_seconds(left, calibration, cores, tied))} on {count(cores, 'core')} "
                 f"(calibrated from {calibration.source})")
    return lines


def progress_line(planned: dict[str, int], results, cores: int, calibration: Calibration | None = None,
                  tied: bool = False) -> str:
    """How far a running study is: k of n jobs, m of M model-epochs, about T left (from the
    records of its finished jobs where there are some); `planned`: job name -> its planned
    model-epochs (plan_model_epochs); `tied`: as bill_lines."""
    done = finished(planned, results)
    left = {name: n for name, n in planned.items() if name not in done}
    calibration = calibration or find_calibration(results)
    return (f"{len(done)} of {len(planned)} jobs, {sum(planned[n] for n in done):,} of {sum(planned.values()):,} "
            f"model-epochs, about {duration(estimate_seconds(left, calibration, cores, tied))} left")


def write_study_file(results, cores: int, planned: dict[str, int]) -> None:
    """What a training job's progress line needs of the study: its cores and each job's planned
    model-epochs, written as the study starts (the plan is not made again in every job: 0.3 CPU s
    a job, README: Performance)."""
    path = Path(results) / "logs" / STUDY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cores": cores, "planned": planned}) + "\n")


def _study_file(results) -> dict:
    path = Path(results) / "logs" / STUDY_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def study_cores(results) -> int:
    """The cores the running study was started with (1 where it did not say)."""
    return int(_study_file(results).get("cores", 1))


def study_planned(results) -> dict[str, int] | None:
    """Each job's planned model-epochs as the running study was started with them; None where it
    did not say (a study file written before they were)."""
    planned = _study_file(results).get("planned")
    return None if planned is None else {name: int(n) for name, n in planned.items()}


def running_progress(results, config: dict) -> str:
    """A training job's progress line for the study of `config` running in `results`: the plan's
    counts from the study file, else from the plan made again."""
    planned = study_planned(results)
    if planned is None:
        planned = plan_model_epochs(plan(config))
    return progress_line(planned, results, study_cores(results), tied=config["rate_look"]["train"])


def study_progress(config: dict) -> str:
    """The running study's progress line, as a training job that has just finished sees it; a
    record another job is writing at this moment makes it unknown, never fails that job."""
    try:
        return running_progress(config["results"], config)
    except (OSError, ValueError, KeyError) as error:
        return f"progress unknown ({type(error).__name__}: {error})"
