"""Where a study's numbers came from: library versions and machine per run, and the facts the
report's landing page states (preset, seeds, epochs, datasets, machine, versions, commit).

Float results depend on the CPU's kernels (AVX-512 and AVX2 kernels round sums differently), so
the machine is recorded with every run, not assumed. Torch-free at import: the workflow reads
the landing facts when it builds the report.
"""

import json
import os
import platform
import re
import subprocess
import sys
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .contract import Job, first_run_config
from .extensions import registered
from .words import count

PACKAGES = ("dltips", "torch", "numpy", "pandas", "mnist1d", "scikit-learn", "mlxtend", "snakemake")
MACHINE_KEYS = ("cpu", "cpu_capability", "cores")


def versions() -> dict:
    """What a run records with its numbers: Python, the platform, the machine, the libraries."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(), **machine()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def cpu_model(cpuinfo="/proc/cpuinfo") -> str:
    """The CPU's model name as the kernel reports it (what `lscpu` shows), else what Python knows."""
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path(cpuinfo).read_text(), flags=re.M)
    except OSError:
        match = None
    return match.group(1).strip() if match else (platform.processor() or platform.machine() or "unknown")


def machine() -> dict:
    """The CPU, the instruction set torch's CPU kernels use on it (DEFAULT, AVX2, AVX512, ...;
    the env var ATEN_CPU_CAPABILITY can lower it), and the cores the process may use."""
    import torch

    return {"cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}


def git_commit(folder) -> str:
    """The commit checked out in `folder`, marked when files differ from it; or why there is none."""
    def git(*args):
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=30)

    try:
        head = git("rev-parse", "HEAD")
    except (OSError, subprocess.TimeoutExpired):
        return "not a git checkout (git not available)"
    if head.returncode != 0:
        return "not a git checkout"
    changed = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if changed else "")


def _seeds(seeds: list[int]) -> str:
    seeds = sorted(seeds)
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{len(seeds)} ({seeds[0]}–{seeds[-1]})"
    return f"{len(seeds)} ({', '.join(map(str, seeds))})"


def study_facts(config: dict, jobs: dict[str, Job]) -> dict:
    """What the configuration asked for, from the validated config (preset applied) and the job plan."""
    studies: dict[str, dict] = {}
    for job in jobs.values():
        study = studies.setdefault(job.study, {"jobs": 0, "runs": 0, "seeds": set(), "epochs": set()})
        study["jobs"] += 1
        study["runs"] += len(job.runs)
        study["seeds"].update(run.seed for run in job.runs)
        study["epochs"].add(job.training.epochs)
    return {
        "preset": config.get("preset", "default"),
        "mark": config.get("mark", ""),
        "results": config["results"],
        "datasets": sorted({job.dataset for job in jobs.values()}),
        "extensions": registered(config.get("extensions")),
        "studies": {name: {"jobs": s["jobs"], "runs": s["runs"], "seeds": _seeds(list(s["seeds"])),
                           "epochs": sorted(s["epochs"])} for name, s in studies.items()},
    }


def run_environments(job_dirs) -> list[dict]:
    """The distinct (machine, versions) the jobs' runs recorded, each with its number of jobs."""
    seen = Counter()
    for job_dir in job_dirs:
        config = first_run_config(job_dir)
        if config is None:
            continue
        env = config.get("versions", {})
        seen[json.dumps(env, sort_keys=True)] += 1
    return [{**json.loads(env), "jobs": n} for env, n in seen.most_common()]


def record(study: dict, job_dirs, workflow_dir) -> dict:
    """provenance.json: the study's facts (study_facts), what its runs recorded, the commit."""
    return {"study": study, "environments": run_environments(job_dirs), "commit": git_commit(workflow_dir)}


def _rst(value) -> str:
    """Plain reST text on one line: markup characters escaped, so a CPU name reads as written."""
    return re.sub(r"([\\`*_|<>])", r"\\\1", " ".join(str(value).split()))


def _environment_line(env: dict) -> str:
    machine_text = (f"{env.get('cpu', 'CPU not recorded')}, torch CPU kernels: {env.get('cpu_capability', 'not recorded')}, "
                    f"{env.get('cores', '?')} cores")
    libraries = ", ".join(f"{name} {env[name]}" for name in ("python",) + PACKAGES if env.get(name))
    return f"{count(env['jobs'], 'training job')} on {machine_text}; {libraries}"


def landing_facts(path) -> list[tuple[str, str]]:
    """(label, reST text) pairs for the report's landing page, from the study's provenance.json."""
    path = Path(path)
    if not path.exists():
        return [("Provenance", f"not recorded: {_rst(path)} is written by the study; run it before the report")]
    rec = json.loads(path.read_text())
    study = rec["study"]
    preset = study["preset"]
    # a record written before presets gave their marks is a smoke study's (the only preset then)
    mark = study.get("mark", "a reduced study that checks the pipeline end to end; its numbers are not the study's results")
    facts = [("Preset", f"**{_rst(preset)}**" + ("" if preset == "default" else
              f" — {_rst(mark)} (written to {_rst(study['results'])}/)"))]
    facts.append(("Datasets", _rst(", ".join(study["datasets"]))))
    for extension, kinds in study.get("extensions", {}).items():
        what = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items()) or "registered nothing"
        facts.append((f"Extension {_rst(extension)}", _rst(what)))
    for name, s in study["studies"].items():
        epochs = ", ".join(map(str, s["epochs"]))
        facts.append((f"Study {_rst(name)}", f"{count(s['runs'], 'run')} in {count(s['jobs'], 'job')}, seeds {_rst(s['seeds'])}, "
                                             f"{epochs} {'epoch' if s['epochs'] == [1] else 'epochs'}"))
    envs = rec["environments"]
    if not envs:
        facts.append(("Machine and libraries", "no trained run recorded them"))
    for env in envs:
        facts.append(("Machine and libraries", _rst(_environment_line(env))))
    facts.append(("Git commit", _rst(rec["commit"])))
    return facts
