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
