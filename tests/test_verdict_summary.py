"""The README's verdict summary: generated from a study's tables, naming its machine."""

import json

import pandas as pd
import pytest

from dltips.verdict_summary import MARKERS, main, replace_block, summary


def study(tmp_path, depth_verdicts=("reproduced", "not reproduced")):
    claims = pd.DataFrame({"id": ["deep", "toy"], "verdict": ["reproduced", "inconclusive"],
                           "statistic": ["train accuracy, relu minus sigmoid (fraction)", "error"],
                           "measured": ["measured 0.31 [0.18, 0.44] (n = 5); the claim needs > 0",
                                        "no data; the claim needs ≤ 1e−06"],
                           "why": [None, "no data"]})
    conditions = pd.DataFrame({"claim": ["deep", "deep", "deep", "toy"], "dataset": ["mnist1d", "mnist1d", "digits", None],
                               "condition": ["depth=10", "depth=2", "depth=10", "all"],
                               "headline": [True, False, False, True],
                               "verdict": ["reproduced", depth_verdicts[1], depth_verdicts[0], "inconclusive"]})
    claims.to_csv(tmp_path / "claims.csv", index=False)
    conditions.to_csv(tmp_path / "conditions.csv", index=False)
    (tmp_path / "provenance.json").write_text(json.dumps({
        "commit": "0123456789abcdef", "environments": [{"cpu": "AMD EPYC", "cpu_capability": "AVX2", "cores": 2}],
        "study": {"preset": "default", "datasets": ["mnist1d", "digits"]}}))
    return tmp_path


def test_the_summary_counts_verdicts_names_the_machine_and_the_conditions_that_differ(tmp_path):
    text = summary(study(tmp_path))
    assert "AMD EPYC (AVX2 kernels, 2 cores); commit 0123456789" in text
    assert "Headline verdicts: **1 reproduced, 1 inconclusive** (of 2 claims)" in text
    deep = next(line for line in text.splitlines() if line.startswith("- **deep**"))
    assert "measured 0.31 [0.18, 0.44] (n = 5)" in deep
    # the headline row is not counted among the other conditions; one that disagrees is named
    assert "Conditions on mnist1d: 1 not reproduced (other than the headline's: depth=2: not reproduced)" in deep
    assert "Conditions on digits: 1 reproduced." in deep
    assert "Why: no data." in text and "Why" not in deep


def test_the_readme_block_is_replaced_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{MARKERS[0]}\nold words\n{MARKERS[1]}\nafter\n")
    main([str(study(tmp_path)), "--readme", str(readme)])
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n") and text.endswith("\nafter\n") and "old words" not in text
    assert text.count(MARKERS[0]) == 1 and "**deep**" in text
    with pytest.raises(ValueError, match="no block between"):
        replace_block("no markers here", "x")
