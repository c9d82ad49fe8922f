import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

# the suite runs beside other work on two cores: never oversubscribe them
torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def results_dir(preset: str) -> str:
    """The folder a preset writes to, relative to the working directory (its `results:`
    setting, else the file's): each preset has its own, so a smoke study never mixes with a full one."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    return config["presets"].get(preset, {}).get("results", config["results"])


SMOKE_RESULTS = results_dir("smoke")


@pytest.fixture
def tiny_dataset():
    """A small separable 4-class problem: trains in a few epochs."""
    from dltips.data import Dataset

    rng = np.random.default_rng(0)
    centers = rng.normal(0, 3, size=(4, 6))

    def split(n):
        y = rng.integers(0, 4, n)
        x = centers[y] + rng.normal(0, 1, size=(n, 6))
        return x.astype(np.float32), y.astype(np.int64)

    parts = {s: split(n) for s, n in (("train", 96), ("val", 32), ("test", 32))}
    return Dataset(x={s: p[0] for s, p in parts.items()}, y={s: p[1] for s, p in parts.items()})


@pytest.fixture(scope="session")
def default_config():
    import yaml

    return yaml.safe_load((ROOT / "config.yaml").read_text())


def snakemake(workdir: Path, *args: str, check: bool = True, preset: str = "smoke",
              configfiles=(ROOT / "config.yaml",), config=()) -> subprocess.CompletedProcess:
    """The workflow on a preset (smoke), run in `workdir` (results land in workdir/results_dir(preset));
    `config`: more key=value overrides for --config."""
    files = ["--configfile", *map(str, configfiles)] if configfiles else []  # none: workdir/config.yaml
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), *files,
           "--directory", str(workdir), "--cores", "2", *args, "--config", f"preset={preset}", *config]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return done


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """One end-to-end smoke study for the whole session: its tables feed the figure tests."""
    workdir = tmp_path_factory.mktemp("smoke")
    snakemake(workdir)
    return workdir


@pytest.fixture(scope="session")
def smoke_tables(smoke):
    return smoke / SMOKE_RESULTS / "tables"
