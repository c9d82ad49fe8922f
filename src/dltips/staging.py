"""Where a training job writes before its outputs are whole, so that a job started again
trains only what its earlier start did not finish.

A training job's outputs are job trees (dltips.contract): its reported runs, `runs/<job>`,
and, with the rate look on, its tied runs, `tied/runs/<job>` (dltips.tied). Snakemake deletes
a job's outputs before it runs the job again (after a kill, or when some of them are missing),
so the job writes each tree into its staging folder, `<tree>.partial`, which Snakemake does not
know of, and moves it into place at its end: a tree finished there, and each run finished
there, is found by the next start, which keeps what was written with the very settings it
would write (`finished_run`) and trains the rest.

What stands in place already is kept the same way (`keep_for_rerun`): as the study starts,
every training job Snakemake is about to run again (one of its trees missing or cut short, its
rule or settings changed, or its trees written by an older dltips) has its complete trees moved
back to their staging folders, where the job finds them, instead of being deleted; a job forced
to run again (`--forcerun train`) has its staging folders emptied instead, and trains anew.
Torch-free: the workflow calls it.
"""

import shutil
from pathlib import Path

from .contract import CONFIG_FILE, JOB_FILE, WEIGHTS_FILE
from .io import read_json

SUFFIX = ".partial"


def staging(tree) -> Path:
    """The folder a job tree is written in before it is moved into place."""
    tree = Path(tree)
    return tree.with_name(tree.name + SUFFIX)


def is_staging(folder) -> bool:
    return Path(folder).name.endswith(SUFFIX)


def complete(tree) -> bool:
    """A job tree with its record: job.json is written after every run's files."""
    return (Path(tree) / JOB_FILE).exists()


def finished_run(run_dir, config: dict) -> bool:
    """A run written whole (its weights last) by a process with this very config."""
    run_dir = Path(run_dir)
    try:
        return (run_dir / WEIGHTS_FILE).exists() and read_json(run_dir / CONFIG_FILE) == config
    except (OSError, ValueError):
        return False


def publish(staged, tree) -> None:
    """Move a tree written in its staging folder into place, over whatever stands there."""
    tree = Path(tree)
    if tree.exists():
        shutil.rmtree(tree)
    Path(staged).rename(tree)


def keep_for_rerun(trees: list, forced: bool = False) -> list[Path]:
    """One training job's output trees, just before Snakemake runs the job again, which deletes
    them first: each complete tree goes to its staging folder, where the job keeps what was
    written with its settings; where the rerun is `forced`, the staging folders are emptied
    instead. Returns the trees moved."""
    trees = [Path(t) for t in trees]
    if forced:
        for tree in trees:
            shutil.rmtree(staging(tree), ignore_errors=True)
        return []
    moved = [t for t in trees if complete(t)]
    for tree in moved:
        publish(tree, staging(tree))
    return moved
