"""Rules of the user's own: a rule file listed under user_rules (found where the config says, its
outputs in the default target and the report), and a Snakefile of one's own using dltips as a
module."""

import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SMOKE_RESULTS, snakemake
from dltips.config import ConfigError
from dltips.user_rules import CATEGORY, files, targets

EXAMPLE = ROOT / "workflow" / "rules" / "user" / "seed_spread.smk"


def test_rule_files_are_resolved_from_the_working_folder_and_a_missing_one_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.smk").write_text("")
    assert files(["mine.smk"]) == [str(tmp_path / "mine.smk")]
    assert files(None) == []
    with pytest.raises(ConfigError, match=r"config key 'user_rules\[1\]': no file 'other.smk' \(looked at .*other.smk\)"):
        files(["mine.smk", "other.smk"])


class FakeRule:
    def __init__(self, *output):
        self.output = list(output)

    def has_wildcards(self):
        return any("{" in path for path in self.output)


def test_only_outputs_without_wildcards_join_the_default_target():
    rules = [FakeRule("results/user/a.csv", "results/user/a.png"), FakeRule("results/user/{dataset}.csv")]
    assert targets(rules) == ["results/user/a.csv", "results/user/a.png"]


def planned_rules(done) -> set[str]:
    """The rules a Snakemake run or dry-run scheduled, from its log."""
    return set(re.findall(r"^(?:local)?rule (\w+):$", done.stdout + done.stderr, flags=re.M))


@pytest.mark.workflow
def test_a_rule_file_listed_under_user_rules_runs_after_the_study_and_joins_its_report(smoke):
    """The README's first way on the smoke study: the shipped example listed under user_rules; the
    default target runs it and nothing else, and the report shows it in its own section."""
    (smoke / "user_rules.yaml").write_text(yaml.safe_dump({"user_rules": [str(EXAMPLE)]}))
    configs = (ROOT / "config.yaml", smoke / "user_rules.yaml")

    assert planned_rules(snakemake(smoke, "-n", configfiles=configs)) == {"seed_spread", "all"}
    snakemake(smoke, configfiles=configs)
    out = smoke / SMOKE_RESULTS / "user"
    spread = pd.read_csv(out / "seed_spread.csv")
    assert set(spread.activation) == {"sigmoid", "relu"} and spread.seeds.max() == 2  # the smoke grid's
    assert (out / "seed_spread.png").stat().st_size > 10_000
    # its own report file: the session's smoke report stays the plain study's
    snakemake(smoke, "--report", f"{SMOKE_RESULTS}/report-user-rules.html", configfiles=configs)
    html = (smoke / SMOKE_RESULTS / "report-user-rules.html").read_text()
    assert CATEGORY in html and '"rule": "seed spread per activation"' in html and "0. Verdicts" in html


@pytest.mark.workflow
def test_a_snakefile_of_ones_own_runs_dltips_as_a_module_with_a_rule_of_its_own(smoke, tmp_path):
    """The README's second way: examples/my-study, pointed at this clone, run in its own folder
    (here holding a copy of the smoke study: dltips' outputs keep their paths, so only the
    folder's own rule runs); its report has dltips' pages and its own."""
    work = tmp_path / "my-study"
    shutil.copytree(ROOT / "examples" / "my-study", work)
    # the clone by its absolute path rather than beside the folder: the study's records then name the
    # same files as the smoke study's, which is reused
    snakefile = work / "Snakefile"
    snakefile.write_text(snakefile.read_text().replace('"../dltips/', f'"{ROOT}/'))
    shutil.copytree(smoke / SMOKE_RESULTS, work / SMOKE_RESULTS, symlinks=True)
    shutil.copytree(smoke / ".snakemake", work / ".snakemake", symlinks=True)

    def own(*args):
        cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args, "--config", "preset=smoke"]
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
        return done

    assert planned_rules(own("-n")) == {"accuracy_by_optimizer", "my_study"}
    own()
    # under the preset's results folder: the config the folder's rules read is dltips' validated one
    assert (work / SMOKE_RESULTS / "my-study" / "accuracy_by_optimizer.png").stat().st_size > 10_000
    own("--report", "report.html")
    html = (work / "report.html").read_text()
    assert CATEGORY in html and "accuracy_by_optimizer.png" in html
    assert "0. Verdicts" in html and "dltips puts the classic" in html  # dltips' pages and landing page
    # dltips' `rule all` renamed instead: Snakemake reads dltips' Snakefile once per `use rule`
    renamed = (work / "Snakefile").read_text().replace(
        "use rule * from dltips\n", "use rule * from dltips exclude all\n\n\nuse rule all from dltips as dltips_all\n"
    ).replace("rules.all.input", "rules.dltips_all.input")
    (work / "Renamed.smk").write_text(renamed)
    assert "Nothing to be done" in own("-s", "Renamed.smk", "-n").stdout


def test_the_readmes_module_lines_are_the_example_snakefiles():
    """The README shows examples/my-study/Snakefile (less its log, conda and comments): every
    line it shows is one of the file's, which the test above runs."""
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("```\nfrom dltips.user_rules import CATEGORY"):]
    block = block[4:block.index("```", 4)]
    example = {line.rstrip() for line in (ROOT / "examples" / "my-study" / "Snakefile").read_text().splitlines()}
    shown = [line.rstrip() for line in block.splitlines() if line.strip() and line.strip() != "..."]
    assert len(shown) > 20 and [line for line in shown if line not in example] == []
