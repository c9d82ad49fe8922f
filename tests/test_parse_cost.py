"""The Snakefile is parsed once per job on a cluster: what it imports must not load torch."""

import subprocess
import sys

from conftest import ROOT

CHECK = """
import sys
import dltips.claims, dltips.config, dltips.data, dltips.derived, dltips.extensions, dltips.plan, dltips.slurm
print("loaded" if "torch._C" in sys.modules else "lazy")  # torch._C comes with a real import
"""


def test_workflow_helpers_do_not_load_torch():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "lazy"


def test_common_smk_imports_only_those_helpers():
    text = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    imported = {line.split()[1] for line in text.splitlines() if line.startswith(("from dltips", "import dltips"))}
    assert imported <= {"dltips.claims", "dltips.config", "dltips.data", "dltips.derived", "dltips.extensions", "dltips.plan"}
