"""Cluster profiles parse, and the workflow plans its jobs under the SLURM executor."""

import pytest
import yaml

from conftest import ROOT, snakemake


@pytest.mark.parametrize("name", ["default", "slurm", "kubernetes"])
def test_profile_parses(name):
    profile = yaml.safe_load((ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())
    assert profile["rerun-incomplete"] is True
    if name != "default":
        assert profile["executor"] == name and profile["default-resources"]["mem_mb"] > 0


@pytest.mark.parametrize("name", ["default", "slurm"])
def test_a_killed_study_resumes_with_the_same_command(name):
    """No stale lock stops the restart (for SLURM, dltips.slurm guards against two live runs)."""
    profile = yaml.safe_load((ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())
    assert profile["nolock"] is True and profile["rerun-incomplete"] is True


@pytest.mark.workflow
def test_workflow_dry_runs_with_the_slurm_profile(tmp_path):
    done = snakemake(tmp_path, "-n", "--workflow-profile", str(ROOT / "workflow" / "profiles" / "slurm"))
    assert "rule train" in done.stdout and "dry-run" in done.stdout


@pytest.mark.workflow
def test_the_readmes_slurm_line_needs_no_more_flags_and_without_slurm_says_so_in_one_line(tmp_path):
    """`snakemake --workflow-profile workflow/profiles/slurm --config preset=smoke`, as the README
    gives it (no --cores: the profile sets what it needs), on a machine without SLURM's
    commands: it stops before submitting anything, naming what is missing."""
    import os
    import shutil
    import subprocess
    import sys

    empty = tmp_path / "bin"  # what Snakemake itself runs, without SLURM's commands
    empty.mkdir()
    for tool in ("bash", "sh", "which", "git", "env", "uname"):
        if shutil.which(tool):
            (empty / tool).symlink_to(shutil.which(tool))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", str(ROOT / "config.yaml"),
           "--directory", str(tmp_path), "--workflow-profile", str(ROOT / "workflow" / "profiles" / "slurm"),
           "--config", "preset=smoke"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "PATH": str(empty)})
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "total number of cores" not in said
    assert "SLURM is not installed on this machine (sbatch, squeue, scancel not on PATH)" in said
    assert not (tmp_path / "results" / "smoke" / "runs").exists()
