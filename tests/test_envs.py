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

    for rule_file in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = rule_file.read_text()
        rules = len(re.findall(r"^\s*rule\b", text, flags=re.M))
        assert text.count('conda:') >= rules - text.count("rule all"), rule_file.name
