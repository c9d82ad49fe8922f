"""Two studies' results compared cell for cell, their timing columns apart (dltips.same_results)."""

import subprocess
import sys

from dltips.same_results import differences

from conftest import ROOT


def study(root, seconds="1.5", accuracy="0.61", verdict="reproduced"):
    (root / "tables" / "tied").mkdir(parents=True)
    (root / "claims").mkdir()
    (root / "tables" / "runs.csv").write_text(f"run_id,seconds,accuracy\nj/a,{seconds},{accuracy}\n")
    (root / "tables" / "tied" / "runs.csv").write_text("run_id,seconds,accuracy\n")
    (root / "claims.csv").write_text(f"id,verdict\nx,{verdict}\n")
    (root / "conditions.csv").write_text("claim,value\nx,1\n")
    (root / "claims" / "x.json").write_text(f'{{"verdict": "{verdict}"}}')
    return root


def test_studies_that_differ_only_in_their_timing_columns_have_the_same_results(tmp_path):
    assert differences(study(tmp_path / "a"), study(tmp_path / "b", seconds="9.25")) == []


def test_a_value_a_verdict_or_a_missing_table_is_named(tmp_path):
    a = study(tmp_path / "a")
    assert differences(a, study(tmp_path / "b", accuracy="0.6100001")) == \
        ["tables/runs.csv: differs from row 1 (2 and 2 rows)"]
    assert differences(a, study(tmp_path / "c", verdict="refuted")) == \
        ["claims.csv: differs from row 1 (2 and 2 rows)", "claims/x.json: differs"]
    (tmp_path / "d").mkdir()
    d = study(tmp_path / "d" / "s")
    (d / "tables" / "tied" / "runs.csv").unlink()
    assert differences(a, d) == ["tables/tied/runs.csv: only in " + str(a)]


def test_the_tool_exits_1_where_a_result_differs(tmp_path):
    a, b = study(tmp_path / "a"), study(tmp_path / "b", verdict="refuted")
    same = subprocess.run([sys.executable, str(ROOT / "tools" / "compare_results.py"), str(a), str(a)],
                          capture_output=True, text=True)
    assert same.returncode == 0 and "5 result files compared, 0 differ" in same.stdout
    other = subprocess.run([sys.executable, str(ROOT / "tools" / "compare_results.py"), str(a), str(b)],
                           capture_output=True, text=True)
    assert other.returncode == 1 and "claims/x.json: differs" in other.stdout
