"""The facts the report's landing page states come from the study, not from hand-written text."""

import json
import subprocess

import torch

from conftest import SCHEMA
from dltips.config import validate
from dltips.plan import plan
from dltips.provenance import (cpu_model, git_commit, landing_facts, machine, record, run_environments,
                               study_facts, versions)


def test_cpu_model_is_read_from_cpuinfo_and_falls_back_when_there_is_none(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz\nflags\t: avx\n")
    assert cpu_model(info) == "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"
    assert cpu_model(tmp_path / "absent")  # platform's own name, never empty


def test_machine_names_the_kernels_torch_uses():
    facts = machine()
    assert facts["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert facts["cores"] >= 1 and facts["cpu"]
    assert {"cpu", "cpu_capability", "torch", "python"} <= set(versions())  # every run records them


def test_git_commit_of_a_checkout_marks_changes_and_names_a_folder_that_is_none(tmp_path):
    assert git_commit(tmp_path) == "not a git checkout"

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f").write_text("a")
    git("add", "f")
    git("commit", "-qm", "one")
    sha = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert git_commit(tmp_path) == sha and len(sha) == 40
    (tmp_path / "f").write_text("b")
    assert git_commit(tmp_path) == f"{sha} with uncommitted changes"


def smoke_facts(default_config):
    config = validate({**default_config, "preset": "smoke"}, SCHEMA)
    return study_facts(config, plan(config))


def test_study_facts_follow_the_preset(default_config):
    facts = smoke_facts(default_config)
    assert facts["preset"] == "smoke" and facts["results"] == "results/smoke" and facts["datasets"] == ["mnist1d"]
    grid = facts["studies"]["grid"]
    assert grid == {"jobs": 4, "runs": 2 * 2 * 3 * 2, "seeds": "2 (0, 1)", "epochs": [3]}
    full = study_facts(validate(default_config, SCHEMA), plan(validate(default_config, SCHEMA)))
    assert full["preset"] == "default" and sorted(full["datasets"]) == ["digits", "mnist1d"]
    assert full["studies"]["grid"]["runs"] == 2 * 7 * 5 * 5 * 5 and full["studies"]["grid"]["seeds"] == "5 (0–4)"


def write_job(root, name, env):
    run = root / name / "none-s0"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"versions": env}))
    return root / name


def test_landing_facts_name_preset_seeds_machine_versions_and_commit(default_config, tmp_path):
    assert [label for label, _ in landing_facts(tmp_path / "provenance.json")] == ["Provenance"]  # not yet run
    here = {"cpu": "AMD EPYC *7B13*", "cpu_capability": "AVX2", "cores": 2, "torch": "2.13.0+cpu", "python": "3.11.7"}
    there = {**here, "cpu": "Intel Xeon", "cpu_capability": "AVX512"}
    jobs = [write_job(tmp_path, "a", here), write_job(tmp_path, "b", here), write_job(tmp_path, "c", there)]
    assert [e["jobs"] for e in run_environments(jobs)] == [2, 1]
    path = tmp_path / "provenance.json"
    path.write_text(json.dumps(record(smoke_facts(default_config), jobs, tmp_path)))
    facts = landing_facts(path)
    text = dict(facts)
    assert "**smoke**" in text["Preset"] and "not the study's results" in text["Preset"]
    assert "seeds 2 (0, 1), 3 epochs" in text["Study grid"]
    machines = [t for label, t in facts if label == "Machine and libraries"]
    assert len(machines) == 2 and "AMD EPYC \\*7B13\\*" in machines[0]  # reST markup escaped
    assert "torch CPU kernels: AVX2" in machines[0] and "torch 2.13.0+cpu" in machines[0]
    assert "AVX512" in machines[1] and machines[1].startswith("1 training job")
    assert text["Git commit"] == "not a git checkout"
    full = validate(default_config, SCHEMA)
    path.write_text(json.dumps(record(study_facts(full, plan(full)), jobs, tmp_path)))
    assert dict(landing_facts(path))["Preset"] == "**default**"  # the study itself carries no warning
    quick = validate({**default_config, "preset": "quick"}, SCHEMA)
    path.write_text(json.dumps(record(study_facts(quick, plan(quick)), jobs, tmp_path)))
    said = dict(landing_facts(path))["Preset"]  # its own mark: its headline verdicts are the study's
    assert "**quick**" in said and "headline verdicts are the default study's" in said and "not the study's" not in said


def test_what_an_extension_registers_is_recorded_as_its_own():
    from dltips.registry import Registry, loading, registered_by

    things = Registry("thing")
    things.register("built_in", 1)
    with loading("my_extension.py"):
        things.register("swish", 2)
    assert registered_by("my_extension.py") == {"thing": ["swish"]}
    things.unregister("swish")
    assert registered_by("my_extension.py") == {}
