"""The conda environment (for --sdm conda) pins exactly what pyproject.toml pins."""

import tomllib

import yaml

from conftest import ROOT


def _pins(lines):
    return dict(line.replace(" ", "").split("==", 1) for line in lines if "==" in line)


def test_conda_env_matches_the_pip_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_pins = _pins(project["dependencies"])
    env = yaml.safe_load((ROOT / "envs" / "dltips.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == pip_pins
    assert pip_pins["torch"] == "2.13.0"  # newer or unpinned pulls a multi-GB CUDA build
    assert "-e .." in pip_section  # the workflow scripts import dltips


def test_every_rule_runs_in_the_conda_env():
    import re

    for rule_file in (ROOT / "workflow" / "rules").rglob("*.smk"):  # the example of user_rules too
        text = rule_file.read_text()
        rules = len(re.findall(r"^\s*rule\b", text, flags=re.M))
        assert text.count('conda:') >= rules - text.count("rule all"), rule_file.name


def test_the_readme_smoke_command_is_its_study_command_on_the_smoke_preset():
    """CI runs the README's smoke line (.ci/run takes it from the README); it proves the study
    line's install only while the two differ in nothing but the preset."""
    import re

    from conftest import SMOKE_RESULTS

    commands = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()
                if line.startswith("    python3 -m venv")]
    study, smoke = commands[0], [c for c in commands if re.search(r"preset=smoke.*--report", c)]
    assert "pip install -e . &&" in study  # no test extras: what a reader of the study runs
    assert smoke == [study.replace(".venv/bin/snakemake && ", ".venv/bin/snakemake --config preset=smoke && ").replace(
        "--report results/report.html", f"--config preset=smoke --report {SMOKE_RESULTS}/report.html")]
    # and CI's own way of finding it finds exactly that line
    import subprocess

    finder = next(line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("readme_smoke="))
    found = subprocess.run(["bash", "-c", f"{finder}; echo \"$readme_smoke\""], cwd=ROOT, capture_output=True, text=True)
    assert found.stdout.strip() == smoke[0]
