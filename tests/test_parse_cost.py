"""The Snakefile is parsed once per job on a cluster: what it imports must not load torch, nor
the plotting and statistics libraries the claims use when judging."""

import subprocess
import sys

from conftest import ROOT

CHECK = """
import sys
import dltips.claims, dltips.claims.settings, dltips.config, dltips.data, dltips.derived, dltips.extensions, dltips.plan, dltips.provenance, dltips.slurm, dltips.staging, dltips.tied, dltips.user_rules
dltips.claims.load()  # the config's validation reads every claim's declarations and settings
heavy = [m for m in ("torch._C", "matplotlib.pyplot", "seaborn", "scipy.stats") if m in sys.modules]
print(heavy or "lazy")  # torch._C comes with a real import of torch
"""


def test_workflow_helpers_do_not_load_torch():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "lazy"


def test_common_smk_imports_only_those_helpers():
    text = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    imported = {line.split()[1] for line in text.splitlines() if line.startswith(("from dltips", "import dltips"))}
    assert imported <= {"dltips.bill", "dltips.claims", "dltips.claims.settings", "dltips.config", "dltips.data",
                        "dltips.derived", "dltips.extensions", "dltips.plan", "dltips.provenance", "dltips.staging",
                        "dltips.tied", "dltips.user_rules"}


# Claims that compute with torch themselves: toy optimizer runs (adaptive-lr, momentum-escapes,
# adam-is-rmsprop-plus-momentum), exact checks on small nets (relu-fixes-depth's linearity,
# maxout's construction, dropout-train-test's classic-vs-inverted twin) and the pipeline's own
# Trainer (l2-shrinks, l1-subtracts). Every other claim only reads tables, and torch's import
# (~1 s, twice that under load) would be most of its job's cost.
TORCH_CLAIMS = {"relu-fixes-depth", "maxout-learns-activation", "adaptive-lr", "momentum-escapes",
                "adam-is-rmsprop-plus-momentum", "l2-shrinks", "l1-subtracts", "dropout-train-test"}

RUN_TABLE_CLAIMS = """
import json, sys
from pathlib import Path
from dltips.claims import get
from dltips.claims.run import run_claim
tables, out, settings, ids = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4:]
for claim_id in ids:
    paths = {name: tables / f"{name}.csv" for name in get(claim_id).tables}
    run_claim(claim_id, paths, settings[claim_id], {s: out / f"{claim_id}.{s}" for s in ("csv", "json", "png", "svg")})
    if "torch._C" in sys.modules:
        sys.exit(f"{claim_id} loaded torch")
print("torch-free")
"""


def test_claims_that_only_read_tables_never_load_torch(smoke_tables, default_config, tmp_path):
    import json

    from conftest import SCHEMA
    from dltips.config import validate

    settings = validate({**default_config, "preset": "smoke"}, SCHEMA)["claims"]
    table_only = [c for c in settings if c not in TORCH_CLAIMS]
    assert len(table_only) >= 10  # the rule is about most claims, not an empty set
    done = subprocess.run([sys.executable, "-c", RUN_TABLE_CLAIMS, str(smoke_tables), str(tmp_path),
                           json.dumps(settings), *table_only], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "torch-free", done.stderr[-3000:]
    assert all((tmp_path / f"{c}.json").exists() for c in table_only)  # each really ran
